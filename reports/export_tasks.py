"""Celery tasks of the Excel exports: thin wrappers around reports.exports.

`run_export_task` acknowledges its message only when it has finished (acks_late). When its worker
process dies mid-export (killed, out of memory) Celery sends it once more (`retry_on_worker_lost`,
max_retries=1), and `run_export(retry=True)` writes the file again from the start; a second death
fails the job at once (an export that runs its worker out of memory dies every time). A worker
killed outright leaves its job to the stale-job sweep, which fails it after EXPORT_TIMEOUT_MINUTES."""

from celery import shared_task
from celery.exceptions import WorkerLostError
from celery.signals import task_failure

__all__ = ["cleanup_exports_task", "run_export_task"]


@shared_task(
    bind=True,
    name="reports.run_export",
    acks_late=True,
    reject_on_worker_lost=True,  # Celery < 5.7, or if sending the retry fails: put it back
    retry_on_worker_lost=True,
    max_retries=1,
    default_retry_delay=2,  # seconds
    ignore_result=True,
)
def run_export_task(self, job_id: int) -> None:
    from .exports import run_export

    run_export(job_id, retry=self.request.retries > 0)


@shared_task(name="reports.cleanup_exports", ignore_result=True)
def cleanup_exports_task() -> dict[str, int]:
    """Daily (migration 0003): fail exports stuck waiting or running, delete old files and rows."""
    from .exports import cleanup_exports

    return cleanup_exports()


@task_failure.connect
def _fail_export_of_a_lost_worker(sender=None, args=None, exception=None, **kwargs) -> None:
    """Celery gave up on an export whose pool process died on its retry too: fail the job now,
    with a reason, rather than leave it "running" for the stale-job sweep. (Celery tells only the
    worker's main process, and only through this signal: the task's own process is gone.)"""
    if getattr(sender, "name", None) != run_export_task.name or not isinstance(exception, WorkerLostError):
        return
    from django.utils.translation import gettext as _

    from .exports import _fail

    _fail(
        args[0],
        lambda: _(
            "The export stopped twice before it was done: the worker writing it was lost (it may have "
            "run out of memory). Narrow the filters and start it again."
        ),
    )
