"""Celery tasks of the Excel exports: thin wrappers around reports.exports.

`run_export_task` acknowledges its message only when it has finished (acks_late). When its worker
process dies mid-export (killed, out of memory) Celery sends it once more (`retry_on_worker_lost`,
max_retries=1), and `run_export(retry=True)` writes the file again from the start; a second death
leaves the job to the stale-job sweep, which fails it after EXPORT_TIMEOUT_MINUTES."""

from celery import shared_task

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
