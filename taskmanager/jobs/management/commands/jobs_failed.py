"""``manage.py jobs_failed``: the jobs that used up their retries (also in the admin, read-only)."""

import json

from django.core.management.base import BaseCommand

from taskmanager.jobs.selectors import jobs_failed_list


class Command(BaseCommand):
    help = "List the failed jobs, most recent first: id, when it failed, task, attempts, arguments."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
        parser.add_argument("--json", action="store_true", dest="as_json", help="one JSON object per line")

    def handle(self, *args, limit, as_json, **options):
        jobs = list(jobs_failed_list(limit=limit))
        for job in jobs:
            failed_at = job.failed_at.isoformat() if job.failed_at else None
            if as_json:
                self.stdout.write(_json_line(job, failed_at))
            else:
                self.stdout.write(
                    f"{job.id}\t{failed_at}\t{job.task_name}\tattempts={job.attempts}\t{_args(job.args)}"
                )
        if not jobs and not as_json:
            self.stdout.write("no failed jobs")


def _args(args: dict) -> str:
    return json.dumps(args, sort_keys=True)


def _json_line(job, failed_at: str | None) -> str:
    fields = {
        "id": job.id,
        "failed_at": failed_at,
        "task": job.task_name,
        "attempts": job.attempts,
        "queue": job.queue_name,
        "args": job.args,
    }
    return json.dumps(fields, sort_keys=True)
