"""A real Celery worker consumes a task through Redis and reads the same database."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery.app.backends import by_url
from celery.result import AsyncResult
from django.conf import settings
from django.db import connection

from config.celery import app
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker():
    """Start `celery worker` on a queue of its own, with a Redis result backend; stop it after."""
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        pytest.fail("The test suite runs against Redis: set CELERY_BROKER_URL=redis://…")
    queue = f"jxc-test-{uuid.uuid4().hex[:8]}"
    backend = broker.rsplit("/", 1)[0] + "/1"
    app.conf.update(result_backend=backend, task_default_queue=queue)
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": backend,
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # results are read through a backend of our own: app.backend is cached per thread, and an
    # earlier test (a task run in-process) may already have made it the disabled one
    backend_class, url = by_url(backend, app.loader)
    proc.backend = backend_class(app=app, url=url)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        app.conf.update(result_backend=None, task_default_queue="celery")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_through_redis_against_the_same_database(worker):
    UserFactory.create_batch(3)

    sent = app.send_task("jxc.healthcheck")
    result = AsyncResult(sent.id, backend=worker.backend, app=app)
    try:
        answer = result.get(timeout=60)
    except Exception:
        worker.terminate()
        output = worker.communicate(timeout=10)[0]
        pytest.fail(f"the worker did not answer; its output:\n{output}")

    assert answer == {"database": "postgresql", "users": 3}
