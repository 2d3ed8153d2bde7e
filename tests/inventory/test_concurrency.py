"""Postings racing each other on PostgreSQL: every thread has its own connection and its own
transaction, so row locks, unique indexes and rollbacks behave exactly as in production.

Each thread closes its connection when it ends; the only connection a test kills is the one its
own posting thread opened."""

import threading
import time
from contextlib import contextmanager, nullcontext
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.utils import DatabaseError, InterfaceError, OperationalError

from inventory.exceptions import AlreadyPosted, InsufficientStock
from inventory.ledger_check import ledger_differences
from inventory.models import ItemValuation, Posting, StockBalance, StockMove
from inventory.services.posting import MoveLine, post_moves, reverse_posting
from tests.factories import ItemFactory

from .test_posting_fastpath import posting_path  # noqa: F401 - every test once per posting path


def fast_path() -> bool:
    return settings.INVENTORY_POSTING_FASTPATH


pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.usefixtures("posting_path"),
]

JOIN_TIMEOUT = 60  # seconds; a thread still alive after this is a hang, and the test fails
PAUSE_TIMEOUT = 10
POSTED = "posted"


class Worker(threading.Thread):
    """Runs `work` in its own thread (hence its own database connection) and keeps what it
    returned or raised. With a barrier, all workers start their first posting together."""

    def __init__(self, work, barrier=None):
        super().__init__(daemon=True)
        self.work, self.barrier, self.result = work, barrier, None

    def run(self):
        try:
            if self.barrier is not None:
                self.barrier.wait()
            self.result = self.work()
        except BaseException as exc:  # noqa: BLE001 - the test inspects whatever happened
            self.result = exc
        finally:
            connection.close()

    def outcome(self):
        self.join(timeout=JOIN_TIMEOUT)
        assert not self.is_alive(), "a posting thread hung"
        return self.result


def run_together(works):
    barrier = threading.Barrier(len(works), timeout=PAUSE_TIMEOUT)
    workers = [Worker(work, barrier) for work in works]
    for worker in workers:
        worker.start()
    return [worker.outcome() for worker in workers]


def attempts(make_lines, user, doc_ids):
    """Post one document per id; returns POSTED or the exception, per attempt."""

    def work():
        outcomes = []
        for doc_id in doc_ids:
            try:
                post_moves(
                    doc_type="TEST", doc_id=doc_id, doc_number=f"T-{doc_id}", lines=make_lines(), user=user
                )
                outcomes.append(POSTED)
            except Exception as exc:  # noqa: BLE001 - every failure is collected and checked
                outcomes.append(exc)
        return outcomes

    return work


def unexpected(outcomes, allowed=InsufficientStock):
    return [o for o in outcomes if o != POSTED and not isinstance(o, allowed)]


def on_hand(item, location):
    return StockBalance.objects.get(item=item, location=location, batch=None).on_hand


def valuation(item):
    v = ItemValuation.objects.get(item=item)
    return v.qty, v.value


def snapshot():
    """Everything a posting writes, to compare before and after a failure."""
    return (
        list(Posting.objects.order_by("pk").values_list("doc_type", "doc_id")),
        list(StockMove.objects.order_by("pk").values_list("pk", "item_id", "qty", "value", "hash")),
        list(StockBalance.objects.order_by("pk").values_list("pk", "on_hand", "reserved")),
        list(
            ItemValuation.objects.order_by("pk").values_list(
                "item_id", "qty", "value", "avg_cost", "chain_seq", "chain_head"
            )
        ),
    )


def check_ledger_output():
    out, err = StringIO(), StringIO()
    try:
        call_command("check_ledger", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue()


def receive(item, location, qty, cost, user, doc_id):
    return post_moves(
        doc_type="GR",
        doc_id=doc_id,
        doc_number=f"GR-{doc_id}",
        lines=[MoveLine(item.pk, location.pk, Decimal(qty), unit_cost=Decimal(cost))],
        user=user,
    )


def test_sixteen_clerks_issuing_one_unit_each_from_a_hot_item_issue_exactly_what_is_there(clerk, milk, loc_a):
    # given 100 on hand worth 100 × 3.3333 = 333.33 (a value that does not divide evenly)
    receive(milk, loc_a, "100", "3.3333", clerk, doc_id=1)

    # when 16 threads each try to issue 1 unit 10 times, all at once
    def issue_one():
        return [MoveLine(milk.pk, loc_a.pk, Decimal("-1"))]

    results = run_together(
        [attempts(issue_one, clerk, range(1000 + 100 * t, 1010 + 100 * t)) for t in range(16)]
    )
    outcomes = [o for thread in results for o in thread]

    # then exactly the 100 units on hand were issued; the other 60 attempts were refused as
    # shortages, never a deadlock or serialization error
    assert unexpected(outcomes) == []
    assert outcomes.count(POSTED) == 100
    assert len(outcomes) - outcomes.count(POSTED) == 60
    # and the last unit out took exactly what was left: nothing on hand, worth exactly 0.00
    assert on_hand(milk, loc_a) == Decimal("0")
    assert valuation(milk) == (Decimal("0"), Decimal("0.00"))
    assert StockMove.objects.filter(item=milk, qty__lt=0).count() == 100
    assert ledger_differences() == []


def test_issuers_and_receivers_racing_on_two_items_in_either_line_order_never_deadlock(
    clerk, milk, loc_a, loc_b
):
    # given a hot item with 20 on hand at A-01 and a second item with 40 on hand at B-01
    cheese = ItemFactory(sku="CHEESE", name="奶酪")
    receive(milk, loc_a, "20", "3.3333", clerk, doc_id=1)
    receive(cheese, loc_b, "40", "1.2345", clerk, doc_id=2)

    # when 8 issuers (1 milk + 2 cheese per document) and 2 receivers (the same quantities in)
    # post 10 documents each, half of them listing the lines in the opposite order
    def issue(reverse_order):
        lines = [MoveLine(milk.pk, loc_a.pk, Decimal("-1")), MoveLine(cheese.pk, loc_b.pk, Decimal("-2"))]
        return lambda: lines[::-1] if reverse_order else lines

    def receipt(reverse_order):
        lines = [
            MoveLine(milk.pk, loc_a.pk, Decimal("1"), unit_cost=Decimal("3.5")),
            MoveLine(cheese.pk, loc_b.pk, Decimal("2"), unit_cost=Decimal("1.1")),
        ]
        return lambda: lines[::-1] if reverse_order else lines

    issuers = [attempts(issue(t % 2 == 1), clerk, range(1000 + 100 * t, 1010 + 100 * t)) for t in range(8)]
    receivers = [attempts(receipt(t == 1), clerk, range(2000 + 100 * t, 2010 + 100 * t)) for t in range(2)]
    results = run_together(issuers + receivers)
    issued = [o for thread in results[:8] for o in thread]
    received = [o for thread in results[8:] for o in thread]

    # then nothing but shortages went wrong, and every receipt was posted
    assert unexpected(issued) == []
    assert received == [POSTED] * 20
    n_issued = issued.count(POSTED)
    # the initial stock covers 20 issues whatever the interleaving; initial + received cover 40
    assert 20 <= n_issued <= 40
    # and final stock == initial + received − issued, exactly, per item
    assert on_hand(milk, loc_a) == Decimal("20") + 20 * Decimal("1") - n_issued * Decimal("1")
    assert on_hand(cheese, loc_b) == Decimal("40") + 20 * Decimal("2") - n_issued * Decimal("2")
    assert valuation(milk)[0] == on_hand(milk, loc_a)
    assert valuation(cheese)[0] == on_hand(cheese, loc_b)
    assert check_ledger_output() == (0, "check_ledger: the ledger is consistent\n")


def test_the_same_document_posted_by_eight_threads_at_once_is_posted_once(clerk, milk, loc_a):
    # given one goods receipt, submitted by 8 clerks (or 8 retried requests) at the same moment
    def post_it():
        return receive(milk, loc_a, "5", "2.00", clerk, doc_id=4242)

    # when they all post it
    results = run_together([post_it] * 8)

    # then exactly one posted it and the 7 others were told it is already posted
    posted = [r for r in results if isinstance(r, Posting)]
    refused = [r for r in results if isinstance(r, AlreadyPosted)]
    assert (len(posted), len(refused)) == (1, 7)
    assert {r.message for r in refused} == {"GR-4242 has already been posted."}
    # and the stock moved once
    assert on_hand(milk, loc_a) == Decimal("5")
    assert valuation(milk) == (Decimal("5"), Decimal("10.00"))
    assert Posting.objects.count() == 1
    assert StockMove.objects.count() == 1
    assert ledger_differences() == []


def test_the_same_posting_reversed_by_eight_threads_at_once_is_reversed_once(clerk, milk, loc_a):
    # given a receipt of 5 on top of 10 already there
    receive(milk, loc_a, "10", "1.00", clerk, doc_id=1)
    receipt = receive(milk, loc_a, "5", "2.00", clerk, doc_id=2)

    # when 8 threads reverse it at once, each with a reversal document of its own
    def reverse_it(n):
        return lambda: reverse_posting(receipt, doc_type="GR-R", doc_id=n, doc_number=f"GR-R-{n}", user=clerk)

    results = run_together([reverse_it(n) for n in range(8)])

    # then one reversal went through and the others were told it is already reversed
    refused = [r for r in results if isinstance(r, AlreadyPosted)]
    assert sum(isinstance(r, Posting) for r in results) == 1
    assert len(refused) == 7
    assert {r.message for r in refused} == {"GR-2 has already been reversed."}
    # and the 5 units worth 10.00 left once
    assert on_hand(milk, loc_a) == Decimal("10")
    assert valuation(milk) == (Decimal("10"), Decimal("10.00"))
    assert ledger_differences() == []


@contextmanager
def trigger_on(table: str, body: str):
    """A row trigger AFTER UPDATE on `table` running `body` (PL/pgSQL), for the duration of a test:
    it fires inside jxc_post_moves' last statement, after the moves are inserted — the fast path's
    equivalent of patching the ORM's bulk_update."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE FUNCTION jxc_test_injected() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} "
            f"RETURN NULL; END $$; CREATE TRIGGER jxc_test_injected AFTER UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION jxc_test_injected()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DROP TRIGGER IF EXISTS jxc_test_injected ON {table}; DROP FUNCTION IF EXISTS jxc_test_injected()"
            )


MOVES_OF_GI = "(SELECT count(*) FROM inventory_stockmove m JOIN inventory_posting p ON p.id = m.posting_id WHERE p.doc_type = 'GI')"


@pytest.mark.parametrize("crashing", [StockBalance, ItemValuation], ids=["balances", "valuations"])
def test_a_crash_after_the_moves_are_inserted_leaves_nothing_behind(
    monkeypatch, clerk, milk, loc_a, crashing
):
    # given 10 on hand worth 25.00
    receive(milk, loc_a, "10", "2.5", clerk, doc_id=1)
    before = snapshot()
    issue = [MoveLine(milk.pk, loc_a.pk, Decimal("-4"))]

    # when posting an issue dies after its move was inserted, while updating balances or values
    moves_written = []

    def crash(objs, fields, **kwargs):
        moves_written.append(StockMove.objects.filter(posting__doc_type="GI").count())
        raise RuntimeError("the worker died")

    if not fast_path():
        monkeypatch.setattr(crashing.objects, "bulk_update", crash)
        dying = nullcontext()
    else:  # the same, inside the database function's last statement
        dying = trigger_on(
            crashing._meta.db_table,
            f"RAISE EXCEPTION 'the worker died after % moves', {MOVES_OF_GI};",
        )
    with dying, pytest.raises(Exception, match="the worker died") as died:
        post_moves(doc_type="GI", doc_id=7, doc_number="GI-7", lines=issue, user=clerk)

    # then the crash came after the insert, and yet no posting, move, balance or value changed
    if not fast_path():
        assert died.type is RuntimeError
        assert moves_written == [1]
    else:
        assert isinstance(died.value, DatabaseError)
        assert "the worker died after 1 moves" in str(died.value)
    assert snapshot() == before
    assert ledger_differences() == []

    # and once the cause is gone the same document posts, once
    monkeypatch.undo()
    post_moves(doc_type="GI", doc_id=7, doc_number="GI-7", lines=issue, user=clerk)
    with pytest.raises(AlreadyPosted):
        post_moves(doc_type="GI", doc_id=7, doc_number="GI-7", lines=issue, user=clerk)
    assert on_hand(milk, loc_a) == Decimal("6")
    assert valuation(milk) == (Decimal("6"), Decimal("15.00"))  # 25.00 − 25.00 × 4 / 10


PAUSE_LOCK = 7_340_999  # an advisory lock the test holds while a posting should pause


def test_killing_the_posting_connection_mid_transaction_leaves_nothing_behind(
    monkeypatch, clerk, milk, loc_a
):
    # given 10 on hand worth 25.00, and a posting thread that pauses right after inserting its moves
    receive(milk, loc_a, "10", "2.5", clerk, doc_id=1)
    before = snapshot()
    paused, resume = threading.Event(), threading.Event()
    seen = {}
    update_balances = StockBalance.objects.bulk_update

    def pause_after_the_insert(objs, fields, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            seen["pid"] = cursor.fetchone()[0]
        seen["moves"] = StockMove.objects.filter(posting__doc_type="GI").count()
        paused.set()
        resume.wait(timeout=PAUSE_TIMEOUT)
        return update_balances(objs, fields, **kwargs)

    if not fast_path():
        monkeypatch.setattr(StockBalance.objects, "bulk_update", pause_after_the_insert)
        pausing = nullcontext()
    else:
        # inside the database function's last statement: say how many moves are written (in the
        # backend's application_name), then wait for the advisory lock this test holds
        pausing = trigger_on(
            "inventory_stockbalance",
            f"PERFORM set_config('application_name', 'jxc-paused moves=' || {MOVES_OF_GI}, true); "
            f"PERFORM pg_advisory_xact_lock({PAUSE_LOCK});",
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [PAUSE_LOCK])
    issue = [MoveLine(milk.pk, loc_a.pk, Decimal("-4"))]
    worker = Worker(lambda: post_moves(doc_type="GI", doc_id=7, doc_number="GI-7", lines=issue, user=clerk))
    with pausing:
        worker.start()
        try:
            if fast_path():
                seen.update(wait_for_the_paused_backend())
            assert paused.wait(timeout=PAUSE_TIMEOUT) or "pid" in seen, "the posting never reached the pause"
            assert seen["moves"] == 1  # the move is written, not yet committed

            # when another connection terminates that posting's backend — that one pid, nothing else
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                assert cursor.fetchone()[0] != seen["pid"]
                cursor.execute("SELECT pg_terminate_backend(%s)", [seen["pid"]])
                assert cursor.fetchone()[0] is True
                deadline = time.monotonic() + PAUSE_TIMEOUT
                while time.monotonic() < deadline:
                    cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [seen["pid"]])
                    if cursor.fetchone()[0] == 0:
                        break
                    time.sleep(0.05)
                else:
                    pytest.fail("the terminated backend did not go away")
        finally:
            resume.set()
            if fast_path():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [PAUSE_LOCK])

        # then the posting failed on its dead connection
        assert isinstance(worker.outcome(), OperationalError | InterfaceError)
    # and nothing it wrote survived: no posting, no move, no balance or value change
    assert snapshot() == before
    assert check_ledger_output() == (0, "check_ledger: the ledger is consistent\n")

    # and the same document can be posted afterwards, once
    monkeypatch.undo()
    post_moves(doc_type="GI", doc_id=7, doc_number="GI-7", lines=issue, user=clerk)
    assert on_hand(milk, loc_a) == Decimal("6")
    assert ledger_differences() == []


def wait_for_the_paused_backend() -> dict:
    """The backend paused inside jxc_post_moves: its pid and the moves it had written."""
    deadline = time.monotonic() + PAUSE_TIMEOUT
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT pid, application_name FROM pg_stat_activity "
                "WHERE application_name LIKE 'jxc-paused moves=%%' AND wait_event_type = 'Lock'"
            )
            row = cursor.fetchone()
            if row is not None:
                return {"pid": row[0], "moves": int(row[1].split("=")[1])}
            time.sleep(0.02)
    pytest.fail("the posting never reached the pause")
