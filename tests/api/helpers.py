"""Assertions shared by the API tests."""

TASKS_URL = "/api/v1/tasks/"


def task_url(task_or_id) -> str:
    task_id = getattr(task_or_id, "id", task_or_id)
    return f"{TASKS_URL}{task_id}/"


def assert_error(response, status: int, *, fields=()) -> dict:
    """The response is the one error shape with ``status``, naming each of ``fields``."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["status"] == status
    assert isinstance(error["code"], str)
    assert error["code"]
    assert isinstance(error["message"], str)
    assert error["message"]
    assert "Traceback" not in response.content.decode()
    for messages in error.get("fields", {}).values():
        assert isinstance(messages, list), error
        assert all(isinstance(message, str) and message for message in messages), error
    if fields:
        assert set(fields) <= set(error["fields"]), error
        for name in fields:
            assert error["fields"][name], error
    else:
        assert set(error) <= {"status", "code", "message", "fields"}
    return error
