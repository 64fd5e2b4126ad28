"""Helpers shared by the tests of projects, their members and their tasks."""

import uuid

from knox.models import AuthToken
from rest_framework.test import APIClient

from taskmanager.projects.models import Membership, Project

API = "/api/v1"
PROJECTS_URL = f"{API}/projects/"
TASKS_URL = f"{API}/tasks/"
TAGS_URL = f"{API}/tags/"

ROLE_MESSAGES = {
    "project": "You need the owner role in this project to change or delete the project.",
    "members": "You need the owner role in this project to manage its members.",
    "tasks": "You need the editor role in this project to change its tasks.",
}


def project_url(project_or_id) -> str:
    return f"{PROJECTS_URL}{getattr(project_or_id, 'id', project_or_id)}/"


def members_url(project_or_id) -> str:
    return f"{project_url(project_or_id)}members/"


def member_url(project_or_id, username: str) -> str:
    return f"{members_url(project_or_id)}{username}/"


def task_url(task_or_id) -> str:
    return f"{TASKS_URL}{getattr(task_or_id, 'id', task_or_id)}/"


def token_client(user) -> APIClient:
    """A client that authenticates as ``user`` with a real Bearer token."""
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def inbox_of(user) -> Project:
    return Project.objects.get(inbox_of=user)


def role_of(project, user) -> str | None:
    return Membership.objects.filter(project=project, user=user).values_list("role", flat=True).first()


def unknown_id() -> str:
    return str(uuid.uuid4())
