"""The API's write transactions, statement for statement, for both floors (see bench/api_sql.py).

Each function runs between the caller's BEGIN and COMMIT, so the raw floor
and the Django floor send the same statements the API's services do (tasks/services.py:
task_update, task_create, task_bulk_apply) for the benchmark's bodies. Only
what those bodies exercise is modelled: title, priority and tags; complete
and reopen.
"""

import uuid

from bench.api_sql import EDIT, SEE, VISIBLE, aliased, now, placeholders, task_detail

TASK_FIELDS = (
    "id", "project_id", "assignee_id", "created_by_id", "title", "description", "priority",
    "priority_rank", "completed", "completed_at", "due_date", "due_at", "recurrence", "recur_from",
    "parent_id", "position", "created_at", "updated_at", "version",
)  # fmt: skip
WRITTEN = (
    "project_id", "assignee_id", "created_by_id", "title", "description", "priority", "completed",
    "completed_at", "due_date", "due_at", "recurrence", "recur_from", "parent_id", "position",
    "created_at", "updated_at",
)  # fmt: skip
DEFAULT_ORDER = (
    'ORDER BY "tasks_task"."completed" ASC, "tasks_task"."priority_rank" DESC, "tasks_task"."created_at" DESC'
)
SEEN = (
    'SELECT "tasks_task"."project_id" AS "project_id", "tasks_task"."assignee_id" AS "assignee_id", '
    '"tasks_task"."parent_id" AS "parent_id" FROM "tasks_task" WHERE ("tasks_task"."id" = %s AND '
    f'"tasks_task"."project_id" IN ({VISIBLE})) {DEFAULT_ORDER}'
)
MEMBERSHIP = (
    'SELECT "projects_membership"."role" AS "role", "projects_project"."archived" AS "archived", '
    '"projects_project"."inbox_of_id" AS "inbox_of" FROM "projects_membership" INNER JOIN '
    '"projects_project" ON ("projects_membership"."project_id" = "projects_project"."id") WHERE '
    '("projects_membership"."user_id" = %s AND "projects_membership"."project_id" = %s) '
    'FOR SHARE OF "projects_membership", "projects_project"'
)
# Ordered by position in the select list: the task's columns in the table's order, as values() names them.
LOCK = (
    f'SELECT {aliased(TASK_FIELDS)} FROM "tasks_task" WHERE "tasks_task"."id" = %s '
    'ORDER BY 9 ASC, 8 DESC, 17 DESC FOR UPDATE OF "tasks_task"'
)
UPDATE = (
    'UPDATE "tasks_task" SET '
    + ", ".join(f'"{name}" = %s' for name in WRITTEN)
    + ', "version" = ("tasks_task"."version" + 1) WHERE "tasks_task"."id" = (%s)'
)
INBOX = (
    'SELECT "projects_project"."id" AS "id" FROM "projects_project" '
    'WHERE "projects_project"."inbox_of_id" = %s'
)
INSERT = (
    'INSERT INTO "tasks_task" ("id", '
    + ", ".join(f'"{name}"' for name in WRITTEN)
    + f', "version") VALUES ({placeholders(len(WRITTEN) + 2)}) RETURNING "tasks_task"."priority_rank", '
    '"tasks_task"."recurrence", "tasks_task"."recur_from", "tasks_task"."position"'
)
TAGS_UPSERT = (
    'INSERT INTO "tasks_tag" ("project_id", "name") SELECT * FROM UNNEST((%s)::uuid[], (%s)::varchar[]) '
    "ON CONFLICT DO NOTHING"
)
TAG_IDS = (
    'SELECT "tasks_tag"."id" AS "id" FROM "tasks_tag" WHERE ("tasks_tag"."name" = ANY(%s) AND '
    '"tasks_tag"."project_id" = %s) ORDER BY 1 ASC FOR SHARE OF "tasks_tag"'
)
LINKED = (
    'SELECT "tasks_task_tags"."tag_id" AS "tag_id", "tasks_tag"."name" AS "name", "tasks_tag"."project_id" '
    'AS "project_id" FROM "tasks_task_tags" INNER JOIN "tasks_tag" ON ("tasks_task_tags"."tag_id" = '
    '"tasks_tag"."id") WHERE "tasks_task_tags"."task_id" = %s'
)
UNLINK = (
    'DELETE FROM "tasks_task_tags" WHERE ("tasks_task_tags"."task_id" = (%s) AND '
    '"tasks_task_tags"."tag_id" = ANY((%s)))'
)
LINK = (
    'INSERT INTO "tasks_task_tags" ("task_id", "tag_id") SELECT * FROM UNNEST((%s)::uuid[], (%s)::bigint[]) '
    "ON CONFLICT DO NOTHING"
)
EDITABLE = (
    'SELECT "projects_membership"."project_id" AS "project_id" FROM "projects_membership" INNER JOIN '
    '"projects_project" ON ("projects_membership"."project_id" = "projects_project"."id") WHERE '
    '("projects_membership"."user_id" = %s AND NOT "projects_project"."archived" AND '
    '"projects_membership"."role" IN (%s, %s)) ORDER BY 1 ASC '
    'FOR SHARE OF "projects_membership", "projects_project"'
)
LOCK_MANY = (
    'SELECT "tasks_task"."id" AS "id", "tasks_task"."recurrence" AS "recurrence" FROM "tasks_task" '
    'WHERE ({state} AND "tasks_task"."id" = ANY(%s) AND '
    '"tasks_task"."project_id" = ANY(%s)) ORDER BY 1 ASC FOR UPDATE OF "tasks_task"'
)
UPDATE_MANY = (
    'UPDATE "tasks_task" SET "completed" = %s, "completed_at" = %s, "updated_at" = %s, '
    '"version" = ("tasks_task"."version" + 1) WHERE "tasks_task"."id" = ANY((%s))'
)


class NotFound(Exception):
    """The task is not one the user may change: the API answers 404."""


def task_patch(cursor, owner_id: int, task_id: uuid.UUID, body: dict) -> dict:
    cursor.execute(SEEN, (task_id, owner_id, *SEE))
    seen = cursor.fetchone()
    if seen is None:
        raise NotFound
    project_id = seen[0]
    _check_editor(cursor, owner_id, project_id)
    cursor.execute(LOCK, (task_id,))
    row = cursor.fetchone()
    if row is None:
        raise NotFound
    current = dict(zip(TASK_FIELDS, row, strict=True))
    current.update(title=body["title"], priority=body.get("priority", current["priority"]), updated_at=now())
    cursor.execute(UPDATE, (*(current[name] for name in WRITTEN), task_id))
    if "tags" in body:
        _tags_set(cursor, task_id, project_id, body["tags"])
    return task_detail(cursor, owner_id, task_id)


def task_create(cursor, owner_id: int, body: dict) -> dict:
    cursor.execute(INBOX, (owner_id,))
    (project_id,) = cursor.fetchone()
    _check_editor(cursor, owner_id, project_id)
    task_id, moment = uuid.uuid4(), now()
    values = {
        **dict.fromkeys(WRITTEN),
        "project_id": project_id,
        "created_by_id": owner_id,
        "title": body["title"],
        "description": "",
        "priority": body.get("priority", "medium"),
        "completed": False,
        "recurrence": "",
        "recur_from": "due",
        "position": 0,
        "created_at": moment,
        "updated_at": moment,
    }
    cursor.execute(INSERT, (task_id, *(values[name] for name in WRITTEN), 1))
    cursor.fetchone()
    if body.get("tags"):
        _tags_set(cursor, task_id, project_id, body["tags"], new=True)
    return task_detail(cursor, owner_id, task_id)


def tasks_bulk(cursor, owner_id: int, body: dict) -> dict:
    """Complete or reopen the tasks among ``ids`` the user may change (not repeating ones)."""
    action = body["action"]
    completing = action == "complete"
    if action not in ("complete", "reopen"):
        raise NotFound
    cursor.execute(EDITABLE, (owner_id, *EDIT))
    projects = [row[0] for row in cursor.fetchall()]
    ids = [uuid.UUID(task_id) for task_id in body["ids"]]
    locked = []
    if projects and ids:
        state = 'NOT "tasks_task"."completed"' if completing else '"tasks_task"."completed"'
        cursor.execute(LOCK_MANY.format(state=state), (ids, projects))
        rows = cursor.fetchall()
        locked = [row[0] for row in rows]
        if completing and any(row[1] for row in rows):
            raise NotImplementedError("the floors do not move repeating tasks to their next occurrence")
    if not locked:
        return {"action": action, "affected": 0}
    moment = now()
    cursor.execute(UPDATE_MANY, (completing, moment if completing else None, moment, locked))
    return {"action": action, "affected": cursor.rowcount}


def _check_editor(cursor, owner_id: int, project_id) -> None:
    cursor.execute(MEMBERSHIP, (owner_id, project_id))
    membership = cursor.fetchone()
    if membership is None or membership[0] not in EDIT or membership[1]:
        raise NotFound


def _tags_set(cursor, task_id, project_id, tags: list, *, new: bool = False) -> None:
    names = [str(tag).strip().lower() for tag in tags]
    rows = []
    if not new:
        cursor.execute(LINKED, (task_id,))
        rows = cursor.fetchall()
    linked = {name: tag_id for tag_id, name, _project in rows}
    if all(row[2] == project_id for row in rows) and sorted(linked) == sorted(set(names)):
        return
    wanted = []
    if names:
        names = sorted(set(names))
        cursor.execute(TAGS_UPSERT, ([project_id] * len(names), names))
        cursor.execute(TAG_IDS, (names, project_id))
        wanted = [row[0] for row in cursor.fetchall()]
    unwanted = [tag_id for tag_id in linked.values() if tag_id not in wanted]
    if unwanted:
        cursor.execute(UNLINK, (task_id, unwanted))
    added = [tag_id for tag_id in wanted if tag_id not in linked.values()]
    if added:
        cursor.execute(LINK, ([task_id] * len(added), added))
