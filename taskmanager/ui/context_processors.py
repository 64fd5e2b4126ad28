from django.conf import settings

from taskmanager.ui.session import USERNAME_KEY, is_logged_in


def ui(request):
    return {
        "logged_in": is_logged_in(request),
        "current_username": request.session.get(USERNAME_KEY, ""),
        # A hint for showing the link; the API has the final word on sign-up.
        "signup_enabled": settings.TASKMANAGER_ALLOW_SIGNUP,
    }
