"""Who a task's reminders go to. Their zone and wishes are accounts.preferences' to say."""

from taskmanager.accounts.preferences import user_time_zone as user_zone
from taskmanager.accounts.preferences import user_wants_reminders

__all__ = ["task_recipient", "user_wants_reminders", "user_zone"]


def task_recipient(task):
    """The assignee, else the creator (None when neither exists any more)."""
    return task.assignee or task.created_by
