"""What every logged-in page shares: the sidebar from the user's projects, and small wordings."""

from dataclasses import dataclass

from django.shortcuts import render
from django.urls import reverse
from django.utils.text import Truncator

from taskmanager.ui.directory import Directory, directory_for
from taskmanager.ui.fragments import render_fragment


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool = False
    count: int | None = None
    color: str = ""


@dataclass(frozen=True)
class Sidebar:
    places: list[NavItem]
    projects: list[NavItem]
    archived: list[NavItem]
    new_project: NavItem

    @property
    def current_label(self) -> str:
        items = [*self.places, *self.projects, *self.archived, self.new_project]
        return next((item.label for item in items if item.current), "")

    @property
    def archived_current(self) -> bool:
        return any(item.current for item in self.archived)


def project_url(project_id) -> str:
    return reverse("ui:project", args=[project_id])


def sidebar_for(directory: Directory, path: str) -> Sidebar:
    def item(label, url, *, within=False, **extra):
        # A project stays marked on its own sub-pages (settings, members).
        current = path == url or (within and path.startswith(url))
        return NavItem(label=label, url=url, current=current, **extra)

    places = [item("All tasks", reverse("ui:task-list"), count=directory.open_task_count)]
    inbox = directory.inbox
    if inbox:
        places.append(
            item("Inbox", project_url(inbox.id), within=True, count=inbox.open_task_count, color=inbox.color)
        )
    places.append(item("Assigned to me", reverse("ui:assigned")))

    def project_item(project):
        return item(
            project.name,
            project_url(project.id),
            within=True,
            count=project.open_task_count,
            color=project.color,
        )

    return Sidebar(
        places=places,
        projects=[project_item(project) for project in directory.active],
        archived=[project_item(project) for project in directory.archived],
        new_project=item("New project", reverse("ui:project-create")),
    )


def render_page(request, template: str, context: dict | None = None, *, status: int = 200):
    """A logged-in page: its own context plus the sidebar (one GET /projects/ per request)."""
    directory = directory_for(request)
    sidebar = sidebar_for(directory, request.path)
    context = {
        "sidebar": sidebar,
        "sidebar_html": render_fragment("ui/sidebar.html", sidebar=sidebar),
        "directory": directory,
        **(context or {}),
    }
    return render(request, template, context, status=status)


def short(title: str) -> str:
    return Truncator(title).chars(60)


def count_of(count: int, noun: str = "task") -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
