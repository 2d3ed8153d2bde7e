"""Warehouse documents through their life: exact quantities and values, approval, reversal."""

from decimal import Decimal

import pytest

from inventory.exceptions import AlreadyPosted, InsufficientStock, InventoryError
from inventory.ledger_check import ledger_differences
from inventory.models import Batch, ItemValuation, StockBalance, StockDocument
from inventory.services import (
    LineInput,
    document_approve,
    document_cancel,
    document_create,
    document_post,
    document_reverse,
    document_set_lines,
    document_submit,
)
from inventory.services.documents import InvalidTransition
from tests.factories import ItemUnitFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def make(kind, wh, user, lines, **fields):
    doc = document_create(kind=kind, warehouse=wh, user=user, **fields)
    document_set_lines(document=doc, lines=lines)
    return doc


def bal(item, location, batch=None):
    row = StockBalance.objects.filter(item=item, location=location, batch=batch).first()
    return row.on_hand if row else Decimal("0")


def value(item):
    return ItemValuation.objects.get(item=item).value


@pytest.fixture
def box(milk):
    # 1 箱 = 24 瓶 (the base unit)
    return ItemUnitFactory(item=milk, unit=UnitFactory(code="BOX", name="箱"), factor=Decimal("24")).unit


def test_a_receipt_in_cases_posts_base_units_at_the_cost_per_base_unit(clerk, wh, milk, loc_a, box):
    doc = make(
        "receipt", wh, clerk, [LineInput(milk, loc_a.pk, box.pk, Decimal("2"), unit_cost=Decimal("60.00"))]
    )
    assert doc.number.startswith("GR-")

    document_post(document_id=doc.pk, user=clerk)

    # 2 箱 × 24 = 48 瓶 at 60.00 / 24 = 2.50 each → 120.00
    assert bal(milk, loc_a) == Decimal("48")
    assert value(milk) == Decimal("120.00")
    doc.refresh_from_db()
    assert (doc.status, doc.posted_by) == ("posted", clerk)
    with pytest.raises(AlreadyPosted, match="has already been posted"):
        document_post(document_id=doc.pk, user=clerk)
    assert bal(milk, loc_a) == Decimal("48")


def test_issue_transfer_and_loss_with_approval(clerk, wh, milk, loc_a, loc_b):
    manager = UserFactory(username="boss")
    receipt = make(
        "receipt",
        wh,
        clerk,
        [LineInput(milk, loc_a.pk, milk.base_unit_id, Decimal("30"), unit_cost=Decimal("3.40"))],
    )
    document_post(document_id=receipt.pk, user=clerk)  # 30 × 3.40 = 102.00

    issue = make("issue", wh, clerk, [LineInput(milk, loc_a.pk, milk.base_unit_id, Decimal("7"))])
    document_post(document_id=issue.pk, user=clerk)  # 102.00 × 7/30 = 23.80 → 78.20 left
    transfer = make(
        "transfer",
        wh,
        clerk,
        [LineInput(milk, loc_a.pk, milk.base_unit_id, Decimal("3"), to_location_id=loc_b.pk)],
    )
    document_post(document_id=transfer.pk, user=clerk)
    assert (bal(milk, loc_a), bal(milk, loc_b), value(milk)) == (
        Decimal("20"),
        Decimal("3"),
        Decimal("78.20"),
    )

    loss = make(
        "loss", wh, clerk, [LineInput(milk, loc_b.pk, milk.base_unit_id, Decimal("1"))], reason="damaged"
    )
    with pytest.raises(InvalidTransition, match="needs a manager's approval"):
        document_post(document_id=loss.pk, user=clerk)
    document_submit(document_id=loss.pk, user=clerk)
    with pytest.raises(InvalidTransition, match="cannot approve a document you created"):
        document_approve(document_id=loss.pk, user=clerk)
    assert bal(milk, loc_b) == Decimal("3")

    document_approve(document_id=loss.pk, user=manager)
    loss.refresh_from_db()
    assert (loss.status, loss.approved_by, loss.posted_by) == ("posted", manager, manager)
    # 78.20 × 1/23 = 3.4000 → 3.40; 74.80 left for 22
    assert (bal(milk, loc_b), value(milk)) == (Decimal("2"), Decimal("74.80"))
    assert ledger_differences() == []


def test_an_issue_beyond_stock_is_refused_with_names_and_leaves_a_draft(clerk, wh, milk, loc_a):
    issue = make("issue", wh, clerk, [LineInput(milk, loc_a.pk, milk.base_unit_id, Decimal("5"))])
    with pytest.raises(InsufficientStock, match=f"{milk.sku}.*wanted 5, available 0"):
        document_post(document_id=issue.pk, user=clerk)
    issue.refresh_from_db()
    assert issue.status == "draft" and issue.posting is None


def test_reversal_is_a_linked_document_that_restores_stock_and_value(clerk, wh, milk, loc_a, loc_b):
    first = make(
        "receipt",
        wh,
        clerk,
        [LineInput(milk, loc_a.pk, milk.base_unit_id, Decimal("10"), unit_cost=Decimal("3"))],
    )
    document_post(document_id=first.pk, user=clerk)
    second = make(
        "receipt",
        wh,
        clerk,
        [LineInput(milk, loc_a.pk, milk.base_unit_id, Decimal("20"), unit_cost=Decimal("3.6"))],
    )
    document_post(document_id=second.pk, user=clerk)

    reversal = document_reverse(document_id=second.pk, user=clerk)

    second.refresh_from_db()
    assert second.status == "reversed"
    assert (reversal.reversal_of, reversal.status, reversal.kind) == (second, "posted", "receipt")
    assert [(ln.qty, ln.unit_cost) for ln in reversal.lines.all()] == [(Decimal("20"), Decimal("3.6"))]
    assert (bal(milk, loc_a), value(milk)) == (Decimal("10"), Decimal("30.00"))
    with pytest.raises(AlreadyPosted, match="has already been reversed"):
        document_reverse(document_id=second.pk, user=clerk)
    assert ledger_differences() == []


def test_receipt_creates_new_batches_and_an_issue_needs_an_existing_one(clerk, wh, batch_item, loc_a):
    receipt = make(
        "receipt",
        wh,
        clerk,
        [
            LineInput(
                batch_item,
                loc_a.pk,
                batch_item.base_unit_id,
                Decimal("12"),
                batch_no="L2026-11",
                expiry_date="2026-12-20",
                unit_cost=Decimal("4"),
            )
        ],
    )
    document_post(document_id=receipt.pk, user=clerk)
    batch = Batch.objects.get(item=batch_item, batch_no="L2026-11")
    assert str(batch.expiry_date) == "2026-12-20"
    assert bal(batch_item, loc_a, batch) == Decimal("12")

    issue = document_create(kind="issue", warehouse=wh, user=clerk)
    with pytest.raises(InventoryError, match="batch NOPE of .* does not exist"):
        document_set_lines(
            document=issue,
            lines=[LineInput(batch_item, loc_a.pk, batch_item.base_unit_id, Decimal("1"), batch_no="NOPE")],
        )
    with pytest.raises(InventoryError, match="enter the expiry|tracked by expiry date"):
        document_set_lines(
            document=document_create(kind="receipt", warehouse=wh, user=clerk),
            lines=[
                LineInput(
                    batch_item,
                    loc_a.pk,
                    batch_item.base_unit_id,
                    Decimal("1"),
                    batch_no="NEW",
                    unit_cost=Decimal("1"),
                )
            ],
        )


def test_cancelled_and_posted_documents_cannot_be_edited(clerk, wh, milk, loc_a):
    doc = make("issue", wh, clerk, [LineInput(milk, loc_a.pk, milk.base_unit_id, Decimal("1"))])
    document_cancel(document_id=doc.pk, user=clerk)
    with pytest.raises(InvalidTransition, match="Only a draft can be edited"):
        document_set_lines(document=doc, lines=[])
    with pytest.raises(InvalidTransition, match="cannot become"):
        document_post(document_id=doc.pk, user=clerk)
    assert StockDocument.objects.get(pk=doc.pk).status == "cancelled"


def test_lines_must_use_locations_of_the_documents_warehouses(clerk, wh, milk, loc_a):
    from tests.factories import LocationFactory, WarehouseFactory

    elsewhere = LocationFactory(warehouse=WarehouseFactory(code="HZ", name="杭州前置仓"), code="H-1")
    issue = document_create(kind="issue", warehouse=wh, user=clerk)
    with pytest.raises(InventoryError, match="Line 1: the location is not in 上海总仓."):
        document_set_lines(
            document=issue, lines=[LineInput(milk, elsewhere.pk, milk.base_unit_id, Decimal("1"))]
        )
    transfer = document_create(kind="transfer", warehouse=wh, user=clerk)  # within 上海总仓
    with pytest.raises(InventoryError, match="not in the receiving warehouse"):
        document_set_lines(
            document=transfer,
            lines=[LineInput(milk, loc_a.pk, milk.base_unit_id, Decimal("1"), to_location_id=elsewhere.pk)],
        )
    assert issue.lines.count() == transfer.lines.count() == 0


@pytest.mark.parametrize(
    ("qty", "cost"),
    [(Decimal("99999999999999"), Decimal("5")), (Decimal("4000000"), Decimal("9999999999"))],
    ids=["quantity-times-pack", "value"],
)
def test_a_line_too_large_for_the_books_is_refused_with_a_message(clerk, wh, milk, loc_a, box, qty, cost):
    doc = document_create(kind="receipt", warehouse=wh, user=clerk)
    with pytest.raises(InventoryError, match="Line 1: the quantity or its value is too large."):
        document_set_lines(document=doc, lines=[LineInput(milk, loc_a.pk, box.pk, qty, unit_cost=cost)])
    assert not doc.lines.exists()
