"""Step 2 of 3: every user gets an Inbox; their tasks and tags move into it.

UPDATE statements, not model saves: ids, versions and timestamps
(updated_at included) stay exactly as they were.
"""

from django.conf import settings
from django.db import migrations
from django.db.models import F, OuterRef, Subquery

INBOX_NAME = "Inbox"
INBOX_COLOR = "blue"
OWNER = "owner"


def into_inboxes(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Project = apps.get_model("projects", "Project")
    Membership = apps.get_model("projects", "Membership")
    Task = apps.get_model("tasks", "Task")
    Tag = apps.get_model("tasks", "Tag")
    without_inbox = User.objects.filter(inbox__isnull=True).values_list("id", flat=True)
    for user_id in without_inbox.iterator():
        inbox = Project.objects.create(name=INBOX_NAME, color=INBOX_COLOR, inbox_of_id=user_id)
        Membership.objects.create(project=inbox, user_id=user_id, role=OWNER)
    inbox_of_owner = Subquery(Project.objects.filter(inbox_of=OuterRef("owner")).values("id")[:1])
    Task.objects.filter(project__isnull=True).update(project=inbox_of_owner, created_by=F("owner"))
    Tag.objects.filter(project__isnull=True).update(project=inbox_of_owner)


def back_to_owners(apps, schema_editor):
    Task = apps.get_model("tasks", "Task")
    Tag = apps.get_model("tasks", "Tag")
    Project = apps.get_model("projects", "Project")
    # Only Inbox tasks have an owner to go back to; shared projects' tasks
    # cannot be told apart, so going back refuses rather than guessing.
    if Task.objects.filter(project__inbox_of__isnull=True).exists():
        raise RuntimeError("tasks in shared projects have no single owner to move back to")
    # What shared projects keep then are tags on no task (their tasks were
    # moved or deleted): no one owns them, and they go with the projects.
    Tag.objects.filter(project__inbox_of__isnull=True).delete()
    owner_of_inbox = Subquery(Project.objects.filter(id=OuterRef("project")).values("inbox_of")[:1])
    Task.objects.update(owner=owner_of_inbox)
    Tag.objects.update(owner=owner_of_inbox)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0003_projects_columns")]

    operations = [migrations.RunPython(into_inboxes, back_to_owners)]
