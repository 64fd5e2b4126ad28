"""Which tags a task has: linking a task to a list of tag names, within tasks.services' lock order.

The caller holds the task's row lock, which every change of a task's links
takes first (tags_delete too), so the links read here stay as read until
commit. A task whose tags are already the ones asked for is left alone: no
tag is created, locked or relinked.
"""

from django.db.models import F

from taskmanager.domain.compiled import TEXT_LIST, UUID, CompiledQuery
from taskmanager.domain.compiled_writes import CompiledInsert, CompiledWrite, Param
from taskmanager.domain.transactions import RetryableConflict, share_lock_clause
from taskmanager.tasks.models import Tag, Task

Link = Task.tags.through


def task_tags_set(task_id, project_id, names: list[str], *, new: bool = False) -> bool:
    """Link the task to its project's tags called ``names`` and to no others; whether that changed any.

    ``new``: the task was created in this transaction, so it has no links yet.
    """
    rows = [] if new else _LINKED.rows("all", task_id=task_id)
    linked = {row["name"]: row["tag_id"] for row in rows}
    here = all(row["project_id"] == project_id for row in rows)  # not so for a task just moved
    if here and sorted(linked) == sorted(set(names)):
        return False
    wanted = tags_locked_for_linking(project_id, names)
    unwanted = [tag_id for tag_id in linked.values() if tag_id not in wanted]
    if unwanted:
        _LINKS.delete(task_id=task_id, tag_ids=unwanted)
    added = [tag_id for tag_id in wanted if tag_id not in linked.values()]
    _LINK_INSERT.run([{"task_id": task_id, "tag_id": tag_id} for tag_id in added])
    return True


def tags_locked_for_linking(project_id, names: list[str]) -> list[int]:
    """The ids of the project's tags called ``names``, created if new, held until commit.

    Sorted names make concurrent writers insert shared new tags in one order
    (each waits on the other's uncommitted insert of the same name). The
    share lock lets any number of writers link a tag at once, but makes a
    delete of it wait until the links are committed, so it takes them away too.
    """
    if not names:
        return []
    names = sorted(set(names))
    # Conflicts skipped: concurrent creation of the same tag is safe.
    _TAG_INSERT.run([{"project_id": project_id, "name": name} for name in names])
    lock = share_lock_clause(Tag._meta.db_table)
    ids = [row["id"] for row in _TAGS_NAMED.rows("sorted", lock=lock, project_id=project_id, names=names)]
    if len(ids) != len(names):
        raise RetryableConflict("a tag was deleted while a task was being tagged with it")
    return ids


_LINKED = CompiledQuery(
    lambda _context, task_id: Link.objects.filter(task_id=task_id).values(
        "tag_id", name=F("tag__name"), project_id=F("tag__project")
    ),
    task_id=UUID,
)
_TAGS_NAMED = CompiledQuery(
    lambda _context, project_id, names: (
        Tag.objects.filter(project_id=project_id, name__in_array=names).order_by("id").values("id")
    ),
    project_id=UUID,
    names=TEXT_LIST,
)
_LINKS = CompiledWrite(
    lambda: Link.objects.filter(
        task_id=Param("task_id", Link._meta.get_field("task")),
        tag_id__in_array=Param("tag_ids", Link._meta.get_field("tag"), many=True),
    )
)
_LINK_INSERT = CompiledInsert(Link, "task_id", "tag_id")
_TAG_INSERT = CompiledInsert(Tag, "project_id", "name")
