"""Jobs left in "doing" by a worker that died without a word (SIGKILL, an OOM kill, a lost node).

Each live worker writes a heartbeat every few seconds (procrastinate's
``procrastinate_workers`` table). A job in "doing" whose worker has not beaten
for TASKMANAGER_WORKER_STALLED_AFTER seconds, or whose worker row is gone,
cannot finish: it goes back to "todo" (one more attempt counted), and the
next free worker runs it again. Every worker does this when it starts and
then periodically; two workers racing for the same job is harmless, as only
one of them finds it still in "doing".

A job retried this way may have done part of its work: a reminder's email may
have reached the SMTP server just before the kill. The reminder job guards
that window itself (docs/ARCHITECTURE.md, the worker role).
"""

import logging

from procrastinate import App, exceptions

logger = logging.getLogger(__name__)


async def stalled_jobs_retry(app: App, stalled_after: float) -> list[int]:
    """Put the stalled jobs back in the queue; return their ids."""
    retried = []
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
        try:
            await app.job_manager.retry_job(job)
        except exceptions.ConnectorException as error:
            # Another worker retried it first, or it finished after all.
            logger.info("stalled job %s not retried: %s", job.id, str(error).partition("\n")[0])
            continue
        logger.warning("job %s (%s) was stalled in a dead worker; queued again", job.id, job.task_name)
        retried.append(job.id)
    return retried
