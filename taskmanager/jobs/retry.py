"""How a failing job is tried again: exponential backoff, then it stays failed.

Every job uses this one strategy, so the README's numbers hold for all of
them: with the defaults (5 retries, base 4) a job runs again after 4, 16, 64,
256 and 1024 seconds (about 23 minutes in all), then ends as "failed", where
the admin's job list and `manage jobs_failed` show it.
"""

from django.conf import settings
from procrastinate import RetryStrategy


def job_retry_strategy() -> RetryStrategy:
    return RetryStrategy(
        max_attempts=settings.TASKMANAGER_JOB_RETRIES,
        exponential_wait=settings.TASKMANAGER_JOB_RETRY_BASE,
    )
