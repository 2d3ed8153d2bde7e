"""A Celery worker killed while it writes an Excel export (item 4d of issue 8): the export ends
done (retried) or failed, never stuck "running".

Already proved in tests/reports/test_export_worker.py, on a real worker:
- the pool process killed once: the task is retried and the export completes;
- the whole worker killed outright: the job is left running, and the stale-job sweep fails it.
Added here: the pool process killed on the retry too (an export that runs its worker out of
memory dies every time). Celery gives up after one retry; the job must then end failed, with a
reason, at once — not sit "running" until the sweep, half an hour later."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest
from django.db import connection

from reports import exports
from reports.models import ExportStatus
from tests.reports.test_export_worker import (  # noqa: F401 - fixtures used by name
    start_worker,
    wait_for,
    worker_reports,
    writing,
)
from tests.reports.test_exports import SlowReport

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="runs against PostgreSQL and Redis"),
]


def kill_pool_process(worker: subprocess.Popen) -> int:
    children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout.split()
    assert len(children) == 1, children
    os.kill(int(children[0]), signal.SIGKILL)
    return int(children[0])


def test_an_export_whose_pool_process_dies_on_every_attempt_ends_failed_at_once(start_worker, users):  # noqa: F811
    # given an export being written by a worker's pool process
    worker = start_worker(pool="prefork")
    job = exports.start_export(
        user=users["manager"], report_slug=SlowReport.slug, params={"limit": "200"}, language="en"
    )
    job = wait_for(job, worker, writing)

    # when the pool process dies, and dies again while the retry writes the export from the start
    first = kill_pool_process(worker)
    job = wait_for(
        job, worker, lambda j: j.status == ExportStatus.RUNNING and j.rows == 0
    )  # retry claimed it
    job = wait_for(job, worker, writing)
    assert kill_pool_process(worker) != first

    # then the export is failed at once, with a reason the user can act on, and no file
    job = wait_for(job, worker, lambda j: j.status != ExportStatus.RUNNING, timeout=15)
    assert job.status == ExportStatus.FAILED
    assert not job.file
    assert job.error == (
        "The export stopped twice before it was done: the worker writing it was lost (it may have run "
        "out of memory). Narrow the filters and start it again."
    )
    assert worker.poll() is None  # the worker itself lives on
