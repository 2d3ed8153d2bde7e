"""The PostgreSQL fast path of post_moves (the function jxc_post_moves, migration 0007) against the
ORM path: the same random sequences of postings through both must give identical moves (quantity,
value, unit cost, warehouse, seq, hash …), balances, valuations, postings and identical refusals
with identical messages.

Each hypothesis example runs its operations through the ORM path, takes everything down, rolls
back to a savepoint, puts the id sequences back where they were (so postings and moves get the
same ids, which the hashes include), runs the same operations through the fast path and compares.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from inventory.exceptions import InventoryError
from inventory.ledger_check import ledger_differences
from inventory.models import ItemValuation, PeriodClose, Posting, StockBalance, StockMove
from inventory.services.periods import PeriodClosed
from inventory.services.posting import MoveLine, post_moves, reverse_posting
from tests.factories import BatchFactory, ItemFactory, LocationFactory, UserFactory, WarehouseFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the fast path is PostgreSQL's"),
]


# Switching paths -------------------------------------------------------------------------------


@pytest.fixture(params=["orm", "fast"])
def posting_path(request, settings):
    """Runs a test once through the ORM path and once through the PostgreSQL fast path (the fast
    path only on PostgreSQL). Other test modules import this fixture."""
    if request.param == "fast" and connection.vendor != "postgresql":
        pytest.skip("the fast path is PostgreSQL's")
    settings.INVENTORY_POSTING_FASTPATH = request.param == "fast"
    return request.param


def use_path(name: str) -> None:
    from django.conf import settings as django_settings

    django_settings.INVENTORY_POSTING_FASTPATH = name == "fast"


@pytest.fixture(autouse=True)
def _restore_setting(settings):
    # use_path() changes the setting in place; the settings fixture puts it back afterwards.
    settings.INVENTORY_POSTING_FASTPATH = True


# The world -------------------------------------------------------------------------------------

BASE = datetime(2026, 3, 1, 1, 2, 3, 456789, tzinfo=UTC)
CLOSED_DAY = datetime(2025, 12, 20, 15, 30, tzinfo=UTC)  # 2025-12-20 23:30 in Shanghai: closed


@dataclass
class World:
    clerk: object
    items: list  # two plain items, two batch-tracked ones
    locations: list  # two in the first warehouse, one in the second
    batches: dict  # tracked item index → [batch, batch]

    def key(self, item_i: int, location_i: int, batch_i: int):
        item = self.items[item_i]
        batch = self.batches[item_i][batch_i].pk if item_i in self.batches else None
        return item.pk, self.locations[location_i].pk, batch


@pytest.fixture
def world(db):
    first, second = WarehouseFactory(), WarehouseFactory()
    items = [
        ItemFactory(),
        ItemFactory(),
        ItemFactory(tracking="batch"),
        ItemFactory(tracking="batch_expiry"),
    ]
    clerk = UserFactory()
    PeriodClose.objects.create(
        year=2025, month=12, end_date=date(2025, 12, 31), closed_at=timezone.now(), closed_by=clerk
    )
    return World(
        clerk=clerk,
        items=items,
        locations=[
            LocationFactory(warehouse=first),
            LocationFactory(warehouse=first),
            LocationFactory(warehouse=second),
        ],
        batches={
            2: BatchFactory.create_batch(2, item=items[2]),
            3: BatchFactory.create_batch(2, item=items[3]),
        },
    )


# Operations ------------------------------------------------------------------------------------


def scaled(max_units: int, places: st.SearchStrategy) -> st.SearchStrategy:
    return st.builds(lambda n, p: Decimal(n).scaleb(-p), st.integers(1, max_units * 10**4), places)


# as in test_ledger_properties.py
quantities = st.one_of(
    st.integers(1, 40).map(Decimal),  # whole units hit exact shares and the last-units rule often
    scaled(40, st.just(4)),  # up to 4 decimal places
)
costs = st.one_of(
    st.just(Decimal("0")),
    scaled(99, st.sampled_from([2, 3, 4])),
    st.integers(0, 9999).map(lambda n: Decimal(10 * n + 5).scaleb(-3)),  # x.xx5: a half-fen tie
)
item_i, location_i, batch_i = st.integers(0, 3), st.integers(0, 2), st.integers(0, 1)
pick = st.integers(0, 1000)  # outbound operations pick among the keys that have stock
values = st.one_of(
    st.integers(-9999, 9999).map(lambda n: Decimal(n).scaleb(-2)),
    st.integers(-99999, 99999).map(lambda n: Decimal(n).scaleb(-3)),  # rounds to the fen
)
odd_costs = st.one_of(
    costs,
    st.integers(0, 10**9).map(lambda n: Decimal(n).scaleb(-7)),  # more places than a move stores
    st.just(Decimal("-0")),
)
big_quantities = st.integers(10**9, 10**14).map(lambda n: Decimal(n).scaleb(-4))  # 100,000 … 10^10
big_costs = st.integers(1, 10**8).map(lambda n: Decimal(n).scaleb(-4))
sub_lines = st.lists(
    st.one_of(
        st.tuples(st.just("in"), item_i, location_i, batch_i, quantities, costs),
        st.tuples(st.just("gain"), item_i, location_i, batch_i, quantities),  # at the average cost
        st.tuples(st.just("out"), pick, quantities),
        st.tuples(st.just("out_part"), pick, st.sampled_from([2, 3, 7])),
        st.tuples(st.just("move"), pick, st.integers(1, 2), st.sampled_from([1, 2, 3])),
    ),
    min_size=2,
    max_size=7,
)
operations = st.one_of(
    st.tuples(st.just("receive"), item_i, location_i, batch_i, quantities, odd_costs),
    st.tuples(st.just("receive"), item_i, location_i, batch_i, big_quantities, big_costs),
    st.tuples(st.just("issue"), pick, quantities),  # may exceed what is there
    st.tuples(st.just("issue_anywhere"), item_i, location_i, batch_i, quantities),
    st.tuples(st.just("issue_all"), pick),
    st.tuples(st.just("issue_part"), pick, st.sampled_from([2, 3, 7])),
    st.tuples(st.just("gain"), item_i, location_i, batch_i, quantities),
    st.tuples(st.just("transfer"), pick, st.integers(1, 2), quantities),
    st.tuples(st.just("transfer_part"), pick, st.integers(1, 2), st.sampled_from([2, 3])),
    st.tuples(st.just("carry"), pick, quantities, values),  # a line carrying an exact value
    st.tuples(st.just("document"), sub_lines),
    st.tuples(st.just("reverse"), st.integers(0, 1000)),
    st.tuples(st.just("again"), st.integers(0, 1000)),  # a document posted before, once more
    st.tuples(st.just("invalid"), st.integers(0, 4), st.integers(0, 2)),
    st.tuples(st.just("closed"), pick),  # dated into the closed month
)


def stocked_keys(world) -> list:
    rows = StockBalance.objects.filter(item__in=world.items, on_hand__gt=0).order_by(
        "item_id", "location_id", "batch_id"
    )
    return [((b.item_id, b.location_id, b.batch_id), b.on_hand) for b in rows] or [
        (world.key(0, 0, 0), Decimal("1"))
    ]


def part(qty: Decimal, parts: int) -> Decimal:
    return (qty / parts).quantize(Decimal("0.0001"), rounding=ROUND_DOWN) or Decimal("1")


def line(key, qty, **kw) -> MoveLine:
    item, location, batch = key
    return MoveLine(item, location, qty, batch, **kw)


def other_location(world, location_id: int, shift: int) -> int:
    ids = [lo.pk for lo in world.locations]
    return ids[(ids.index(location_id) + shift) % len(ids)]


def lines_for(world, op) -> list[MoveLine]:
    kind, *args = op
    stocked = stocked_keys(world)
    if kind == "receive":
        i, loc, b, qty, cost = args
        return [line(world.key(i, loc, b), qty, unit_cost=cost)]
    if kind == "gain":
        i, loc, b, qty = args
        return [line(world.key(i, loc, b), qty)]
    if kind == "issue_anywhere":
        i, loc, b, qty = args
        return [line(world.key(i, loc, b), -qty)]
    if kind in ("document", "invalid"):
        return _document(world, stocked, args[0]) if kind == "document" else _invalid(world, *args)
    key, there = stocked[args[0] % len(stocked)]
    if kind == "issue":
        return [line(key, -args[1])]
    if kind in ("issue_all", "closed"):
        return [line(key, -there)]
    if kind == "issue_part":
        return [line(key, -part(there, args[1]))]
    if kind in ("transfer", "transfer_part"):
        qty = args[2] if kind == "transfer" else part(there, args[2])
        to = other_location(world, key[1], args[1])
        return [line(key, -qty), line((key[0], to, key[2]), qty, mirror_of=0)]
    if kind == "carry":
        qty, value = args[1], args[2]
        # outbound: a reversal's share, possibly more than the item is worth (capped); or inbound
        return [line(key, -qty, value=-abs(value))] if value >= 0 else [line(key, qty, value=-value)]
    raise AssertionError(kind)


def _document(world, stocked, subs) -> list[MoveLine]:
    lines = []
    for sub in subs:
        what, *rest = sub
        if what in ("in", "gain"):
            i, loc, b, qty, *cost = rest
            lines.append(line(world.key(i, loc, b), qty, unit_cost=cost[0] if cost else None))
            continue
        key, there = stocked[rest[0] % len(stocked)]
        if what == "out":
            lines.append(line(key, -rest[1]))
        elif what == "out_part":
            lines.append(line(key, -part(there, rest[1])))
        else:  # a transfer inside the document: the inbound side mirrors the outbound line
            qty = part(there, rest[2] + 1)
            lines.append(line(key, -qty, line_ref=len(lines) + 1))
            lines.append(
                line((key[0], other_location(world, key[1], rest[1]), key[2]), qty, mirror_of=len(lines) - 1)
            )
    return lines


def _invalid(world, what, n) -> list[MoveLine]:
    good = line(world.key(0, 0, 0), Decimal("1"), unit_cost=Decimal("1"))
    plain, tracked = world.items[0].pk, world.items[2].pk
    loc = world.locations[0].pk
    bad = [
        MoveLine(999_999_999, loc, Decimal("1")),  # unknown item
        MoveLine(plain, 999_999_999, Decimal("1")),  # unknown location
        MoveLine(plain, loc, Decimal("1"), world.batches[2][0].pk),  # not tracked by batch
        MoveLine(tracked, loc, Decimal("1")),  # tracked by batch, no batch
        MoveLine(tracked, loc, Decimal("1"), world.batches[3][0].pk),  # another item's batch
    ][what]
    return [good] * n + [bad, good]


# Running a sequence --------------------------------------------------------------------------------


def outcome_of(call):
    try:
        posting = call()
    except InventoryError as exc:
        shortages = [
            (str(s.item), str(s.location), s.batch, s.wanted, s.available)
            for s in getattr(exc, "shortages", [])
        ]
        return ("refused", type(exc).__name__, exc.message, shortages)
    return ("posted", posting.pk, posting.doc_type, posting.doc_id, posting.doc_number, posting.reverses_id)


def run(world, ops) -> list:
    """Post the operations one by one, each at its own fixed time (the clock stands still while it
    posts, so posted_at and the moves' default moved_at are the same on both paths)."""
    docs = itertools.count(1)
    posted: list[Posting] = []  # every document posted, for reversals and second attempts
    trace = []
    for step, op in enumerate(ops):
        n = next(docs)
        moved_at = BASE + timedelta(hours=step, microseconds=step)
        with mock.patch("django.utils.timezone.now", return_value=moved_at):
            result = _perform(world, op, n, posted, moved_at)
        if result is None:
            continue
        if result[0] == "posted":
            posted.append(Posting.objects.get(pk=result[1]))
        event(f"{op[0]}: {result[0]} {result[1] if result[0] == 'refused' else ''}")
        trace.append(result)
    return trace


def _perform(world, op, n, posted, moved_at):
    """One operation; returns its outcome, or None when there is nothing to do."""
    if op[0] in ("reverse", "again") and not posted:
        return None
    if op[0] == "reverse":
        target = posted[op[1] % min(len(posted), 4)]  # the first few, so some twice
        return outcome_of(
            lambda: reverse_posting(target, doc_type="REV", doc_id=n, doc_number=f"R-{n}", user=world.clerk)
        )
    if op[0] == "again":
        target = posted[op[1] % len(posted)]
        lines = [line((m.item_id, m.location_id, m.batch_id), m.qty) for m in target.moves.order_by("pk")]
        return outcome_of(
            lambda: post_moves(
                doc_type=target.doc_type,
                doc_id=target.doc_id,
                doc_number=target.doc_number,
                lines=lines,
                user=world.clerk,
            )
        )
    lines = lines_for(world, op)
    when = CLOSED_DAY if op[0] == "closed" else moved_at
    return outcome_of(
        lambda: post_moves(
            doc_type="OP", doc_id=n, doc_number=f"OP-{n}", lines=lines, user=world.clerk, moved_at=when
        )
    )


def everything(world) -> dict:
    """Every row a posting writes, every column (but the posting's wall-clock time)."""
    return {
        "postings": list(
            Posting.objects.order_by("pk").values_list(
                "pk", "doc_type", "doc_id", "doc_number", "posted_at", "posted_by_id", "reverses_id"
            )
        ),
        "moves": list(
            StockMove.objects.order_by("pk").values_list(
                "pk",
                "posting_id",
                "item_id",
                "warehouse_id",
                "location_id",
                "batch_id",
                "qty",
                "unit_cost",
                "value",
                "line_ref",
                "moved_at",
                "seq",
                "hash",
            )
        ),
        # by key: the ORM path's INSERT … ON CONFLICT DO NOTHING of balances that exist already
        # draws ids from the sequence, the fast path skips that INSERT, so later new rows may be
        # numbered differently (a surrogate key nothing refers to)
        "balances": list(
            StockBalance.objects.order_by("item_id", "location_id", "batch_id").values_list(
                "item_id",
                "warehouse_id",
                "location_id",
                "batch_id",
                "on_hand",
                "reserved",
                "value",
                "last_moved_at",
            )
        ),
        "valuations": list(
            ItemValuation.objects.order_by("pk").values_list(
                "item_id", "qty", "value", "avg_cost", "chain_seq", "chain_head"
            )
        ),
    }


SEQUENCES = [("inventory_posting", "id"), ("inventory_stockmove", "id"), ("inventory_stockbalance", "id")]


def sequence_positions() -> list:
    positions = []
    with connection.cursor() as cursor:
        for table, column in SEQUENCES:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            name = cursor.fetchone()[0]
            cursor.execute(f"SELECT last_value, is_called FROM {name}")  # noqa: S608 - a catalogue name
            positions.append((name, *cursor.fetchone()))
    return positions


def set_sequences(positions) -> None:
    with connection.cursor() as cursor:
        for name, last_value, is_called in positions:
            cursor.execute("SELECT setval(%s, %s, %s)", [name, last_value, is_called])


def through(world, path: str, ops, positions) -> tuple[list, dict, list]:
    use_path(path)
    set_sequences(positions)
    sid = transaction.savepoint()
    try:
        trace = run(world, ops)
        return trace, everything(world), ledger_differences()
    finally:
        transaction.savepoint_rollback(sid)


@settings(
    max_examples=100,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    opening=st.lists(
        st.tuples(st.just("receive"), item_i, location_i, batch_i, quantities, costs), max_size=5
    ),
    ops=st.lists(operations, min_size=3, max_size=16),
)
def test_the_fast_path_posts_exactly_what_the_orm_path_posts(world, opening, ops):
    ops = opening + ops  # mostly some stock first, so that issues and transfers go through too
    with transaction.atomic():
        positions = sequence_positions()
        # given the same operations, from the same state and the same ids
        orm = through(world, "orm", ops, positions)
        fast = through(world, "fast", ops, positions)
    # then every outcome, message, move, hash, balance and valuation is the same
    orm_trace, orm_rows, orm_problems = orm
    fast_trace, fast_rows, fast_problems = fast
    assert fast_trace == orm_trace
    for table in orm_rows:
        assert fast_rows[table] == orm_rows[table], table
    # and both ledgers are consistent
    assert orm_problems == [] and fast_problems == []


# The fast path's own promises ------------------------------------------------------------------


def test_the_fast_path_is_one_call_in_a_savepoint_whatever_the_line_count(world):
    # inside a transaction (the test's): SAVEPOINT, the call, RELEASE — for 1 line as for 50
    items = ItemFactory.create_batch(50)
    loc = world.locations[0]
    counts = []
    for n_lines in (1, 50):
        for sign, cost in ((1, Decimal("1.25")), (-1, None)):
            lines = [MoveLine(i.pk, loc.pk, sign * Decimal("3"), unit_cost=cost) for i in items[:n_lines]]
            with CaptureQueriesContext(connection) as queries:
                post_moves(doc_type="N", doc_id=n_lines * sign, doc_number="N", lines=lines, user=world.clerk)
            counts.append(len(queries))
            assert "jxc_post_moves" in queries[1]["sql"]
    assert counts == [3, 3, 3, 3]
    assert ledger_differences() == []


def test_a_refusal_inside_a_transaction_rolls_back_only_the_posting(world):
    item, loc = world.items[0], world.locations[0]
    with transaction.atomic():
        first = post_moves(
            doc_type="T",
            doc_id=1,
            doc_number="T-1",
            lines=[MoveLine(item.pk, loc.pk, Decimal("2"), unit_cost=Decimal("1"))],
            user=world.clerk,
        )
        with pytest.raises(InventoryError, match="Not enough stock"):
            post_moves(
                doc_type="T",
                doc_id=2,
                doc_number="T-2",
                lines=[MoveLine(item.pk, loc.pk, Decimal("-3"))],
                user=world.clerk,
            )
        # the caller's transaction goes on: what it posted before is there, the refusal left nothing
        assert list(Posting.objects.values_list("pk", flat=True)) == [first.pk]
        assert StockBalance.objects.get(item=item).on_hand == Decimal("2")


def test_dated_into_a_closed_month_is_refused_as_by_check_open(world, posting_path):
    item, loc = world.items[0], world.locations[0]
    with pytest.raises(
        PeriodClosed, match="The books are closed through 2025-12-31: nothing can be posted on 2025-12-20."
    ):
        post_moves(
            doc_type="T",
            doc_id=1,
            doc_number="T-1",
            lines=[MoveLine(item.pk, loc.pk, Decimal("2"), unit_cost=Decimal("1"))],
            user=world.clerk,
            moved_at=CLOSED_DAY,
        )
    assert not Posting.objects.exists()
