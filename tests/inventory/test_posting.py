"""The posting service: exact quantities and moving-average values, idempotency, refusals."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from inventory.exceptions import AlreadyPosted, InsufficientStock, InventoryError
from inventory.ledger_check import ledger_differences
from inventory.models import ItemValuation, Posting, StockBalance, StockMove
from inventory.services import MoveLine, post_moves, reverse_posting
from tests.factories import ItemFactory

from .test_posting_fastpath import posting_path  # noqa: F401 - every test once per posting path


def fast_path() -> bool:
    return settings.INVENTORY_POSTING_FASTPATH


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("posting_path")]
_doc = iter(range(1, 10_000))


def post(lines, user, **kw):
    n = next(_doc)
    return post_moves(doc_type="TEST", doc_id=n, doc_number=f"T-{n}", lines=lines, user=user, **kw)


def on_hand(item, location, batch=None):
    return StockBalance.objects.get(item=item, location=location, batch=batch).on_hand


def valuation(item):
    v = ItemValuation.objects.get(item=item)
    return v.qty, v.value, v.avg_cost


def test_receipts_set_the_moving_average_and_issues_take_their_share(clerk, milk, loc_a):
    # 10 at 3.00 = 30.00; 20 at 3.60 = 72.00 → 30 units worth 102.00, average 3.40
    post([MoveLine(milk.pk, loc_a.pk, Decimal("10"), unit_cost=Decimal("3.00"))], clerk)
    post([MoveLine(milk.pk, loc_a.pk, Decimal("20"), unit_cost=Decimal("3.60"))], clerk)
    assert valuation(milk) == (Decimal("30"), Decimal("102.00"), Decimal("3.400000"))

    # issue 7: 102.00 × 7 / 30 = 23.80 → 23 left worth 78.20
    post([MoveLine(milk.pk, loc_a.pk, Decimal("-7"))], clerk)
    assert valuation(milk) == (Decimal("23"), Decimal("78.20"), Decimal("3.400000"))
    assert StockMove.objects.order_by("-pk").first().value == Decimal("-23.80")
    assert on_hand(milk, loc_a) == Decimal("23")


def test_rounding_is_to_the_fen_and_the_last_units_take_exactly_what_is_left(clerk, milk, loc_a):
    # 3 at 1.00 = 3.00 and 1 … average of 10.00 / 3 is 3.333333…
    post([MoveLine(milk.pk, loc_a.pk, Decimal("3"), unit_cost=Decimal("3.3333"))], clerk)  # 9.9999 → 10.00
    assert valuation(milk)[1] == Decimal("10.00")
    post([MoveLine(milk.pk, loc_a.pk, Decimal("-1"))], clerk)  # 10.00 × 1/3 = 3.333… → 3.33
    post([MoveLine(milk.pk, loc_a.pk, Decimal("-1"))], clerk)  # 6.67 × 1/2 = 3.335 → 3.34 (half up)
    post([MoveLine(milk.pk, loc_a.pk, Decimal("-1"))], clerk)  # the last unit: exactly 3.33
    values = list(StockMove.objects.filter(qty__lt=0).order_by("pk").values_list("value", flat=True))
    assert values == [Decimal("-3.33"), Decimal("-3.34"), Decimal("-3.33")]
    assert valuation(milk)[:2] == (Decimal("0"), Decimal("0.00"))
    assert ledger_differences() == []


def test_a_transfer_moves_quantity_and_keeps_the_items_value(clerk, milk, loc_a, loc_b):
    post([MoveLine(milk.pk, loc_a.pk, Decimal("3"), unit_cost=Decimal("3.3333"))], clerk)
    post(
        [MoveLine(milk.pk, loc_a.pk, Decimal("-1")), MoveLine(milk.pk, loc_b.pk, Decimal("1"), mirror_of=0)],
        clerk,
    )
    assert (on_hand(milk, loc_a), on_hand(milk, loc_b)) == (Decimal("2"), Decimal("1"))
    assert valuation(milk)[:2] == (Decimal("3"), Decimal("10.00"))
    out, into = StockMove.objects.order_by("-pk")[:2][::-1]
    assert (out.value, into.value) == (Decimal("-3.33"), Decimal("3.33"))


def test_an_issue_beyond_what_is_available_is_refused_and_writes_nothing(clerk, milk, loc_a):
    post([MoveLine(milk.pk, loc_a.pk, Decimal("5"), unit_cost=Decimal("2"))], clerk)
    StockBalance.objects.filter(item=milk).update(reserved=Decimal("2"))
    before = (StockMove.objects.count(), Posting.objects.count(), valuation(milk))

    with pytest.raises(InsufficientStock) as refused:
        post([MoveLine(milk.pk, loc_a.pk, Decimal("-4"))], clerk)

    assert refused.value.message == (f"Not enough stock: {milk} at {loc_a}: wanted 4, available 3.")
    assert (StockMove.objects.count(), Posting.objects.count(), valuation(milk)) == before
    assert on_hand(milk, loc_a) == Decimal("5")


def test_shortage_names_the_batch(clerk, batch_item, batch, loc_a):
    with pytest.raises(InsufficientStock) as refused:
        post([MoveLine(batch_item.pk, loc_a.pk, Decimal("-1"), batch_id=batch.pk)], clerk)
    assert "batch L20261101: wanted 1, available 0" in refused.value.message


def test_posting_the_same_document_twice_posts_it_once(clerk, milk, loc_a):
    line = [MoveLine(milk.pk, loc_a.pk, Decimal("5"), unit_cost=Decimal("2"))]
    post_moves(doc_type="GR", doc_id=77, doc_number="GR-2026-000077", lines=line, user=clerk)
    with pytest.raises(AlreadyPosted, match="GR-2026-000077 has already been posted."):
        post_moves(doc_type="GR", doc_id=77, doc_number="GR-2026-000077", lines=line, user=clerk)
    assert on_hand(milk, loc_a) == Decimal("5")
    assert StockMove.objects.count() == 1


def test_reversal_restores_balances_and_value_and_happens_once(clerk, milk, loc_a, loc_b):
    post([MoveLine(milk.pk, loc_a.pk, Decimal("10"), unit_cost=Decimal("3"))], clerk)
    before = valuation(milk)
    receipt = post([MoveLine(milk.pk, loc_a.pk, Decimal("20"), unit_cost=Decimal("3.6"))], clerk)
    transfer = post(
        [MoveLine(milk.pk, loc_a.pk, Decimal("-4")), MoveLine(milk.pk, loc_b.pk, Decimal("4"), mirror_of=0)],
        clerk,
    )

    reverse_posting(transfer, doc_type="TEST-R", doc_id=1, doc_number="R-1", user=clerk)
    reverse_posting(receipt, doc_type="TEST-R", doc_id=2, doc_number="R-2", user=clerk)

    assert valuation(milk) == before
    assert (on_hand(milk, loc_a), on_hand(milk, loc_b)) == (Decimal("10"), Decimal("0"))
    with pytest.raises(AlreadyPosted, match="has already been reversed"):
        reverse_posting(receipt, doc_type="TEST-R", doc_id=3, doc_number="R-3", user=clerk)
    assert ledger_differences() == []


def test_batch_rules(clerk, milk, batch_item, batch, loc_a):
    with pytest.raises(InventoryError, match="tracked by batch; choose a batch"):
        post([MoveLine(batch_item.pk, loc_a.pk, Decimal("1"), unit_cost=Decimal("1"))], clerk)
    with pytest.raises(InventoryError, match="not tracked by batch"):
        post([MoveLine(milk.pk, loc_a.pk, Decimal("1"), batch_id=batch.pk, unit_cost=Decimal("1"))], clerk)
    post(
        [MoveLine(batch_item.pk, loc_a.pk, Decimal("6"), batch_id=batch.pk, unit_cost=Decimal("4.5"))], clerk
    )
    assert on_hand(batch_item, loc_a, batch) == Decimal("6")


def test_moves_cannot_be_updated_or_deleted(clerk, milk, loc_a):
    post([MoveLine(milk.pk, loc_a.pk, Decimal("5"), unit_cost=Decimal("2"))], clerk)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        StockMove.objects.update(qty=Decimal("500"))
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        StockMove.objects.all().delete()
    assert list(StockMove.objects.values_list("qty", flat=True)) == [Decimal("5")]


def _statements_to_post(clerk, location, n_lines):
    items = ItemFactory.create_batch(n_lines)
    receipt = [MoveLine(i.pk, location.pk, Decimal("10"), unit_cost=Decimal("1.25")) for i in items]
    issue = [MoveLine(i.pk, location.pk, Decimal("-3")) for i in items]
    with CaptureQueriesContext(connection) as in_:
        post(receipt, clerk)
    with CaptureQueriesContext(connection) as out:
        post(issue, clerk)
    return len(in_), len(out)


def test_a_posting_costs_the_same_statements_whatever_its_line_count(clerk, loc_a):
    one = _statements_to_post(clerk, loc_a, 1)
    fifty = _statements_to_post(clerk, loc_a, 50)
    assert one == fifty
    if fast_path():
        # savepoint (the test's transaction), SELECT jxc_post_moves(…), release
        assert one == (3, 3)
    else:
        # savepoint (the test's transaction), shared advisory lock (PostgreSQL only),
        # closed-period check, savepoint + insert posting + release, items, locations,
        # insert valuations, lock valuations, [insert balances: receipts only], lock balances,
        # insert moves, update balances, update valuations, release
        assert one == ((16, 15) if connection.vendor == "postgresql" else (15, 14))
