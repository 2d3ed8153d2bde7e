"""The alert task delivered more than once (item 5 of issue 8), on real Celery workers, Redis and
PostgreSQL: run twice in a row, twice at the same moment on two workers, and redelivered to a
second worker after the first was killed mid-task. Each time: one alert per condition, and each
person responsible is e-mailed about each condition once.

The workers write their mail with Django's file backend into a folder the test reads
(conftest.Workers.told). tests/reports/test_alert_worker.py already runs the task twice through
one worker and counts the alerts; these tests add the e-mails, concurrency and redelivery."""

from __future__ import annotations

import signal
import time
from decimal import Decimal

import pytest
from django.db import connection

from inventory.services import MoveLine, post_moves
from reports.alerts import SCAN_LOCK_KEY
from reports.models import Alert, AlertKind, AlertStatus
from tests.factories import ItemFactory, LocationFactory, WarehouseFactory

from .conftest import backends, raw_connection, wait_until, waiting_on_lock

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="runs against PostgreSQL and Redis"),
]

SCAN = "reports.scan_stock_alerts"
BUYER, BOSS = "buyer@example.com", "boss@example.com"


@pytest.fixture
def two_conditions(users):
    """MILK: 3 on hand, safety stock 10 (below safety); TEA: 9 on hand, maximum 5 (above max).
    The purchasing user and the manager are the ones e-mailed about stock levels."""
    users["purchasing"].email, users["manager"].email = BUYER, BOSS
    for user in (users["purchasing"], users["manager"]):
        user.save(update_fields=["email"])
    location = LocationFactory(warehouse=WarehouseFactory(code="DUP"), code="D-01")
    milk = ItemFactory(sku="MILK", safety_stock=Decimal("10"), reorder_point=0)
    tea = ItemFactory(sku="TEA", safety_stock=0, reorder_point=0, max_stock=Decimal("5"))
    post_moves(
        doc_type="test-alerts",
        doc_id=1,
        doc_number="T-1",
        lines=[
            MoveLine(milk.pk, location.pk, Decimal("3"), unit_cost=Decimal("1.00")),
            MoveLine(tea.pk, location.pk, Decimal("9"), unit_cost=Decimal("2.00")),
        ],
        user=users["clerk_a"],
    )


def assert_one_alert_and_one_mail_per_condition(workers) -> None:
    assert sorted(Alert.objects.values_list("item__sku", "kind", "status")) == [
        ("MILK", AlertKind.BELOW_SAFETY, AlertStatus.OPEN),
        ("TEA", AlertKind.ABOVE_MAX, AlertStatus.OPEN),
    ]
    assert not Alert.objects.filter(emailed_at__isnull=True).exists()
    told = workers.told()
    assert sorted((to, sku) for to, sku, kind in told) == [(BOSS, "MILK"), (BOSS, "TEA"), (BUYER, "MILK")] + [
        (BUYER, "TEA")
    ]
    assert set(told.values()) == {1}, told


def nothing_left_in_redis(workers) -> None:
    client = workers.server.client()
    assert client.llen(workers.queue) == 0
    assert client.hlen("unacked") == 0


def test_the_alert_task_run_twice_in_a_row_alerts_and_mails_once(two_conditions, workers):
    workers.start("one")

    first = workers.result(workers.send(SCAN, expiry_days=30))
    second = workers.result(workers.send(SCAN, expiry_days=30))

    assert first == {"opened": 2, "resolved": 0, "still_open": 0, "emailed": 2}
    assert second == {"opened": 0, "resolved": 0, "still_open": 2, "emailed": 0}
    assert_one_alert_and_one_mail_per_condition(workers)
    nothing_left_in_redis(workers)


def test_the_alert_task_run_at_once_on_two_workers_alerts_and_mails_once(two_conditions, workers):
    # given two workers, each holding one run of the task, both waiting at the scan's lock
    holder = raw_connection(autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s)", [SCAN_LOCK_KEY])
    try:
        workers.start("one"), workers.start("two")
        sent = [workers.send(SCAN, expiry_days=30), workers.send(SCAN, expiry_days=30)]
        for name in ("one", "two"):
            wait_until(
                lambda name=name: waiting_on_lock(workers.application_name(name), "advisory"),
                f"worker {name} to reach the scan",
                timeout=60,
                on_fail=workers.output,
            )
        # when they are let go at the same moment
    finally:
        holder.execute("SELECT pg_advisory_unlock(%s)", [SCAN_LOCK_KEY])
        holder.close()
    results = [workers.result(s) for s in sent]

    # then between them they opened and mailed each alert once
    assert sum(r["opened"] for r in results) == 2
    assert sum(r["emailed"] for r in results) == 2
    assert sorted(r["still_open"] for r in results) == [0, 2]
    assert_one_alert_and_one_mail_per_condition(workers)
    nothing_left_in_redis(workers)


PAUSES = {
    # where the first worker is killed: waiting to scan (nothing done yet), or in the digest,
    # after the scan committed and the alerts were marked e-mailed, before any mail went out
    "in the scan": (f"SELECT pg_advisory_lock({SCAN_LOCK_KEY})", "advisory"),
    "in the digest": ("LOCK TABLE accounts_user IN ACCESS EXCLUSIVE MODE", "relation"),
}


@pytest.mark.parametrize("pause", PAUSES)
def test_the_alert_task_redelivered_after_its_worker_was_killed_alerts_and_mails_once(
    two_conditions, workers, pause
):
    # given a worker running the task, paused on a lock the test holds
    statement, event = PAUSES[pause]
    holder = raw_connection()
    holder.execute(statement)
    first = workers.start("first")
    name = workers.application_name("first")
    try:
        sent = workers.send(SCAN, expiry_days=30)
        pid = wait_until(
            lambda: waiting_on_lock(name, event), "the task to pause", timeout=60, on_fail=workers.output
        )
        delivered = time.monotonic()

        # when that worker is killed outright: its message stays unacknowledged in Redis
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    finally:
        holder.rollback()  # also ends a session advisory lock: the connection closes below
        holder.close()
    wait_until(lambda: not backends(name), f"the killed worker's backend {pid} to end")

    # then it finished nothing: no mail went out, and no alert is marked e-mailed
    assert workers.mails() == []
    assert not Alert.objects.filter(emailed_at__isnull=False).exists()
    assert Alert.objects.count() == (0 if pause == "in the scan" else 2)
    assert workers.server.client().hlen("unacked") == 1

    # when a second worker starts, and finds the message older than its visibility timeout
    time.sleep(max(0.0, delivered + 1.1 - time.monotonic()))
    workers.start("second", visibility_timeout=1)
    result = workers.result(sent)

    # then the redelivered task alerted and mailed each condition once
    opened = 2 if pause == "in the scan" else 0
    assert result == {"opened": opened, "resolved": 0, "still_open": 2 - opened, "emailed": 2}
    assert_one_alert_and_one_mail_per_condition(workers)
    nothing_left_in_redis(workers)
