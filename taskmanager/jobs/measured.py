"""Counting and timing every run of a job, for the worker's metrics endpoint.

Procrastinate 3 has no hook around a job's run, so each task's function is
wrapped where it is declared: ``@app.task(...)`` over ``@measured(NAME)``.
"""

import functools
import time

from taskmanager.metrics.registry import JOB_DURATION, JOBS


def measured(task_name: str):
    """Count each run under ``task_name`` by outcome and time it; results and errors pass through."""

    def decorate(function):
        @functools.wraps(function)
        def run(*args, **kwargs):
            started = time.perf_counter()
            outcome = "raised"
            try:
                result = function(*args, **kwargs)
                outcome = "succeeded"
                return result
            finally:
                JOB_DURATION.labels(task_name).observe(time.perf_counter() - started)
                JOBS.labels(task_name, outcome).inc()

        return run

    return decorate
