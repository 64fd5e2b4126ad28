"""The domain's refusals. The API maps each to one status (api/errors.py):

- ``ObjectDoesNotExist``: 404, also for what exists but the actor may not see;
- ``RoleRequired``: 403, the actor sees the project but lacks the role;
- ``Conflict``: 409, the change contradicts the current state (the Inbox
  cannot be shared, a project must keep an owner, an archived project's tasks
  are read-only);
- ``VersionConflict``: 412, the caller expected a version that is gone;
- ``django.core.exceptions.ValidationError``: 400, naming each bad field.
"""


class RoleRequired(Exception):
    def __init__(self, role: str, doing: str):
        super().__init__(f"You need the {role} role in this project to {doing}.")
        self.role = role


class Conflict(Exception):
    pass


class VersionConflict(Exception):
    """The caller expected a version of the object that is no longer the current one."""

    def __init__(self, object_id, current_version: int, what: str = "object"):
        super().__init__(f"The {what} has changed since it was read.")
        self.object_id = object_id
        self.current_version = current_version
