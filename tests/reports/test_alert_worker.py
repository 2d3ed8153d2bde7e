"""A real Celery worker runs the scheduled alert scan through Redis against the test database:
the alerts exist afterwards, and running it again through the worker adds none."""

import os
import subprocess
import sys
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from celery.app.backends import by_url
from celery.result import AsyncResult
from django.conf import settings
from django.db import connection

from config.celery import app
from inventory.services import MoveLine, post_moves
from reports.alert_tasks import scan_stock_alerts
from reports.models import Alert, AlertKind, AlertStatus
from tests.factories import ItemFactory, LocationFactory, UserFactory, WarehouseFactory

ROOT = Path(__file__).resolve().parent.parent.parent


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker():
    """`celery worker` on a queue of its own (the pattern of tests/test_celery_worker.py), results
    in the broker's Redis database; its output goes to a file (a pipe nobody reads could fill up
    and block it)."""
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        pytest.fail("The test suite runs against Redis: set CELERY_BROKER_URL=redis://…")
    queue = f"jxc-alerts-test-{uuid.uuid4().hex[:8]}"
    app.conf.update(task_default_queue=queue)
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "EMAIL_URL": "dummymail://",
    }
    with tempfile.TemporaryFile(mode="w+") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        proc.log = log
        # results are read through a backend of our own: app.backend is cached per thread, and an
        # earlier test may already have made it the disabled one
        backend_class, url = by_url(broker, app.loader)
        proc.backend = backend_class(app=app, url=url)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
            app.conf.update(task_default_queue="celery")


def run_on(worker, **kwargs) -> dict:
    sent = scan_stock_alerts.delay(**kwargs)
    result = AsyncResult(sent.id, backend=worker.backend, app=app)
    try:
        return result.get(timeout=120)  # a loaded machine boots a worker slowly
    except Exception as exc:
        worker.terminate()
        worker.wait(timeout=15)
        worker.log.seek(0)
        pytest.fail(f"the worker did not answer ({exc!r}); its output:\n{worker.log.read()}")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_scans_once_and_a_second_run_adds_nothing(worker):
    # 3 on hand against a safety stock of 10 and a reorder point of 20: two alerts
    location = LocationFactory(warehouse=WarehouseFactory(code="WK"), code="K-01", path="K-01")
    item = ItemFactory(sku="WORKER", safety_stock=Decimal("10"), reorder_point=Decimal("20"))
    post_moves(
        doc_type="test-alerts",
        doc_id=1,
        doc_number="T-1",
        lines=[MoveLine(item.pk, location.pk, Decimal("3"), None, unit_cost=Decimal("1.00"))],
        user=UserFactory(),
    )

    first = run_on(worker, expiry_days=30)

    assert first == {"opened": 2, "resolved": 0, "still_open": 0, "emailed": 2}
    assert set(Alert.objects.values_list("kind", "item__sku", "qty", "status")) == {
        (AlertKind.BELOW_SAFETY, "WORKER", Decimal("3"), AlertStatus.OPEN),
        (AlertKind.BELOW_REORDER, "WORKER", Decimal("3"), AlertStatus.OPEN),
    }
    assert not Alert.objects.filter(emailed_at__isnull=True).exists()

    second = run_on(worker, expiry_days=30)

    assert second == {"opened": 0, "resolved": 0, "still_open": 2, "emailed": 0}
    assert Alert.objects.count() == 2
