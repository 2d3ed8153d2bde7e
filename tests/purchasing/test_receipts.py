"""Receiving against purchase orders (收货/验收入库): partial receipts and backorders, rejected
goods never entering stock, the over-receipt tolerance, cost at the order price in base units,
batches, double posting, two clerks racing for one order line, and returns to the supplier."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from inventory.exceptions import AlreadyPosted, InventoryError
from inventory.ledger_check import ledger_differences
from inventory.models import Batch, ItemValuation, StockBalance, StockMove
from purchasing import services
from purchasing.models import OrderStatus, PurchaseReceipt, ReceiptStatus

from .conftest import D

pytestmark = pytest.mark.django_db


def receive(order, clerk, location, counts, *, post=True, day=None):
    """counts: {item sku: (accepted, rejected, reason, batch_no, expiry)} in the order's units."""
    receipt = services.receipt_create(order_id=order.pk, user=clerk, posting_date=day)
    by_sku = {ln.order_line.item.sku: ln for ln in receipt.lines.select_related("order_line__item")}
    lines = []
    for sku, (accepted, rejected, reason, batch_no, expiry) in counts.items():
        lines.append(
            services.ReceiptLineInput(
                order_line_id=by_sku[sku].order_line_id,
                location_id=location.pk,
                accepted_qty=D(accepted),
                rejected_qty=D(rejected),
                reject_reason=reason,
                batch_no=batch_no,
                expiry_date=expiry,
            )
        )
    services.receipt_set_lines(receipt_id=receipt.pk, lines=lines)
    if post:
        services.receipt_post(receipt_id=receipt.pk, user=clerk)
    receipt.refresh_from_db()
    return receipt


def on_hand(item, location=None):
    qs = StockBalance.objects.filter(item=item)
    if location is not None:
        qs = qs.filter(location=location)
    return sum((b.on_hand for b in qs), D("0"))


def expiry():
    return timezone.localdate() + timedelta(days=21)


def test_a_partial_receipt_with_a_rejected_line_leaves_a_backorder(
    approved_order, storeman, bin_a, milk, yoghurt
):
    receipt = receive(
        approved_order,
        storeman,
        bin_a,
        {
            "MILK": ("8", "2", "damaged", "", None),  # 10 boxes arrived, 2 crushed
            "YOG": ("5", "0", "", "Y-1101", expiry()),
        },
    )
    assert receipt.status == ReceiptStatus.POSTED
    approved_order.refresh_from_db()
    assert approved_order.status == OrderStatus.PARTIAL
    milk_line, yog_line = approved_order.lines.order_by("id")
    # milk: 10 boxes × 24 ordered = 240 bottles; 8 boxes accepted = 192; 2 rejected = 48; backorder 48
    assert (milk_line.received_base_qty, milk_line.rejected_base_qty, milk_line.backorder_base_qty) == (
        D("192"),
        D("48"),
        D("48"),
    )
    # yoghurt: 20 boxes × 12 = 240; 5 boxes = 60 accepted; backorder 180
    assert (yog_line.received_base_qty, yog_line.backorder_base_qty) == (D("60"), D("180"))
    # the rejected boxes never entered stock
    assert on_hand(milk) == D("192")
    assert on_hand(yoghurt, bin_a) == D("60")
    # at the order price per base unit: ¥60 / 24 = ¥2.5 a bottle; 8 boxes × ¥60 = ¥480.00
    milk_move = StockMove.objects.get(item=milk)
    assert (milk_move.qty, milk_move.unit_cost, milk_move.value) == (D("192"), D("2.5"), D("480.00"))
    assert ItemValuation.objects.get(item=milk).avg_cost == D("2.5")
    # what the supplier is owed for it: 480.00 + 13% = 62.40
    milk_receipt_line = receipt.lines.get(order_line=milk_line)
    assert (milk_receipt_line.amount, milk_receipt_line.tax, milk_receipt_line.reject_reason) == (
        D("480.00"),
        D("62.40"),
        "damaged",
    )
    batch = Batch.objects.get(item=yoghurt, batch_no="Y-1101")
    assert batch.expiry_date == expiry()
    assert ledger_differences() == []


def test_the_rest_arrives_and_the_order_is_received(approved_order, storeman, bin_a, bin_b, milk, yoghurt):
    receive(approved_order, storeman, bin_a, {"MILK": ("8", "2", "damaged", "", None)})
    second = receive(
        approved_order,
        storeman,
        bin_b,
        {"MILK": ("2", "0", "", "", None), "YOG": ("20", "0", "", "Y-1102", expiry())},
    )
    # the second receipt offered only what was still outstanding
    assert second.lines.count() == 2
    approved_order.refresh_from_db()
    assert approved_order.status == OrderStatus.RECEIVED
    assert [ln.backorder_base_qty for ln in approved_order.lines.order_by("id")] == [D("0"), D("0")]
    assert (on_hand(milk, bin_a), on_hand(milk, bin_b)) == (D("192"), D("48"))
    statuses = list(approved_order.events.values_list("new_status", flat=True))
    assert statuses[-2:] == ["partial", "received"]


def test_a_receipt_beyond_the_tolerance_is_refused_and_changes_nothing(
    approved_order, storeman, bin_a, milk, settings
):
    settings.PURCHASE_OVER_RECEIPT_TOLERANCE = D("5")
    # 10 boxes + 5% = 10.5 boxes = 252 bottles; 10.5 boxes pass, 11 do not
    with pytest.raises(services.PurchasingError) as refused:
        receive(approved_order, storeman, bin_a, {"MILK": ("11", "0", "", "", None)})
    assert str(refused.value.message) == (
        "Line 1: MILK 纯牛奶 ordered 240 个, received before 0, now 264 — more than the 5% over-receipt "
        "tolerance allows (at most 252 in all)."
    )
    assert on_hand(milk) == D("0")
    assert PurchaseReceipt.objects.get(order=approved_order).status == ReceiptStatus.DRAFT
    approved_order.refresh_from_db()
    assert approved_order.status == OrderStatus.APPROVED
    receive(approved_order, storeman, bin_a, {"MILK": ("10.5", "0", "", "", None)})
    assert on_hand(milk) == D("252")


def test_a_rejected_quantity_needs_a_reason(approved_order, storeman, bin_a):
    with pytest.raises(services.PurchasingError, match="say why 2 of .*纯牛奶.* were rejected"):
        receive(approved_order, storeman, bin_a, {"MILK": ("8", "2", "", "", None)}, post=False)


def test_batch_tracked_goods_need_batch_and_expiry(approved_order, storeman, bin_a, yoghurt):
    with pytest.raises(InventoryError, match="tracked by batch; enter the batch number"):
        receive(approved_order, storeman, bin_a, {"YOG": ("1", "0", "", "", None)})
    receipt = PurchaseReceipt.objects.get(order=approved_order)
    services.receipt_cancel(receipt_id=receipt.pk, user=storeman)
    with pytest.raises(InventoryError, match="tracked by expiry date; enter it"):
        receive(approved_order, storeman, bin_a, {"YOG": ("1", "0", "", "Y-9", None)})
    assert on_hand(yoghurt) == D("0")


def test_put_away_only_in_the_orders_warehouse(approved_order, storeman):
    from tests.factories import LocationFactory

    elsewhere = LocationFactory(code="X-01")
    with pytest.raises(services.PurchasingError, match="put the goods away in a location of 上海总仓"):
        receive(approved_order, storeman, elsewhere, {"MILK": ("1", "0", "", "", None)}, post=False)


def test_posting_twice_receives_once(approved_order, storeman, bin_a, milk):
    receipt = receive(approved_order, storeman, bin_a, {"MILK": ("3", "0", "", "", None)})
    with pytest.raises(AlreadyPosted, match="has already been posted"):
        services.receipt_post(receipt_id=receipt.pk, user=storeman)
    assert on_hand(milk) == D("72")
    assert approved_order.lines.get(item=milk).received_base_qty == D("72")


def test_nothing_counted_cannot_be_posted(approved_order, storeman):
    receipt = services.receipt_create(order_id=approved_order.pk, user=storeman)
    with pytest.raises(services.PurchasingError, match="has nothing received"):
        services.receipt_post(receipt_id=receipt.pk, user=storeman)


def test_a_draft_order_cannot_be_received(supplier, wh, buyer, storeman):
    order = services.order_create(supplier=supplier, warehouse=wh, user=buyer)
    with pytest.raises(
        services.InvalidTransition, match="Draft; goods are received only against approved orders"
    ):
        services.receipt_create(order_id=order.pk, user=storeman)


# Returns to supplier -----------------------------------------------------------------------------


def test_a_return_leaves_at_the_cost_the_goods_came_in_with(
    approved_order, storeman, buyer, bin_a, milk, milk_price
):
    receipt = receive(approved_order, storeman, bin_a, {"MILK": ("10", "0", "", "", None)})  # 240 at ¥2.5
    # the average moves: 60 bottles more at ¥3.00 (a stock gain priced by hand)
    from inventory.services import MoveLine, post_moves

    post_moves(
        doc_type="test-in",
        doc_id=1,
        doc_number="T-1",
        lines=[MoveLine(item_id=milk.pk, location_id=bin_a.pk, qty=D("60"), unit_cost=D("3"))],
        user=storeman,
    )
    # average now (600 + 180) / 300 = 2.6
    assert ItemValuation.objects.get(item=milk).avg_cost == D("2.6")
    line = receipt.lines.get()
    ret = services.return_create(
        receipt_id=receipt.pk,
        user=buyer,
        reason="defective",
        lines=[services.ReturnLineInput(receipt_line_id=line.pk, qty=D("3"))],
    )
    # 3 boxes × ¥60 = 180.00 + 13% tax 23.40 = 203.40 no longer owed
    assert ret.amount == D("203.40")
    ret = services.return_post(return_id=ret.pk, user=buyer)
    move = StockMove.objects.get(posting=ret.posting)
    # 72 bottles out at ¥2.5 (their receipt cost), not at the average ¥2.6
    assert (move.qty, move.value) == (D("-72"), D("-180.00"))
    assert on_hand(milk) == D("228")
    valuation = ItemValuation.objects.get(item=milk)
    assert (valuation.qty, valuation.value) == (D("228"), D("600.00"))  # 780 − 180
    line.refresh_from_db()
    assert (line.returned_base_qty, line.returned_value) == (D("72"), D("180.00"))
    with pytest.raises(AlreadyPosted):
        services.return_post(return_id=ret.pk, user=buyer)
    # at most what is left of the receipt (240 − 72 = 168 bottles = 7 boxes)
    too_many = services.return_create(
        receipt_id=receipt.pk,
        user=buyer,
        reason="defective",
        lines=[services.ReturnLineInput(receipt_line_id=line.pk, qty=D("8"))],
    )
    with pytest.raises(
        services.PurchasingError, match="192 to return, but only 168 of this receipt are left"
    ):
        services.return_post(return_id=too_many.pk, user=buyer)
    rest = services.return_create(
        receipt_id=receipt.pk,
        user=buyer,
        reason="surplus",
        lines=[services.ReturnLineInput(receipt_line_id=line.pk, qty=D("7"))],
    )
    rest = services.return_post(return_id=rest.pk, user=buyer)
    # the last units take exactly what is left of the receipt's value: 600.00 − 180.00 = 420.00
    assert StockMove.objects.get(posting=rest.posting).value == D("-420.00")
    assert on_hand(milk) == D("60")
    assert ItemValuation.objects.get(item=milk).value == D("180.00")  # the ¥3.00 gain is what is left
    assert ledger_differences() == []


def test_a_return_needs_a_posted_receipt_and_a_quantity(approved_order, storeman, buyer, bin_a):
    receipt = receive(approved_order, storeman, bin_a, {"MILK": ("1", "0", "", "", None)}, post=False)
    with pytest.raises(services.InvalidTransition, match="Only goods of a posted receipt can be returned"):
        services.return_create(receipt_id=receipt.pk, user=buyer, reason="defective", lines=[])
    services.receipt_post(receipt_id=receipt.pk, user=storeman)
    with pytest.raises(services.PurchasingError, match="Enter the quantity to return on at least one line"):
        services.return_create(
            receipt_id=receipt.pk,
            user=buyer,
            reason="defective",
            lines=[services.ReturnLineInput(receipt_line_id=receipt.lines.get().pk, qty=D("0"))],
        )


# Two clerks at once ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_clerks_receiving_one_line_at_once_cannot_exceed_ordered_plus_tolerance(
    approved_order, storeman, bin_a, milk, settings
):
    settings.PURCHASE_OVER_RECEIPT_TOLERANCE = D("0")
    # two receipts of 7 boxes each against 10 ordered: one posts, the other is refused
    receipts = [
        receive(approved_order, storeman, bin_a, {"MILK": ("7", "0", "", "", None)}, post=False)
        for _ in range(2)
    ]
    barrier = threading.Barrier(2)
    results = []

    def work(receipt):
        try:
            barrier.wait()
            services.receipt_post(receipt_id=receipt.pk, user=storeman)
            results.append("posted")
        except services.PurchasingError as exc:
            results.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(r,)) for r in receipts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results, key=len) == [
        "posted",
        "Line 1: MILK 纯牛奶 ordered 240 个, received before 168, now 168 — more than the 0% over-receipt "
        "tolerance allows (at most 240 in all).",
    ]
    assert on_hand(milk) == D("168")
    assert approved_order.lines.get(item=milk).received_base_qty == D("168")
    assert ledger_differences() == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_double_submitted_receipt_posts_once(approved_order, storeman, bin_a, milk):
    receipt = receive(approved_order, storeman, bin_a, {"MILK": ("4", "0", "", "", None)}, post=False)
    barrier = threading.Barrier(2)
    results = []

    def work():
        try:
            barrier.wait()
            services.receipt_post(receipt_id=receipt.pk, user=storeman)
            results.append("posted")
        except AlreadyPosted:
            results.append("already")
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["already", "posted"]
    assert on_hand(milk) == D("96")
    assert StockMove.objects.filter(item=milk).count() == 1
