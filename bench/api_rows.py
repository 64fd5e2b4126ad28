"""The API's answers built from the floors' rows: the same fields, values and order.

Mirrors taskmanager.api.serializers.TaskOutputSerializer and
tasks.selectors.task_stats by hand; bench/floor_check.py compares the floors'
bodies with the API's byte for byte, so a field added to the API and not here
stops the benchmark instead of flattering the floors.
"""

from datetime import datetime

PRIORITIES = ("high", "medium", "low")
TAG_COLUMN = 20


def iso_time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def detail_row(rows: list) -> tuple:
    """The detail's rows (one per tag, as its LEFT JOIN gives them) as one row with its sorted tags."""
    tags = sorted(row[TAG_COLUMN] for row in rows if row[TAG_COLUMN] is not None)
    return (*rows[0][:TAG_COLUMN], tags)


def task_answer(row: tuple, now: datetime) -> dict:
    (
        task_id, project_id, title, description, priority, completed, completed_at, due_date, due_at,
        recurrence, recur_from, parent_id, position, created_at, updated_at, version, assignee, creator,
        subtasks, subtasks_done, tags,
    ) = row  # fmt: skip
    today = now.date()
    if completed:
        overdue = False
    elif due_at is not None:
        overdue = due_at < now
    else:
        overdue = due_date is not None and due_date < today
    due_today = due_at.date() == today if due_at is not None else due_date == today
    return {
        "id": str(task_id),
        "project": str(project_id),
        "title": title,
        "description": description,
        "priority": priority,
        "completed": completed,
        "completed_at": iso_time(completed_at),
        "due_date": due_date.isoformat() if due_date else None,
        "due_at": iso_time(due_at),
        "overdue": overdue,
        "due_today": due_today,
        "recurrence": recurrence,
        "recurrence_text": _recurrence_text(recurrence, recur_from),
        "recur_from": recur_from,
        "parent": str(parent_id) if parent_id else None,
        "position": position,
        "subtask_count": subtasks,
        "subtask_done_count": subtasks_done,
        "tags": tags,
        "assignee": assignee,
        "created_by": creator,
        "created_at": iso_time(created_at),
        "updated_at": iso_time(updated_at),
        "version": version,
    }


def _recurrence_text(recurrence: str, recur_from: str) -> str:
    if not recurrence:
        return ""
    # The rule's wording is the domain's; the seeded tasks do not repeat, so this is rarely reached.
    from taskmanager.tasks.recurrence import recurrence_text

    return recurrence_text(recurrence, recur_from)


def etag(task: dict) -> str:
    return f'"{task["id"].replace("-", "")}-{task["version"]}"'


def stats_answer(groups: list, occurrences: int) -> dict:
    total = completed = overdue = 0
    by_priority = dict.fromkeys(PRIORITIES, 0)
    for is_completed, priority, count, count_overdue in groups:
        total += count
        overdue += count_overdue
        completed += count if is_completed else 0
        by_priority[priority] += count
    return {
        "total": total,
        "completed": completed,
        "open": total - completed,
        "overdue": overdue,
        "by_priority": by_priority,
        "completed_occurrences": occurrences,
    }


def page_answer(host: str, path: str, count: int, limit: int, offset: int, results: list) -> dict:
    """DRF's limit/offset envelope; its links put the query's names in sorted order."""

    def link(at: int) -> str:
        base = f"http://{host}{path}?limit={limit}"
        return base if at <= 0 else f"{base}&offset={at}"

    return {
        "count": count,
        "next": link(offset + limit) if offset + limit < count else None,
        "previous": link(offset - limit) if offset > 0 else None,
        "results": results,
    }


def not_found() -> dict:
    return {"error": {"status": 404, "code": "not_found", "message": "Not found."}}
