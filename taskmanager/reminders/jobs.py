"""The reminder domain's jobs; procrastinate imports each app's `jobs` module (settings.py)."""

from datetime import datetime

from procrastinate.contrib.django import app

from taskmanager.jobs.measured import measured
from taskmanager.jobs.retry import job_retry_strategy
from taskmanager.jobs.threads import thread_connections_closed
from taskmanager.reminders.sending import reminder_send

SEND_REMINDER = "reminders.send"


@app.task(name=SEND_REMINDER, retry=job_retry_strategy())
@measured(SEND_REMINDER)
def send_reminder(reminder_id: str, fire_at: str) -> str:
    """Deferred by services.py for the instant ``fire_at`` (ISO 8601), in the transaction that set it."""
    with thread_connections_closed():
        return reminder_send(reminder_id=reminder_id, fire_at=datetime.fromisoformat(fire_at))
