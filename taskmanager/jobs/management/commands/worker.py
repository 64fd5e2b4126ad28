"""``manage.py worker``: the worker role's process (jobs/worker.py); `entrypoint.sh worker` runs it."""

import os
import sys

from django.core.management.base import BaseCommand

from taskmanager.jobs.worker import worker_run
from taskmanager.metrics import DEFAULT_PORT


class Command(BaseCommand):
    help = "Run background jobs from the queue, with /healthz and /readyz on $PORT, until SIGTERM."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--bind", default=os.environ.get("SERVER_BIND", "0.0.0.0"))  # noqa: S104 (a pod serves its IP)
        # As the servers' (deploy/serve.py): the Prometheus endpoint, 0 turns it off.
        metrics_port = int(os.environ.get("METRICS_PORT", DEFAULT_PORT))
        parser.add_argument("--metrics-port", type=int, default=metrics_port)

    def handle(self, *args, port, bind, metrics_port, **options):
        sys.exit(worker_run(bind, port, metrics_port))
