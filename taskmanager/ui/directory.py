"""The user's projects, as one GET /api/v1/projects/ lists them, read once per page.

That one list feeds the sidebar, the project page's header, the user's role
(what controls a page shows), the project pickers and the project names on
task rows, so no page asks the API about projects one by one.
"""

from dataclasses import dataclass

from taskmanager.ui.session import api_for

VIEWER = "viewer"
# What the API says the user may do in a project (its "permissions"); nothing here
# knows which role allows what.
PERMISSIONS = (
    "change_tasks",
    "change_project",
    "rename_or_archive",
    "delete_project",
    "manage_members",
    "leave",
)


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    description: str
    color: str
    archived: bool
    is_inbox: bool
    role: str
    task_count: int
    open_task_count: int
    version: int
    permissions: frozenset[str] = frozenset()

    @classmethod
    def from_api(cls, data: dict) -> "Project":
        return cls(
            id=str(data["id"]),
            name=data["name"],
            description=data.get("description") or "",
            color=data.get("color") or "",
            archived=bool(data.get("archived")),
            is_inbox=bool(data.get("is_inbox")),
            role=data.get("role") or VIEWER,
            task_count=int(data.get("task_count") or 0),
            open_task_count=int(data.get("open_task_count") or 0),
            version=int(data.get("version") or 1),
            permissions=frozenset(
                name for name, allowed in (data.get("permissions") or {}).items() if allowed
            ),
        )

    @property
    def completed_task_count(self) -> int:
        return max(0, self.task_count - self.open_task_count)

    @property
    def can_edit_tasks(self) -> bool:
        """Whether the API will take task changes here (its role and the project's state)."""
        return "change_tasks" in self.permissions

    @property
    def can_change_project(self) -> bool:
        return "change_project" in self.permissions

    @property
    def can_rename_or_archive(self) -> bool:
        return "rename_or_archive" in self.permissions

    @property
    def can_delete(self) -> bool:
        return "delete_project" in self.permissions

    @property
    def can_manage_members(self) -> bool:
        return "manage_members" in self.permissions

    @property
    def can_leave(self) -> bool:
        return "leave" in self.permissions

    @property
    def role_label(self) -> str:
        return self.role.capitalize()


@dataclass(frozen=True)
class Member:
    username: str
    role: str

    @classmethod
    def from_api(cls, data: dict) -> "Member":
        return cls(username=data["username"], role=data["role"])

    @property
    def role_label(self) -> str:
        return self.role.capitalize()


class Directory:
    """The projects of one user, in the API's order (the Inbox first, then by name)."""

    def __init__(self, projects: list[Project]):
        self.projects = projects
        self._by_id = {project.id: project for project in projects}

    @classmethod
    def from_api(cls, rows: list[dict]) -> "Directory":
        return cls([Project.from_api(row) for row in rows])

    def get(self, project_id) -> Project | None:
        return self._by_id.get(str(project_id))

    @property
    def inbox(self) -> Project | None:
        return next((project for project in self.projects if project.is_inbox), None)

    @property
    def active(self) -> list[Project]:
        """The sidebar's projects: not archived, the Inbox aside (it has its own entry)."""
        return [project for project in self.projects if not project.archived and not project.is_inbox]

    @property
    def archived(self) -> list[Project]:
        return [project for project in self.projects if project.archived]

    @property
    def editable(self) -> list[Project]:
        """Where the user may put tasks: the project picker's choices."""
        return [project for project in self.projects if project.can_edit_tasks]

    @property
    def open_task_count(self) -> int:
        return sum(project.open_task_count for project in self.projects)

    @property
    def completed_editable_count(self) -> int:
        """The completed tasks "clear completed" (across projects) would delete."""
        return sum(project.completed_task_count for project in self.editable)

    def can_edit_tasks_in(self, project_id) -> bool:
        project = self.get(project_id)
        return bool(project and project.can_edit_tasks)


def directory_for(request) -> Directory:
    """This request's projects: asked of the API on first use, then kept on the request."""
    directory = getattr(request, "_ui_directory", None)
    if directory is None:
        directory = Directory.from_api(api_for(request).project_list())
        request._ui_directory = directory
    return directory


def forget_directory(request) -> None:
    """After a change to projects or memberships, the next read asks the API again."""
    request.__dict__.pop("_ui_directory", None)
