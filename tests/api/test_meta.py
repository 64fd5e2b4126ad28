"""GET /api/v1/meta/: the server's facts, answered to anyone, each from the one place the rule lives."""

from knox.models import get_token_model

from taskmanager.accounts.preferences import TIME_ZONE_NAMES
from taskmanager.api.serializers import BULK_IDS_MAX
from taskmanager.projects.models import Color, Role
from taskmanager.tasks.filters import ORDERINGS
from taskmanager.tasks.models import TAGS_PER_TASK_MAX, TITLE_MAX_LENGTH, Priority, RecurFrom


def test_meta_answers_without_credentials_with_the_domains_vocabularies_and_limits(anonymous_client, db):
    response = anonymous_client.get("/api/v1/meta/")
    assert response.status_code == 200
    facts = response.json()
    assert facts["priorities"] == ["low", "medium", "high"] == list(Priority.values)
    assert facts["recur_from"] == ["due", "completion"] == list(RecurFrom.values)
    assert facts["colors"] == list(Color.values)
    assert facts["roles"] == list(Role.values)
    assert facts["orderings"] == sorted(ORDERINGS)
    assert facts["time_zones"] == sorted(TIME_ZONE_NAMES)
    assert facts["bulk_actions"] == ["complete", "reopen", "delete"]
    limits = facts["limits"]
    assert limits["task_title_max_length"] == TITLE_MAX_LENGTH
    assert limits["tags_per_task_max"] == TAGS_PER_TASK_MAX
    assert limits["bulk_ids_max"] == BULK_IDS_MAX
    assert get_token_model().objects.count() == 0  # nothing was issued or needed to answer


def test_every_fact_the_schema_promises_is_answered(anonymous_client, db):
    schema = anonymous_client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    promised = set(schema["components"]["schemas"]["MetaOutput"]["properties"])
    assert promised == set(anonymous_client.get("/api/v1/meta/").json())
