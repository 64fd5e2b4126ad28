"""List filters, orderings and pagination of GET /api/v1/tasks/."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils import timezone as _timezone

from taskmanager.tasks.models import Task
from tests.api.helpers import TASKS_URL, assert_error
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def titles(client, query="") -> list[str]:
    response = client.get(f"{TASKS_URL}?{query}")
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["results"]]


def stamp(task, **moments):
    """Set created_at/updated_at exactly (auto_now would otherwise pick them)."""
    Task.objects.filter(id=task.id).update(**moments)


class TestFilters:
    def test_completed(self, api_client, user):
        TaskFactory(owner=user, title="done", completed=True)
        TaskFactory(owner=user, title="open")

        assert titles(api_client, "completed=true") == ["done"]
        assert titles(api_client, "completed=false") == ["open"]

    def test_priority_single_and_comma_list(self, api_client, user):
        for priority in ("low", "medium", "high"):
            TaskFactory(owner=user, title=priority, priority=priority)

        assert titles(api_client, "priority=high") == ["high"]
        assert sorted(titles(api_client, "priority=high,low")) == ["high", "low"]
        assert sorted(titles(api_client, "priority=low,medium,high")) == ["high", "low", "medium"]

    def test_tag_is_case_insensitive_and_exact(self, api_client, user):
        TaskFactory(owner=user, title="tagged", tags=["work", "home"])
        TaskFactory(owner=user, title="workshop", tags=["workshop"])
        TaskFactory(owner=user, title="untagged")

        assert titles(api_client, "tag=work") == ["tagged"]
        assert titles(api_client, "tag=WORK") == ["tagged"]
        assert titles(api_client, "tag=none") == []

    def test_tasks_with_several_tags_are_listed_once(self, api_client, user):
        TaskFactory(owner=user, title="many", tags=["a", "b", "c"])

        response = api_client.get(f"{TASKS_URL}?search=many")

        assert response.json()["count"] == 1

    def test_due_before_and_after_are_exclusive(self, api_client, user):
        for day in (1, 2, 3):
            TaskFactory(owner=user, title=f"day{day}", due_date=f"2030-01-0{day}")
        TaskFactory(owner=user, title="undated")

        assert titles(api_client, "due_before=2030-01-02") == ["day1"]
        assert titles(api_client, "due_after=2030-01-02") == ["day3"]
        assert titles(api_client, "due_after=2030-01-01&due_before=2030-01-03") == ["day2"]

    def test_overdue(self, api_client, user):
        today = _timezone.now().date()
        TaskFactory(owner=user, title="late", due_date=today - timedelta(days=1))
        TaskFactory(owner=user, title="late but done", due_date=today - timedelta(days=1), completed=True)
        TaskFactory(owner=user, title="due today", due_date=today)
        TaskFactory(owner=user, title="undated")

        assert titles(api_client, "overdue=true") == ["late"]
        assert sorted(titles(api_client, "overdue=false")) == ["due today", "late but done", "undated"]

    def test_search_matches_title_and_description_ignoring_case(self, api_client, user):
        TaskFactory(owner=user, title="Buy MILK")
        TaskFactory(owner=user, title="Errands", description="remember the milk")
        TaskFactory(owner=user, title="Other", description="bread")

        assert sorted(titles(api_client, "search=milk")) == ["Buy MILK", "Errands"]
        assert titles(api_client, "search=BREAD") == ["Other"]
        assert len(titles(api_client, "search=")) == 3

    def test_search_treats_like_wildcards_literally(self, api_client, user):
        TaskFactory(owner=user, title="100% done")
        TaskFactory(owner=user, title="1000 done")

        assert titles(api_client, "search=100%25") == ["100% done"]
        assert titles(api_client, "search=_") == []

    def test_filters_combine(self, api_client, user):
        TaskFactory(owner=user, title="match", priority="high", tags=["work"])
        TaskFactory(owner=user, title="wrong priority", priority="low", tags=["work"])
        TaskFactory(owner=user, title="wrong tag", priority="high", tags=["home"])
        TaskFactory(owner=user, title="done", priority="high", tags=["work"], completed=True)

        assert titles(api_client, "priority=high&tag=work&completed=false") == ["match"]

    def test_project(self, api_client, user, other_user):
        project = ProjectFactory(members={user: "viewer", other_user: "owner"})
        TaskFactory(owner=user, title="inbox")
        TaskFactory(project=project, title="shared")
        foreign = ProjectFactory(members={other_user: "owner"})
        TaskFactory(project=foreign, title="foreign")

        assert titles(api_client, f"project={project.id}") == ["shared"]
        assert titles(api_client, f"project={user.inbox.id}") == ["inbox"]
        # A project the caller is no member of has no tasks for them, as if it did not exist.
        assert titles(api_client, f"project={foreign.id}") == []

    def test_assignee_me_none_or_a_username(self, api_client, user, other_user):
        project = ProjectFactory(members={user: "editor", other_user: "editor"})
        TaskFactory(project=project, title="mine", assignee=user)
        TaskFactory(project=project, title="bobs", assignee=other_user)
        TaskFactory(project=project, title="nobodys")

        assert titles(api_client, "assignee=me") == ["mine"]
        assert titles(api_client, "assignee=none") == ["nobodys"]
        assert titles(api_client, "assignee=BOB") == ["bobs"]
        assert titles(api_client, "assignee=nobody-by-that-name") == []

    def test_filters_apply_across_every_project_of_the_caller(self, api_client, user):
        TaskFactory(owner=user, title="inbox work", tags=["work"])
        TaskFactory(project=ProjectFactory(members={user: "viewer"}), title="shared work", tags=["work"])
        TaskFactory(project=ProjectFactory(members={UserFactory(): "owner"}), title="other", tags=["work"])

        assert sorted(titles(api_client, "tag=work")) == ["inbox work", "shared work"]

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("completed=maybe", "completed"),
            ("project=not-a-uuid", "project"),
            ("project=", "project"),
            ("project=0123456789abcdef0123456789abcdef", "project"),
            ("project=%7B01234567-89ab-cdef-0123-456789abcdef%7D", "project"),
            ("assignee=a%00b", "assignee"),
            ("priority=urgent", "priority"),
            ("priority=high,urgent", "priority"),
            ("due_before=yesterday", "due_before"),
            ("due_after=2030-02-30", "due_after"),
            ("overdue=sometimes", "overdue"),
            ("search=" + "x" * 201, "search"),
            ("ordering=colour", "ordering"),
            ("ordering=-owner", "ordering"),
            ("ordering=title,nope", "ordering"),
            ("search=a%00b", "search"),
            ("tag=a%00b", "tag"),
            ("completed=True", "completed"),
            ("completed=%20true", "completed"),
            ("overdue=1", "overdue"),
            ("ordering=title,%20-due_date", "ordering"),
            ("ordering=--title", "ordering"),
            ("ordering=,title", "ordering"),
            ("ordering=title,", "ordering"),
            ("priority=", "priority"),
            ("priority=high,", "priority"),
            ("completed=", "completed"),
            ("overdue=", "overdue"),
            ("due_before=", "due_before"),
            ("due_after=10/25/2030", "due_after"),
        ],
    )
    def test_invalid_filter_values_are_400_naming_the_parameter(self, api_client, query, field):
        assert_error(api_client.get(f"{TASKS_URL}?{query}"), 400, fields=[field])


class TestOrdering:
    @pytest.fixture
    def tasks(self, user):
        now = timezone.now()
        specs = [
            # title, priority, due, created (days ago), updated (days ago)
            ("banana", "low", "2030-01-03", 3, 1),
            ("apple", "high", None, 1, 3),
            ("cherry", "medium", "2030-01-01", 2, 2),
        ]
        for title, priority, due, created, updated in specs:
            task = TaskFactory(owner=user, title=title, priority=priority, due_date=due)
            stamp(task, created_at=now - timedelta(days=created), updated_at=now - timedelta(days=updated))

    @pytest.mark.parametrize(
        ("ordering", "expected"),
        [
            ("created_at", ["banana", "cherry", "apple"]),
            ("-created_at", ["apple", "cherry", "banana"]),
            ("updated_at", ["apple", "cherry", "banana"]),
            ("-updated_at", ["banana", "cherry", "apple"]),
            ("title", ["apple", "banana", "cherry"]),
            ("-title", ["cherry", "banana", "apple"]),
            # Ranked, not alphabetical (alphabetical would be high, low, medium).
            ("priority", ["banana", "cherry", "apple"]),
            ("-priority", ["apple", "cherry", "banana"]),
            # Undated tasks go last either way.
            ("due_date", ["cherry", "banana", "apple"]),
            ("-due_date", ["banana", "cherry", "apple"]),
        ],
    )
    def test_each_ordering_both_ways(self, api_client, tasks, ordering, expected):
        assert titles(api_client, f"ordering={ordering}") == expected

    def test_several_orderings_apply_in_turn(self, api_client, user):
        TaskFactory(owner=user, title="b", priority="high")
        TaskFactory(owner=user, title="a", priority="low")
        TaskFactory(owner=user, title="c", priority="low")

        assert titles(api_client, "ordering=priority,-title") == ["c", "a", "b"]

    def test_default_order_is_open_first_then_priority_then_newest(self, api_client, user):
        now = timezone.now()
        specs = [
            ("done high new", "high", True, 0),
            ("open low new", "low", False, 0),
            ("open high old", "high", False, 5),
            ("open high new", "high", False, 1),
            ("open medium", "medium", False, 3),
            ("done low old", "low", True, 9),
        ]
        for title, priority, completed, age in specs:
            task = TaskFactory(owner=user, title=title, priority=priority, completed=completed)
            stamp(task, created_at=now - timedelta(days=age))

        assert titles(api_client) == [
            "open high new",
            "open high old",
            "open medium",
            "open low new",
            "done high new",
            "done low old",
        ]


class TestPagination:
    @pytest.fixture
    def many(self, user):
        """205 tasks, newest first in list order; returns their ids in that order."""
        tasks = Task.objects.bulk_create(
            Task(project=user.inbox, created_by=user, title=f"Task {n}") for n in range(205)
        )
        now = timezone.now()
        # Distinct creation times make the default (newest-first) order exact.
        for index, task in enumerate(tasks):
            task.created_at = now - timedelta(seconds=index)
        Task.objects.bulk_update(tasks, ["created_at"])
        return [str(task.id) for task in tasks]

    def test_default_page_is_50_with_links_and_count(self, api_client, many):
        body = api_client.get(TASKS_URL).json()

        assert body["count"] == 205
        assert [item["id"] for item in body["results"]] == many[:50]
        assert body["previous"] is None
        assert "limit=50" in body["next"]
        assert "offset=50" in body["next"]

    def test_limit_is_clamped_to_200(self, api_client, many):
        body = api_client.get(f"{TASKS_URL}?limit=1000").json()

        assert len(body["results"]) == 200
        assert "offset=200" in body["next"]

    def test_offset_walks_the_whole_list_without_gaps_or_repeats(self, api_client, many):
        seen, url = [], f"{TASKS_URL}?limit=60"
        while url:
            body = api_client.get(url).json()
            seen.extend(item["id"] for item in body["results"])
            url = body["next"]

        assert seen == many

    def test_previous_link_of_a_later_page(self, api_client, many):
        body = api_client.get(f"{TASKS_URL}?limit=10&offset=30").json()

        assert [item["id"] for item in body["results"]] == many[30:40]
        assert "offset=20" in body["previous"]
        assert "offset=40" in body["next"]

    def test_last_page_has_no_next(self, api_client, many):
        body = api_client.get(f"{TASKS_URL}?limit=10&offset=200").json()

        assert len(body["results"]) == 5
        assert body["next"] is None

    @pytest.mark.parametrize(
        "query",
        [
            "limit=abc",
            "limit=-5",
            "limit=0",
            "limit=",
            "limit=1.5",
            "limit=%D9%A1%D9%A2",  # Arabic-Indic digits, which int() would read
            "limit=+5",
            "offset=-3",
            "offset=x",
            "offset=",
            "offset=" + "9" * 5000,
        ],
    )
    def test_unusable_limit_or_offset_is_400_naming_it(self, api_client, many, query):
        name = query.split("=")[0]

        assert_error(api_client.get(f"{TASKS_URL}?{query}"), 400, fields=[name])

    def test_offset_past_the_end_is_an_empty_page(self, api_client, many):
        body = api_client.get(f"{TASKS_URL}?offset=999999999999999999999").json()

        assert (body["count"], body["results"], body["next"]) == (205, [], None)

    def test_links_keep_the_filters(self, api_client, many):
        body = api_client.get(f"{TASKS_URL}?limit=10&completed=false&ordering=title").json()

        assert "completed=false" in body["next"]
        assert "ordering=title" in body["next"]


@pytest.mark.parametrize("param", ["search", "tag", "assignee"])
def test_a_nul_character_in_a_text_filter_is_a_400_naming_it(api_client, param):
    # What the UI passes on from its own URL (?q=a%00b); PostgreSQL cannot take NUL in text.
    response = api_client.get(TASKS_URL, {param: "a\x00b"})
    error = assert_error(response, 400)
    assert param in error["fields"]
