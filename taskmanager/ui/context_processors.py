from taskmanager.ui.session import USERNAME_KEY, is_logged_in


def ui(request):
    # Nothing here asks the API: error pages (the 503 one first) render with this context too.
    return {
        "logged_in": is_logged_in(request),
        "current_username": request.session.get(USERNAME_KEY, ""),
    }
