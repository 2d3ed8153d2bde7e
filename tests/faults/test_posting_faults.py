"""A warehouse document posted while things break, on PostgreSQL, with nothing mocked.

The posting runs where it runs in production — a process of its own (tests/faults/post_document.py)
or a thread with its own connection — and is paused mid-transaction the way a busy database pauses
it: the test holds the balance row the posting must lock, after the posting has locked the
document and inserted its Posting row. Then the fault strikes. Afterwards the document is exactly
as it was (draft, no posting, no move, balances and values unchanged), check_ledger is clean, and
posting it again works once.

What tests/inventory/test_concurrency.py already proves is not repeated: a crash after the moves
are inserted (both posting paths) and a posting thread's connection terminated while it waits
inside jxc_post_moves. Here: a real process SIGKILLed, and its connection terminated, while it
posts a real document (status, header lock, Posting row), on both posting paths; and a deadlock
and a serialization failure, each retried as a whole (inventory/services/retry.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, transaction

from inventory.exceptions import AlreadyPosted
from inventory.models import (
    DocumentKind,
    DocumentStatus,
    ItemValuation,
    Posting,
    StockBalance,
    StockDocument,
    StockMove,
)
from inventory.services import LineInput, document_create, document_post, document_set_lines
from tests.factories import ItemFactory, LocationFactory, UserFactory, WarehouseFactory

from .conftest import ROOT, backends, database_url, raw_connection, wait_until, waiting_on_lock

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the faults are PostgreSQL's"),
]

CONSISTENT = (0, "check_ledger: the ledger is consistent\n")


class Stock:
    """10 MILK on hand at A-01 worth 25.00 (a posted receipt), and a draft issue of 4."""

    def __init__(self):
        self.clerk = UserFactory(username="faults-clerk")
        self.warehouse = WarehouseFactory(code="FW", name="故障仓")
        self.location = LocationFactory(warehouse=self.warehouse, code="A-01")
        self.item = ItemFactory(sku="MILK", name="纯牛奶", safety_stock=0, reorder_point=0)
        receipt = self.document(DocumentKind.RECEIPT, "10", unit_cost=Decimal("2.50"))
        document_post(document_id=receipt.pk, user=self.clerk)
        self.issue = self.document(DocumentKind.ISSUE, "4")

    def document(self, kind, qty, unit_cost=None) -> StockDocument:
        doc = document_create(kind=kind, warehouse=self.warehouse, user=self.clerk)
        line = LineInput(
            self.item, self.location.pk, self.item.base_unit_id, Decimal(qty), unit_cost=unit_cost
        )
        document_set_lines(document=doc, lines=[line])
        return doc

    def balance(self) -> StockBalance:
        return StockBalance.objects.get(item=self.item, location=self.location)

    def on_hand_and_value(self) -> tuple[Decimal, Decimal, Decimal]:
        valuation = ItemValuation.objects.get(item=self.item)
        return self.balance().on_hand, valuation.qty, valuation.value


@pytest.fixture
def stock(db):
    return Stock()


@pytest.fixture(params=["fast path", "ORM path"])
def posting_path(request, settings):
    """Both ways post_moves posts on PostgreSQL: the database function and the ORM."""
    settings.INVENTORY_POSTING_FASTPATH = request.param == "fast path"
    return request.param


def snapshot():
    """Everything a posting writes, and the documents' state, to compare before and after."""
    return (
        list(StockDocument.objects.order_by("pk").values_list("pk", "status", "posting_id", "posted_by_id")),
        list(Posting.objects.order_by("pk").values_list("doc_type", "doc_id")),
        list(StockMove.objects.order_by("pk").values_list("pk", "item_id", "qty", "value", "hash")),
        list(StockBalance.objects.order_by("pk").values_list("pk", "on_hand", "reserved")),
        list(ItemValuation.objects.order_by("pk").values_list("item_id", "qty", "value", "chain_head")),
    )


def check_ledger_output():
    out, err = StringIO(), StringIO()
    try:
        call_command("check_ledger", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue()


def hold_the_balance(stock: Stock):
    """A transaction of the test's own holding the row lock the posting will wait for."""
    holder = raw_connection()
    holder.execute("SELECT id FROM inventory_stockbalance WHERE id = %s FOR UPDATE", [stock.balance().pk])
    return holder


def relation_locks(pid: int) -> set[tuple[str, str]]:
    with raw_connection(autocommit=True) as conn:
        return set(
            conn.execute(
                "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE l.pid = %s AND l.granted",
                [pid],
            ).fetchall()
        )


def assert_nothing_half_posted(stock: Stock, before) -> None:
    stock.issue.refresh_from_db()
    assert (stock.issue.status, stock.issue.posting_id, stock.issue.posted_at) == (
        DocumentStatus.DRAFT,
        None,
        None,
    )
    assert not Posting.objects.filter(doc_id=stock.issue.pk, doc_type="stockdoc").exists()
    assert snapshot() == before
    assert stock.on_hand_and_value() == (Decimal("10"), Decimal("10"), Decimal("25.00"))
    assert check_ledger_output() == CONSISTENT


def assert_posts_again_exactly_once(stock: Stock) -> None:
    document_post(document_id=stock.issue.pk, user=stock.clerk)
    with pytest.raises(AlreadyPosted, match="has already been posted"):
        document_post(document_id=stock.issue.pk, user=stock.clerk)
    stock.issue.refresh_from_db()
    assert stock.issue.status == DocumentStatus.POSTED
    assert Posting.objects.filter(doc_id=stock.issue.pk, doc_type="stockdoc").count() == 1
    # 10 − 4 = 6 left, worth 25.00 − 25.00 × 4 / 10 = 15.00
    assert stock.on_hand_and_value() == (Decimal("6"), Decimal("6"), Decimal("15.00"))
    assert check_ledger_output() == CONSISTENT


# (a) and (b): the posting process killed, or its connection terminated ------------------------------
@pytest.mark.parametrize("fault", ["process killed", "connection terminated"])
def test_a_posting_process_killed_or_cut_off_mid_transaction_leaves_no_half_posted_document(
    stock, posting_path, fault
):
    # given a clerk's process posting the issue, paused mid-transaction on the balance row
    before = snapshot()
    name = f"jxc-faults-post-{uuid.uuid4().hex[:8]}"
    holder = hold_the_balance(stock)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(name),
        "INVENTORY_POSTING_FASTPATH": "true" if posting_path == "fast path" else "false",
    }
    poster = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.post_document", str(stock.issue.pk), str(stock.clerk.pk)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        pid = wait_until(lambda: waiting_on_lock(name), "the posting to wait for the balance row")
        # it is mid-posting: the document header is locked and its Posting row inserted
        locks = relation_locks(pid)
        assert ("inventory_stockdocument", "RowShareLock") in locks
        assert ("inventory_posting", "RowExclusiveLock") in locks

        # when the fault strikes
        if fault == "process killed":
            poster.send_signal(signal.SIGKILL)
            assert poster.wait(timeout=10) == -signal.SIGKILL
            holder.rollback()  # its backend may now run on, but nobody is left to commit
        else:
            with raw_connection(autocommit=True) as admin:
                assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
            holder.rollback()
            output = poster.communicate(timeout=60)[0]
            # then the clerk's process was told: its connection is gone (a web request's 500)
            assert poster.returncode == 1, output
            assert output.splitlines()[-1].startswith(("OperationalError", "InterfaceError")), output
        wait_until(lambda: not backends(name), "the posting's backend to end")
    finally:
        holder.close()
        if poster.poll() is None:
            poster.kill()
        poster.communicate()

    # then nothing of the posting survived, and the document posts again, once
    assert_nothing_half_posted(stock, before)
    assert_posts_again_exactly_once(stock)


# (e): a deadlock and a serialization failure, retried as a whole ---------------------------------
class Poster(threading.Thread):
    """document_post in a thread of its own: its own connection, its own transaction."""

    def __init__(self, stock: Stock, outer_transaction: bool = False):
        super().__init__(daemon=True)
        self.stock, self.outer, self.outcome = stock, outer_transaction, None

    def run(self):
        try:
            if self.outer:  # a caller's transaction around the service: only the caller may retry
                with transaction.atomic():
                    self.outcome = document_post(document_id=self.stock.issue.pk, user=self.stock.clerk)
            else:
                self.outcome = document_post(document_id=self.stock.issue.pk, user=self.stock.clerk)
        except BaseException as exc:  # noqa: BLE001 - the test inspects whatever happened
            self.outcome = exc
        finally:
            connection.close()

    def result(self):
        self.join(timeout=60)
        assert not self.is_alive(), "the posting hung"
        return self.outcome


class database_default:
    """ALTER DATABASE <the test database> SET name = value, for connections opened meanwhile."""

    def __init__(self, name: str, value: str):
        self.name, self.value = name, value

    def _alter(self, clause: str) -> None:
        with raw_connection(autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" {clause}')

    def __enter__(self):
        self._alter(f"SET {self.name} = '{self.value}'")

    def __exit__(self, *exc):
        self._alter(f"RESET {self.name}")


def other_backend_waiting(holder_pid: int):
    with raw_connection(autocommit=True) as conn:
        row = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> %s AND application_name <> 'jxc-faults-test'",
            [holder_pid],
        ).fetchone()
    return row and row[0]


def deadlocks_so_far() -> int:
    with raw_connection(autocommit=True) as conn:
        return conn.execute(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()[0]


def deadlock_the_posting(stock: Stock, poster: Poster) -> None:
    """The test holds the balance row; the posting locks the document and waits for that row;
    the test then asks for the document: a cycle. The posting (deadlock_timeout 100 ms) finds it
    before the test does (10 s) and is the one PostgreSQL aborts."""
    holder = hold_the_balance(stock)
    try:
        holder.execute("SET LOCAL deadlock_timeout = '10s'")
        holder_pid = holder.info.backend_pid
        poster.start()
        wait_until(lambda: other_backend_waiting(holder_pid), "the posting to wait for the balance row")
        # returns once PostgreSQL has aborted the posting's transaction, which frees the document
        holder.execute("SELECT id FROM inventory_stockdocument WHERE id = %s FOR UPDATE", [stock.issue.pk])
        holder.commit()  # and lets the posting (or its next attempt) through
    finally:
        holder.close()


def test_a_posting_that_deadlocks_is_run_again_as_a_whole_and_posts_once(stock, posting_path, caplog):
    # given a posting that will deadlock with another transaction
    deadlocks = deadlocks_so_far()
    poster = Poster(stock)

    with database_default("deadlock_timeout", "100ms"):
        deadlock_the_posting(stock, poster)
        outcome = poster.result()

    # then PostgreSQL did abort it, and the clerk never noticed: the retry posted the document
    assert isinstance(outcome, StockDocument), outcome
    assert "deadlock detected (attempt 1 of 3); running the transaction again" in caplog.text
    wait_until(lambda: deadlocks_so_far() > deadlocks, "PostgreSQL to count the deadlock", timeout=5)
    stock.issue.refresh_from_db()
    assert (stock.issue.status, stock.issue.posted_by) == (DocumentStatus.POSTED, stock.clerk)
    assert Posting.objects.filter(doc_id=stock.issue.pk, doc_type="stockdoc").count() == 1
    assert StockMove.objects.filter(qty=Decimal("-4")).count() == 1
    assert stock.on_hand_and_value() == (Decimal("6"), Decimal("6"), Decimal("15.00"))
    assert check_ledger_output() == CONSISTENT
    with pytest.raises(AlreadyPosted):
        document_post(document_id=stock.issue.pk, user=stock.clerk)


def test_inside_a_callers_transaction_a_deadlock_is_left_to_the_caller_and_nothing_is_posted(stock):
    # given the same deadlock, but the posting runs inside a transaction of its caller's
    before = snapshot()
    poster = Poster(stock, outer_transaction=True)

    with database_default("deadlock_timeout", "100ms"):
        deadlock_the_posting(stock, poster)
        outcome = poster.result()

    # then the service did not retry a part of someone else's transaction: the caller gets the
    # deadlock, and nothing was posted
    assert isinstance(outcome, OperationalError), outcome
    assert "deadlock detected" in str(outcome)
    assert_nothing_half_posted(stock, before)
    assert_posts_again_exactly_once(stock)


def test_a_posting_that_meets_a_serialization_failure_is_run_again_as_a_whole(stock, posting_path, caplog):
    # given a database run at REPEATABLE READ, and a transaction that changes the balance row
    # after the posting has taken its snapshot
    holder = raw_connection()
    holder.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
    holder.execute(
        "UPDATE inventory_stockbalance SET last_moved_at = last_moved_at WHERE id = %s", [stock.balance().pk]
    )
    poster = Poster(stock)
    try:
        with database_default("default_transaction_isolation", "repeatable read"):
            poster.start()
            wait_until(
                lambda: other_backend_waiting(holder.info.backend_pid), "the posting to wait for the balance"
            )
            holder.commit()  # the row the posting waits for changed under its snapshot
            outcome = poster.result()
    finally:
        holder.close()

    # then the first attempt failed to serialize and the second posted the document, once
    assert isinstance(outcome, StockDocument), outcome
    assert "could not serialize access due to concurrent update (attempt 1 of 3)" in caplog.text
    stock.issue.refresh_from_db()
    assert stock.issue.status == DocumentStatus.POSTED
    assert Posting.objects.filter(doc_id=stock.issue.pk, doc_type="stockdoc").count() == 1
    assert stock.on_hand_and_value() == (Decimal("6"), Decimal("6"), Decimal("15.00"))
    assert check_ledger_output() == CONSISTENT
