"""The statements the API sends for the benchmark's requests, for both floors to send too.

Copied from what the API emits (bench/queries.py prints them:
`CaptureQueriesContext` against the benchmark database), with each value
it passes as a parameter replaced by %s; bench/sql_check.py fails the run
before each dataset when a floor's statements drift. Both floors send them
through a client-side-binding cursor, as Django's psycopg backend does, so
PostgreSQL receives the same text from the floors as from the API and plans
it the same way. What the floors leave out is the token lookup: they have
no authentication, the user is fixed.

Every function takes a DB-API cursor (psycopg's or Django's wrapper of it)
and answers plain dicts that `orjson.dumps` turns into the API's bytes.
"""

import uuid
from datetime import UTC, datetime

from bench.api_rows import detail_row, stats_answer, task_answer

SEE = ("viewer", "editor", "owner")
EDIT = ("editor", "owner")

VISIBLE = (
    'SELECT U0."project_id" AS "project_id" FROM "projects_membership" U0 '
    'WHERE (U0."user_id" = %s AND U0."role" IN (%s, %s, %s))'
)
MEMBER_PROJECTS = (
    'SELECT "projects_membership"."project_id" AS "project_id" FROM "projects_membership" '
    'WHERE "projects_membership"."user_id" = %s'
)


def aliased(names) -> str:
    """The task's columns as a values() query selects them."""
    return ", ".join(f'"tasks_task"."{name}" AS "{name}"' for name in names)


ROW_FIELDS = aliased((
    "id", "project_id", "title", "description", "priority", "completed", "completed_at", "due_date",
    "due_at", "recurrence", "recur_from", "parent_id", "position", "created_at", "updated_at", "version",
))  # fmt: skip
SUBTASK_COUNTS = (
    'COALESCE((SELECT COUNT(*) AS "n" FROM "tasks_task" U0 WHERE U0."parent_id" = ("tasks_task"."id") '
    'GROUP BY U0."parent_id"), 0) AS "subtask_count", '
    'COALESCE((SELECT COUNT(*) AS "n" FROM "tasks_task" U0 WHERE (U0."completed" AND '
    'U0."parent_id" = ("tasks_task"."id")) GROUP BY U0."parent_id"), 0) AS "subtask_done_count"'
)


def user_joins(alias: str) -> str:
    return (
        'LEFT OUTER JOIN "auth_user" ON ("tasks_task"."assignee_id" = "auth_user"."id") '
        f'LEFT OUTER JOIN "auth_user" {alias} ON ("tasks_task"."created_by_id" = {alias}."id")'
    )


def row_columns(alias: str) -> str:
    """A row's columns, the creator's name read through ``alias`` (user_joins)."""
    return (
        f'{ROW_FIELDS}, "auth_user"."username" AS "assignee_username", {alias}."username" AS '
        f'"created_by_username", {SUBTASK_COUNTS}'
    )


def counted(sql: str) -> str:
    """How domain/compiled.py counts a compiled read's rows."""
    return f"SELECT COUNT(*) FROM ({sql}) AS counted"


DETAIL = (
    f'SELECT {row_columns("T4")}, "tasks_tag"."name" AS "tag_name" FROM "tasks_task" {user_joins("T4")} '
    'LEFT OUTER JOIN "tasks_task_tags" ON ("tasks_task"."id" = "tasks_task_tags"."task_id") '
    'LEFT OUTER JOIN "tasks_tag" ON ("tasks_task_tags"."tag_id" = "tasks_tag"."id") '
    f'WHERE ("tasks_task"."project_id" IN ({VISIBLE}) AND "tasks_task"."id" = %s)'
)
# One project is an equality (its index walks in the list's order); several, one array parameter.
LIST_WHERE = 'WHERE ("tasks_task"."project_id" {match} AND "tasks_task"."parent_id" IS NULL)'
ONE_PROJECT, SEVERAL_PROJECTS = "= %s", "= ANY(%s)"
COUNT = counted(f'SELECT "tasks_task"."id" AS "pk" FROM "tasks_task" {LIST_WHERE}')
# The list's query names the creator's join T5, the detail's T4: Django numbers aliases per query.
PAGE = (
    f'SELECT {row_columns("T5")} FROM "tasks_task" {user_joins("T5")} {LIST_WHERE} '
    'ORDER BY 6 ASC, "tasks_task"."priority_rank" DESC, 14 DESC LIMIT %s OFFSET %s'
)
PAGE_TAGS = (
    'SELECT "tasks_task_tags"."task_id" AS "task_id", "tasks_tag"."name" AS "name" '
    'FROM "tasks_task_tags" INNER JOIN "tasks_tag" ON ("tasks_task_tags"."tag_id" = "tasks_tag"."id") '
    'WHERE "tasks_task_tags"."task_id" = ANY(%s)'
)
STATS = (
    'SELECT "tasks_task"."completed" AS "completed", "tasks_task"."priority" AS "priority", '
    'COUNT("tasks_task"."project_id") AS "n", COUNT("tasks_task"."project_id") FILTER (WHERE '
    '(NOT "tasks_task"."completed" AND ("tasks_task"."due_date" < %s OR "tasks_task"."due_at" < %s))) '
    f'AS "n_overdue" FROM "tasks_task" WHERE "tasks_task"."project_id" IN ({VISIBLE}) GROUP BY 1, 2'
)
COMPLETED_OCCURRENCES = counted(
    'SELECT "tasks_taskcompletion"."id" AS "pk" FROM "tasks_taskcompletion" WHERE '
    '"tasks_taskcompletion"."task_id" IN (SELECT V0."id" AS "id" FROM "tasks_task" V0 WHERE '
    f'V0."project_id" IN ({VISIBLE}))'
)


def placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def task_detail(cursor, owner_id: int, task_id: uuid.UUID) -> dict | None:
    cursor.execute(DETAIL, (owner_id, *SEE, task_id))
    rows = cursor.fetchall()
    return task_answer(detail_row(rows), now()) if rows else None


def task_page(cursor, owner_id: int, limit: int, offset: int) -> tuple[int, list[dict]]:
    """The list's count and one page of it, as the API reads them (four statements)."""
    cursor.execute(MEMBER_PROJECTS, (owner_id,))
    project_ids = [row[0] for row in cursor.fetchall()]
    if len(project_ids) == 1:
        match, projects = ONE_PROJECT, project_ids[0]
    else:
        match, projects = SEVERAL_PROJECTS, project_ids
    cursor.execute(COUNT.format(match=match), (projects,))
    (count,) = cursor.fetchone()
    rows = []
    # DRF's LimitOffsetPagination reads no page past the end.
    if count and offset <= count:
        cursor.execute(PAGE.format(match=match), (projects, limit, offset))
        rows = cursor.fetchall()
    names: dict = {}
    if rows:
        cursor.execute(PAGE_TAGS, ([row[0] for row in rows],))
        for task_id, name in cursor.fetchall():
            names.setdefault(task_id, []).append(name)
    moment = now()
    return count, [task_answer((*row, sorted(names.get(row[0], ()))), moment) for row in rows]


def task_stats(cursor, owner_id: int) -> dict:
    moment = now()
    cursor.execute(STATS, (moment.date(), moment, owner_id, *SEE))
    groups = cursor.fetchall()
    cursor.execute(COMPLETED_OCCURRENCES, (owner_id, *SEE))
    (occurrences,) = cursor.fetchone()
    return stats_answer(groups, occurrences)


def now() -> datetime:
    # The bench user has chosen no time zone, so the API judges "today" in UTC too.
    return datetime.now(UTC)
