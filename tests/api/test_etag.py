"""Conditional requests: ETag on reads, If-None-Match -> 304, stale If-Match -> 412."""

import pytest

from taskmanager.api import etags
from taskmanager.tasks.models import Task
from tests.api.helpers import assert_error, task_url
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(user):
    return TaskFactory(owner=user, title="Original", priority="low")


def current_etag(client, task) -> str:
    return client.get(task_url(task))["ETag"]


def make_stale(client, task) -> str:
    """Return an ETag that was current until someone else changed the task."""
    stale = current_etag(client, task)
    assert (
        client.patch(task_url(task), {"description": "changed elsewhere"}, format="json").status_code == 200
    )
    return stale


class TestEntityTags:
    def test_an_etag_names_the_id_and_version(self, task):
        assert etags.etag(task.id, task.version) == f'"{task.id.hex}-1"'

    def test_the_version_is_read_back_only_from_this_objects_etag(self, task, user):
        other = TaskFactory(owner=user)

        assert etags.version_from_etag(task.id, etags.etag(task.id, 7)) == 7
        assert etags.version_from_etag(task.id, etags.etag(other.id, 7)) is None
        for tag in (f'W/"{task.id.hex}-7"', f'"{task.id.hex}-"', f'"{task.id.hex}-x"'):
            assert etags.version_from_etag(task.id, tag) is None, tag


class TestReads:
    def test_detail_has_a_quoted_etag_that_changes_with_the_version(self, api_client, task):
        first = current_etag(api_client, task)
        api_client.patch(task_url(task), {"title": "New"}, format="json")
        second = current_etag(api_client, task)

        assert first.startswith('"')
        assert first.endswith('"')
        assert first != second

    def test_if_none_match_current_is_304_with_no_body(self, api_client, task):
        etag = current_etag(api_client, task)

        response = api_client.get(task_url(task), HTTP_IF_NONE_MATCH=etag)

        assert response.status_code == 304
        assert response.content == b""
        assert response["ETag"] == etag

    def test_if_none_match_accepts_a_list_and_weak_form(self, api_client, task):
        etag = current_etag(api_client, task)

        response = api_client.get(task_url(task), HTTP_IF_NONE_MATCH=f'"other", W/{etag}')

        assert response.status_code == 304

    def test_if_none_match_star_is_304_for_an_existing_task(self, api_client, task):
        response = api_client.get(task_url(task), HTTP_IF_NONE_MATCH="*")

        assert response.status_code == 304
        assert response["ETag"] == current_etag(api_client, task)

    def test_if_none_match_stale_is_a_full_200(self, api_client, task):
        stale = make_stale(api_client, task)

        response = api_client.get(task_url(task), HTTP_IF_NONE_MATCH=stale)

        assert response.status_code == 200
        assert response.json()["description"] == "changed elsewhere"
        assert response["ETag"] != stale

    def test_etag_responses_vary_on_authorization(self, api_client, task):
        full = api_client.get(task_url(task))
        not_modified = api_client.get(task_url(task), HTTP_IF_NONE_MATCH=full["ETag"])

        assert not_modified.status_code == 304
        assert "Authorization" in full["Vary"]
        assert "Authorization" in not_modified["Vary"]

    def test_if_none_match_of_another_users_task_is_still_404(self, other_client, api_client, task):
        etag = current_etag(api_client, task)

        assert_error(other_client.get(task_url(task), HTTP_IF_NONE_MATCH=etag), 404)


class TestConditionalWrites:
    @pytest.mark.parametrize(
        ("method", "body"),
        [("put", {"title": "Replaced"}), ("patch", {"title": "Patched"}), ("delete", None)],
    )
    def test_stale_if_match_is_412_with_current_etag_and_changes_nothing(
        self, api_client, task, method, body
    ):
        stale = make_stale(api_client, task)
        before = Task.objects.get(id=task.id)

        response = getattr(api_client, method)(task_url(task), body, format="json", HTTP_IF_MATCH=stale)

        error = assert_error(response, 412)
        assert error["code"] == "precondition_failed"
        assert response["ETag"] == etags.etag(before.id, before.version)
        after = Task.objects.get(id=task.id)
        assert (after.title, after.version, after.updated_at) == (
            before.title,
            before.version,
            before.updated_at,
        )

    @pytest.mark.parametrize(
        ("method", "body", "status"),
        [("put", {"title": "Replaced"}, 200), ("patch", {"title": "Patched"}, 200), ("delete", None, 204)],
    )
    def test_current_if_match_succeeds(self, api_client, task, method, body, status):
        etag = current_etag(api_client, task)

        response = getattr(api_client, method)(task_url(task), body, format="json", HTTP_IF_MATCH=etag)

        assert response.status_code == status
        if method == "delete":
            assert not Task.objects.filter(id=task.id).exists()
        else:
            assert response.json()["title"] == body["title"]
            assert response["ETag"] != etag

    def test_if_match_star_is_accepted(self, api_client, task):
        response = api_client.patch(task_url(task), {"title": "a"}, format="json", HTTP_IF_MATCH="*")

        assert response.status_code == 200

    @pytest.mark.parametrize(
        ("method", "body"),
        [("put", {"title": "Replaced"}), ("patch", {"title": "Patched"}), ("delete", None)],
    )
    def test_a_weak_if_match_is_412_even_for_the_current_etag(self, api_client, task, method, body):
        # If-Match uses the strong comparison (RFC 9110, 13.1.1): W/"x" never matches.
        etag = current_etag(api_client, task)

        response = getattr(api_client, method)(task_url(task), body, format="json", HTTP_IF_MATCH=f"W/{etag}")

        assert assert_error(response, 412)["code"] == "precondition_failed"
        assert response["ETag"] == etag
        after = Task.objects.get(id=task.id)
        assert (after.title, after.version) == ("Original", 1)

    def test_a_list_with_the_current_etag_only_in_weak_form_is_412(self, api_client, task):
        etag = current_etag(api_client, task)

        response = api_client.patch(
            task_url(task), {"title": "b"}, format="json", HTTP_IF_MATCH=f'"stale-1", W/{etag}'
        )

        assert_error(response, 412)

    def test_the_etag_of_another_task_with_the_same_version_is_412(self, api_client, task, user):
        other = TaskFactory(owner=user)

        response = api_client.patch(
            task_url(task), {"title": "b"}, format="json", HTTP_IF_MATCH=current_etag(api_client, other)
        )

        assert_error(response, 412)

    def test_if_match_list_containing_the_current_etag_succeeds(self, api_client, task):
        etag = current_etag(api_client, task)

        response = api_client.patch(
            task_url(task), {"title": "b"}, format="json", HTTP_IF_MATCH=f'"stale-1", {etag}'
        )

        assert response.status_code == 200

    def test_the_etag_from_a_write_is_good_for_the_next_write(self, api_client, task):
        etag = api_client.patch(task_url(task), {"title": "one"}, format="json")["ETag"]

        response = api_client.patch(task_url(task), {"title": "two"}, format="json", HTTP_IF_MATCH=etag)

        assert response.status_code == 200

    @pytest.mark.parametrize("header", ["garbage", '"', '"abc-1"', "W/", f'"{"0" * 32}-{"9" * 5000}"'])
    def test_garbage_if_match_is_412(self, api_client, task, header):
        response = api_client.patch(task_url(task), {"title": "x"}, format="json", HTTP_IF_MATCH=header)

        assert_error(response, 412)

    def test_without_if_match_writes_are_unconditional(self, api_client, task):
        make_stale(api_client, task)

        assert api_client.patch(task_url(task), {"title": "last write"}, format="json").status_code == 200
