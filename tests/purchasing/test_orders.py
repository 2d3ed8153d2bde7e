"""Purchase orders: totals to the fen (unit conversion, price breaks, tax), the status flow with
its audit trail, the approval threshold, self-approval and cancellation rules."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from purchasing import services
from purchasing.models import OrderEvent, OrderStatus, PurchaseOrder

from .conftest import D

pytestmark = pytest.mark.django_db


def lines_of(order):
    return list(order.lines.order_by("id"))


def test_prices_come_from_the_price_list_with_breaks_and_unit_conversion(
    supplier, wh, buyer, milk, box, milk_price
):
    order = services.order_create(supplier=supplier, warehouse=wh, user=buyer)
    services.order_set_lines(
        order_id=order.pk,
        lines=[
            # 99 boxes: below the break, ¥60.00 a box
            services.OrderLineInput(item=milk, unit_id=box.pk, qty=D("99")),
            # 100 boxes: the break applies, ¥55.50 a box
            services.OrderLineInput(item=milk, unit_id=box.pk, qty=D("100")),
            # 2,400 bottles are 100 boxes: the break applies, ¥55.50 / 24 = ¥2.3125 a bottle
            services.OrderLineInput(item=milk, unit_id=milk.base_unit_id, qty=D("2400")),
            # 7 bottles at ¥60 / 24 = ¥2.5000, 9% tax
            services.OrderLineInput(item=milk, unit_id=milk.base_unit_id, qty=D("7"), tax_rate=D("9")),
        ],
    )
    order.refresh_from_db()
    a, b, c, d = lines_of(order)
    assert (a.price, a.list_price, a.amount, a.tax) == (D("60.0000"), D("60.0000"), D("5940.00"), D("772.20"))
    assert (b.price, b.amount, b.tax) == (D("55.5000"), D("5550.00"), D("721.50"))
    assert (c.price, c.base_qty, c.amount, c.tax) == (D("2.3125"), D("2400.0000"), D("5550.00"), D("721.50"))
    assert (a.factor, a.base_qty) == (D("24"), D("2376.0000"))
    # 7 × 2.5 = 17.50; tax 17.50 × 9% = 1.575 → 1.58 (half up)
    assert (d.price, d.amount, d.tax) == (D("2.5000"), D("17.50"), D("1.58"))
    assert order.total_net == D("5940.00") + D("5550.00") + D("5550.00") + D("17.50") == D("17057.50")
    assert order.total_tax == D("772.20") + D("721.50") + D("721.50") + D("1.58") == D("2216.78")
    assert order.total == D("19274.28")


def test_an_entered_price_wins_over_the_list_and_the_list_price_is_kept_for_variance(
    supplier, wh, buyer, milk, box, milk_price
):
    order = services.order_create(supplier=supplier, warehouse=wh, user=buyer)
    services.order_set_lines(
        order_id=order.pk,
        lines=[services.OrderLineInput(item=milk, unit_id=box.pk, qty=D("3"), price=D("58.333"))],
    )
    line = order.lines.get()
    # 3 × 58.333 = 174.999 → 175.00; tax 22.75
    assert (line.price, line.list_price, line.amount, line.tax) == (
        D("58.3330"),
        D("60.0000"),
        D("175.00"),
        D("22.75"),
    )


def test_an_item_without_a_price_needs_one(supplier, wh, buyer, yoghurt, box):
    order = services.order_create(supplier=supplier, warehouse=wh, user=buyer)
    with pytest.raises(services.PurchasingError, match="华东食品 has no price for .*酸奶.*; enter the price"):
        services.order_set_lines(
            order_id=order.pk, lines=[services.OrderLineInput(item=yoghurt, unit_id=box.pk, qty=D("1"))]
        )
    assert order.lines.count() == 0


def test_bad_lines_change_nothing(supplier, wh, buyer, milk, box, milk_price):
    order = services.order_create(supplier=supplier, warehouse=wh, user=buyer)
    services.order_set_lines(
        order_id=order.pk, lines=[services.OrderLineInput(item=milk, unit_id=box.pk, qty=D("2"))]
    )
    with pytest.raises(services.PurchasingError, match="Line 2: the quantity must be greater than zero"):
        services.order_set_lines(
            order_id=order.pk,
            lines=[
                services.OrderLineInput(item=milk, unit_id=box.pk, qty=D("5")),
                services.OrderLineInput(item=milk, unit_id=box.pk, qty=D("0")),
            ],
        )
    order.refresh_from_db()
    assert [ln.qty for ln in order.lines.all()] == [D("2.0000")]
    assert order.total == D("135.60")  # 120.00 + 15.60


def test_expected_date_defaults_to_the_supplier_lead_time(supplier, wh, buyer):
    order = services.order_create(supplier=supplier, warehouse=wh, user=buyer, order_date=date(2026, 11, 2))
    assert order.expected_date == date(2026, 11, 7)
    assert order.number.startswith("PO-2026-")


def test_small_orders_are_approved_on_submit_and_the_trail_says_so(approved_order, buyer):
    assert approved_order.status == OrderStatus.APPROVED
    assert approved_order.total == D("1356.00")  # (600 + 600) × 1.13
    assert approved_order.approved_by == buyer
    trail = list(
        OrderEvent.objects.filter(order=approved_order).values_list(
            "old_status", "new_status", "by__username"
        )
    )
    assert trail == [("", "draft", "lina"), ("draft", "submitted", "lina"), ("submitted", "approved", "lina")]


@pytest.fixture
def big_order(supplier, wh, buyer, milk, box, milk_price):
    order = services.order_create(supplier=supplier, warehouse=wh, user=buyer)
    services.order_set_lines(
        order_id=order.pk, lines=[services.OrderLineInput(item=milk, unit_id=box.pk, qty=D("160"))]
    )
    order.refresh_from_db()
    assert order.total == D("10034.40")  # 160 × 55.50 = 8,880.00; tax 1,154.40
    return order


def test_orders_above_the_threshold_wait_for_a_manager(big_order, buyer, boss, settings):
    services.order_submit(order_id=big_order.pk, user=buyer)
    big_order.refresh_from_db()
    assert big_order.status == OrderStatus.SUBMITTED and big_order.approved_by is None
    services.order_approve(order_id=big_order.pk, user=boss)
    big_order.refresh_from_db()
    assert big_order.status == OrderStatus.APPROVED and big_order.approved_by == boss
    assert big_order.events.last().by == boss


def test_the_threshold_is_a_setting(big_order, buyer, settings):
    settings.PURCHASE_APPROVAL_THRESHOLD = D("10034.40")  # "exceeds": equal is within
    services.order_submit(order_id=big_order.pk, user=buyer)
    big_order.refresh_from_db()
    assert big_order.status == OrderStatus.APPROVED


def test_nobody_approves_their_own_order(big_order, boss, buyer):
    # a manager who wrote and submitted the order may not approve it either
    services.order_submit(order_id=big_order.pk, user=boss)
    with pytest.raises(services.InvalidTransition, match="cannot approve an order you created or submitted"):
        services.order_approve(order_id=big_order.pk, user=boss)
    PurchaseOrder.objects.filter(pk=big_order.pk).update(created_by=boss)
    with pytest.raises(services.InvalidTransition):
        services.order_approve(order_id=big_order.pk, user=boss)
    assert PurchaseOrder.objects.get(pk=big_order.pk).status == OrderStatus.SUBMITTED


def test_a_rejected_order_goes_back_to_draft_with_the_reason(big_order, buyer, boss):
    services.order_submit(order_id=big_order.pk, user=buyer)
    with pytest.raises(services.PurchasingError, match="Say why"):
        services.order_reject(order_id=big_order.pk, user=boss, note="  ")
    services.order_reject(order_id=big_order.pk, user=boss, note="价格太高")
    big_order.refresh_from_db()
    assert big_order.status == OrderStatus.DRAFT and big_order.submitted_by is None
    assert big_order.events.last().note == "价格太高"


def test_only_drafts_are_edited(approved_order, milk, box):
    with pytest.raises(services.InvalidTransition, match="Only a draft can be edited; PO-.* is Approved"):
        services.order_set_lines(
            order_id=approved_order.pk, lines=[services.OrderLineInput(item=milk, unit_id=box.pk, qty=D("1"))]
        )


def test_an_empty_order_cannot_be_submitted(supplier, wh, buyer):
    order = services.order_create(supplier=supplier, warehouse=wh, user=buyer)
    with pytest.raises(services.PurchasingError, match="has no lines"):
        services.order_submit(order_id=order.pk, user=buyer)


def test_cancel_what_is_not_received_and_close_what_is_partly(approved_order, buyer, storeman, bin_a):
    receipt = services.receipt_create(order_id=approved_order.pk, user=storeman)
    milk_line, yog_line = receipt.lines.order_by("id")
    services.receipt_set_lines(
        receipt_id=receipt.pk,
        lines=[
            services.ReceiptLineInput(
                order_line_id=milk_line.order_line_id, location_id=bin_a.pk, accepted_qty=D("4")
            )
        ],
    )
    services.receipt_post(receipt_id=receipt.pk, user=storeman)
    with pytest.raises(services.InvalidTransition, match="close it to drop what is still outstanding"):
        services.order_cancel(order_id=approved_order.pk, user=buyer)
    services.order_close(order_id=approved_order.pk, user=buyer, note="余量不要了")
    approved_order.refresh_from_db()
    assert approved_order.status == OrderStatus.CLOSED
    with pytest.raises(services.InvalidTransition, match="is Closed and cannot become Cancelled"):
        services.order_cancel(order_id=approved_order.pk, user=buyer)


def test_cancelling_an_approved_order_cancels_its_draft_receipts(approved_order, buyer, storeman):
    receipt = services.receipt_create(order_id=approved_order.pk, user=storeman)
    services.order_cancel(order_id=approved_order.pk, user=buyer, note="供应商缺货")
    receipt.refresh_from_db()
    assert receipt.status == "cancelled"
    with pytest.raises(services.InvalidTransition, match="goods are received only against approved orders"):
        services.receipt_create(order_id=approved_order.pk, user=storeman)


def test_a_future_expected_date_before_the_order_date_is_refused(supplier, wh, buyer):
    today = timezone.localdate()
    with pytest.raises(services.PurchasingError, match="expected date cannot be before the order date"):
        services.order_create(
            supplier=supplier, warehouse=wh, user=buyer, expected_date=today - timedelta(days=1)
        )
