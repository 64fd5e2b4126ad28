"""The process role, read once from TASKMANAGER_ROLE.

One image runs as the API role (REST API, admin, migrations; the only role
with a database) or the UI role (server-rendered pages over the API's HTTP
interface). Guessing a role would let a misconfigured pod serve the wrong
thing, so a missing or unknown value stops the process at start-up.
"""

import os

from django.core.exceptions import ImproperlyConfigured

ROLE_VARIABLE = "TASKMANAGER_ROLE"
API = "api"
UI = "ui"
ROLES = (API, UI)


def current_role(environ=os.environ) -> str:
    value = environ.get(ROLE_VARIABLE, "").strip().lower()
    if value not in ROLES:
        shown = repr(environ[ROLE_VARIABLE]) if ROLE_VARIABLE in environ else "not set"
        raise ImproperlyConfigured(
            f"{ROLE_VARIABLE} is {shown}; set it to one of: {', '.join(ROLES)} "
            f"({API}: REST API, admin and migrations; {UI}: browser UI over the API)."
        )
    return value
