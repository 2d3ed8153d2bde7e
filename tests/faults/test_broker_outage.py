"""Redis goes down while clerks post documents (item 4c of issue 8).

Posting never needs the broker: no posting service sends a Celery task (the stock alerts are a
scheduled scan, not a task per posting). So while Redis is down documents still post, and when it
comes back the worker that lived through the outage runs the next scan, which opens the alert the
postings caused and e-mails it once.

The Redis here is a server of this test's own on a free port; the app under test (this process)
and the worker both point at it, so the outage is real for both."""

from __future__ import annotations

import os
from contextlib import contextmanager
from decimal import Decimal

import pytest
from celery.signals import before_task_publish
from django.db import connection
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerUnreachable

from config.celery import app
from inventory.ledger_check import ledger_differences
from inventory.models import DocumentKind, DocumentStatus, StockBalance
from inventory.services import LineInput, document_create, document_post, document_set_lines
from reports.models import Alert, AlertKind, AlertStatus
from tests.factories import ItemFactory, LocationFactory

from .conftest import wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="runs against PostgreSQL and Redis"),
]


@contextmanager
def app_broker(url: str):
    """This process's Celery app (what the web process publishes with) on `url` for a while;
    records every task it is asked to publish."""
    published: list[str] = []

    def record(sender=None, **kwargs):
        published.append(sender)

    def reconnect(to: str | None) -> None:
        # Celery reads CELERY_BROKER_URL from the environment before its configuration
        if to is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = to
        app._pool = None  # the connection pool and producers are made for one URL
        app.amqp._producer_pool = None

    before = os.environ.get("CELERY_BROKER_URL")
    before_task_publish.connect(record, weak=False)
    reconnect(url)
    assert app.conf.broker_url == url
    try:
        yield published
    finally:
        before_task_publish.disconnect(record)
        reconnect(before)


def broker_reachable() -> bool:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.1, timeout=1)
        return True
    except BrokerUnreachable:
        return False


def test_documents_post_while_redis_is_down_and_the_alert_catches_up_when_it_returns(
    redis_server, workers, users, warehouse_a, client_for
):
    # given 12 MILK on hand in warehouse A against a safety stock of 10, nothing alerted yet, the
    # people the alert is for, and a worker that has started on the test's Redis
    users["purchasing"].email, users["manager"].email = "buyer@example.com", "boss@example.com"
    for user in (users["purchasing"], users["manager"]):
        user.save(update_fields=["email"])
    clerk = users["clerk_a"]
    location = LocationFactory(warehouse=warehouse_a, code="A-01")
    milk = ItemFactory(sku="MILK", name="纯牛奶", safety_stock=Decimal("10"), reorder_point=0)
    unit = milk.base_unit_id

    def document(kind, qty, **line):
        doc = document_create(kind=kind, warehouse=warehouse_a, user=clerk)
        document_set_lines(document=doc, lines=[LineInput(milk, location.pk, unit, Decimal(qty), **line)])
        return doc

    document_post(document_id=document(DocumentKind.RECEIPT, "12", unit_cost=Decimal("3")).pk, user=clerk)
    issues = [document(DocumentKind.ISSUE, "1"), document(DocumentKind.ISSUE, "4")]
    worker = workers.start("survivor")
    wait_until(
        lambda: "ready." in workers.output(), "the worker to start", timeout=60, on_fail=workers.output
    )
    assert not Alert.objects.exists()

    with app_broker(redis_server.url) as published:
        # when Redis goes down
        redis_server.stop()
        assert not broker_reachable()

        # and the clerk posts both issues through the web pages meanwhile
        clerk_client = client_for("clerk_a")
        for doc in issues:
            response = clerk_client.post(
                reverse("inventory:stockdocument_action", args=[doc.pk, "post"]), follow=True
            )
            assert response.status_code == 200
            assert f"{doc.number} is posted." in response.content.decode()

        # then both posted, without a word to the broker
        assert published == []
        for doc in issues:
            doc.refresh_from_db()
        assert [d.status for d in issues] == [DocumentStatus.POSTED, DocumentStatus.POSTED]
        assert StockBalance.objects.get(item=milk).on_hand == Decimal("7")  # 12 − 1 − 4
        assert ledger_differences() == []
        assert not broker_reachable()

        # when Redis comes back (empty: nothing was saved) and the worker has reconnected
        redis_server.start()
        wait_until(
            lambda: workers.output().count("Connected to redis://") >= 2,
            "the worker to reconnect",
            timeout=60,
            on_fail=workers.output,
        )
        # and beat's next tick sends the scan
        result = workers.result(workers.send("reports.scan_stock_alerts", expiry_days=30))

    # then the same worker, alive through the outage, opened the alert and mailed it once
    assert worker.poll() is None
    assert result == {"opened": 1, "resolved": 0, "still_open": 0, "emailed": 1}
    assert list(Alert.objects.values_list("kind", "item__sku", "warehouse__code", "qty", "status")) == [
        (AlertKind.BELOW_SAFETY, "MILK", warehouse_a.code, Decimal("7"), AlertStatus.OPEN)
    ]
    told = workers.told()
    assert sorted(to for to, sku, kind in told) == ["boss@example.com", "buyer@example.com"]
    assert set(told.values()) == {1}
    assert {sku for to, sku, kind in told} == {"MILK"}
