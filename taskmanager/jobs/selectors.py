"""Reads of the job queue (procrastinate's tables) for operators."""

from django.db.models import Max, QuerySet
from procrastinate.contrib.django.models import ProcrastinateJob

FAILED = "failed"


def jobs_failed_list(*, limit: int = 50) -> QuerySet:
    """Jobs that used up their retries, the most recent failure first, each with ``failed_at``."""
    return (
        ProcrastinateJob.objects.filter(status=FAILED)
        .annotate(failed_at=Max("procrastinateevent__at"))
        .order_by("-failed_at", "-id")[:limit]
    )
