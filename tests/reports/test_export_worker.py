"""Excel exports through a REAL Celery worker (Redis, the same database): end to end, and with
the worker killed in the middle of writing — the job must end done (retried) or failed (swept),
never stuck "running"."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from openpyxl import load_workbook

from config.celery import app
from reports import base, exports
from reports.models import ExportJob, ExportStatus
from tests.reports.test_exports import HEADER_ROW, SampleReport, SlowReport

ROOT = Path(__file__).resolve().parents[2]
REPORTS_ENV = "JXC_TEST_EXPORT_REPORTS"

if os.environ.get(REPORTS_ENV) == "1":
    # This module is imported by the worker started below (--include): give it the test reports.
    for _cls in (SampleReport, SlowReport):
        base.REGISTRY[_cls.slug] = _cls()


@pytest.fixture(autouse=True)
def worker_reports(monkeypatch):
    for cls in (SampleReport, SlowReport):
        monkeypatch.setitem(base.REGISTRY, cls.slug, cls())


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def start_worker(settings, tmp_path):
    """start_worker(pool="solo") runs `celery worker` on a queue of its own, with the test
    reports loaded and MEDIA_ROOT shared with this process; every worker is stopped after."""
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        pytest.fail("The test suite runs against Redis: set CELERY_BROKER_URL=redis://…")
    queue = f"jxc-test-exports-{uuid.uuid4().hex[:8]}"
    settings.MEDIA_ROOT = tmp_path / "media"  # the worker's JXC_DATA_DIR is tmp_path
    app.conf.update(task_default_queue=queue)
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": "",
        "JXC_DATA_DIR": str(tmp_path),
        REPORTS_ENV: "1",
    }
    started = []

    def start(pool: str = "solo") -> subprocess.Popen:
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}"]
        if pool == "prefork":
            command.append("--concurrency=1")
        command += [
            "-Q",
            queue,
            "--include",
            __name__,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ]
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        started.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.stdout:
                proc.stdout.close()
        app.conf.update(task_default_queue="celery")
        with app.connection_for_write() as conn:  # what the queue and a killed worker left behind
            client = conn.default_channel.client
            client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
            for tag, payload in client.hgetall("unacked").items():
                if queue.encode() in payload:
                    client.hdel("unacked", tag)
                    client.zrem("unacked_index", tag)


def _output(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        proc.terminate()
    return proc.communicate(timeout=15)[0]


def wait_for(job: ExportJob, proc: subprocess.Popen, condition, timeout: float = 20) -> ExportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if condition(job):
            return job
        time.sleep(0.1)
    pytest.fail(f"export {job.pk} still {job.status} after {timeout} s; the worker said:\n{_output(proc)}")


def finished(job: ExportJob) -> bool:
    return job.status in (ExportStatus.DONE, ExportStatus.FAILED)


def writing(job: ExportJob) -> bool:
    return job.status == ExportStatus.RUNNING and job.rows > 0


def read_back(job: ExportJob):
    with job.file.storage.open(job.file.name, "rb") as handle:
        return load_workbook(io.BytesIO(handle.read())).worksheets[0]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_export_and_the_file_reads_back(start_worker, users):
    worker = start_worker()

    job = exports.start_export(
        user=users["manager"], report_slug=SampleReport.slug, params={"day": "2026-03-31"}, language="en"
    )

    job = wait_for(job, worker, finished)
    assert (job.status, job.rows, job.progress, job.error) == (ExportStatus.DONE, 3, 100, "")
    sheet = read_back(job)
    assert [c.value for c in sheet[HEADER_ROW + 1]][:4] == ["SKU001", "'=SUM(A1)", 12, 1234.5]
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"


@pytest.mark.django_db(transaction=True)
def test_a_pool_process_killed_mid_export_is_retried_and_the_export_completes(start_worker, users):
    worker = start_worker(pool="prefork")
    job = exports.start_export(
        user=users["manager"], report_slug=SlowReport.slug, params={"limit": "60"}, language="en"
    )
    job = wait_for(job, worker, writing)  # progress is written once a second: ~20 of 60 rows

    children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout.split()
    assert len(children) == 1, children
    os.kill(int(children[0]), signal.SIGKILL)

    job = wait_for(job, worker, finished)
    assert (job.status, job.rows, job.progress) == (ExportStatus.DONE, 60, 100)
    assert read_back(job).cell(row=HEADER_ROW + 60, column=1).value == "S0059"
    assert "its worker was lost; writing it again" in _output(worker)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_outright_leaves_a_running_job_that_the_sweep_fails(start_worker, users):
    worker = start_worker()
    job = exports.start_export(
        user=users["manager"], report_slug=SlowReport.slug, params={"limit": "200"}, language="en"
    )
    job = wait_for(job, worker, writing)

    worker.send_signal(signal.SIGKILL)  # no warm shutdown, no requeue: the message stays unacked
    worker.wait(timeout=10)
    time.sleep(0.5)
    job.refresh_from_db()
    assert job.status == ExportStatus.RUNNING  # nobody is left to finish or fail it …

    assert exports.fail_stale_exports(now=job.started_at + timedelta(minutes=29)) == 0
    assert exports.fail_stale_exports(now=job.started_at + timedelta(minutes=31)) == 1  # … but the sweep

    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and not job.file
    assert job.error == (
        "The export did not finish within 30 minutes: the worker writing it stopped. Start it again."
    )
    assert settings.EXPORT_TIMEOUT_MINUTES == 30
