"""Transfers between warehouses travel: shipped into the receiving warehouse's in-transit
location, received from there. Quantities and values exact at every step; reversal from either
state; only the receiving warehouse's clerks receive."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from inventory.exceptions import AlreadyPosted, InsufficientStock, InventoryError
from inventory.ledger_check import ledger_differences
from inventory.models import ItemValuation, Location, LocationKind, StockBalance, StockDocument, StockMove
from inventory.services import (
    LineInput,
    MoveLine,
    document_create,
    document_post,
    document_receive,
    document_reverse,
    document_set_lines,
    post_moves,
)
from inventory.services.documents import InvalidTransition
from tests.factories import BatchFactory, ItemFactory, LocationFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def places(warehouse_a, warehouse_b):
    return {
        "a1": LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01"),
        "b1": LocationFactory(warehouse=warehouse_b, code="B-01", path="B-01"),
    }


@pytest.fixture
def milk(users, places):
    item = ItemFactory(sku="MILK", name="纯牛奶")
    # 30 at 3.40 = 102.00 and 10 at 3.10 = 31.00: 40 worth 133.00 in warehouse A
    for n, (qty, cost) in enumerate([(D("30"), D("3.40")), (D("10"), D("3.10"))], start=1):
        post_moves(
            doc_type="seed",
            doc_id=n,
            doc_number=f"SEED-{n}",
            user=users["manager"],
            lines=[MoveLine(item.pk, places["a1"].pk, qty, unit_cost=cost)],
        )
    return item


def on_hand(item, location):
    row = StockBalance.objects.filter(item=item, location=location).first()
    return row.on_hand if row else D("0")


def transit(warehouse):
    return Location.objects.get(warehouse=warehouse, kind=LocationKind.TRANSIT)


def shipped(users, warehouse_a, warehouse_b, places, item, qty):
    doc = document_create(
        kind="transfer", warehouse=warehouse_a, to_warehouse=warehouse_b, user=users["clerk_a"]
    )
    document_set_lines(
        document=doc,
        lines=[LineInput(item, places["a1"].pk, item.base_unit_id, qty, to_location_id=places["b1"].pk)],
    )
    return document_post(document_id=doc.pk, user=users["clerk_a"])


def test_a_transfer_between_warehouses_is_in_transit_until_received(
    users, warehouse_a, warehouse_b, places, milk
):
    doc = shipped(users, warehouse_a, warehouse_b, places, milk, D("12"))

    # shipped: 12 left A for B's in-transit location, at 133.00 × 12 / 40 = 39.90
    assert doc.status == "in_transit"
    in_transit = transit(warehouse_b)
    assert (on_hand(milk, places["a1"]), on_hand(milk, in_transit), on_hand(milk, places["b1"])) == (
        D("28"),
        D("12"),
        D("0"),
    )
    leg = list(
        StockMove.objects.filter(posting=doc.posting).order_by("seq").values_list("warehouse", "qty", "value")
    )
    assert leg == [(warehouse_a.pk, D("-12"), D("-39.90")), (warehouse_b.pk, D("12"), D("39.90"))]
    assert ItemValuation.objects.get(item=milk).value == D("133.00")  # moving does not change the value

    doc = document_receive(document_id=doc.pk, user=users["clerk_b"])

    assert (doc.status, doc.received_by) == ("posted", users["clerk_b"])
    assert (on_hand(milk, places["a1"]), on_hand(milk, in_transit), on_hand(milk, places["b1"])) == (
        D("28"),
        D("0"),
        D("12"),
    )
    arrival = list(
        StockMove.objects.filter(posting=doc.arrival_posting).order_by("seq").values_list("qty", "value")
    )
    assert arrival == [(D("-12"), D("-39.90")), (D("12"), D("39.90"))]
    with pytest.raises(AlreadyPosted, match="has already been received"):
        document_receive(document_id=doc.pk, user=users["clerk_b"])
    assert on_hand(milk, places["b1"]) == D("12")
    assert ledger_differences() == []


def test_goods_in_transit_cannot_be_issued_or_moved_by_hand(users, warehouse_a, warehouse_b, places, milk):
    shipped(users, warehouse_a, warehouse_b, places, milk, D("5"))
    issue = document_create(kind="issue", warehouse=warehouse_b, user=users["clerk_b"])

    with pytest.raises(InventoryError, match="Line 1: goods in transit are received with their transfer"):
        document_set_lines(
            document=issue, lines=[LineInput(milk, transit(warehouse_b).pk, milk.base_unit_id, D("5"))]
        )
    assert not issue.lines.exists()


def test_reversing_a_transfer_in_transit_brings_the_goods_back(users, warehouse_a, warehouse_b, places, milk):
    doc = shipped(users, warehouse_a, warehouse_b, places, milk, D("12"))

    reversal = document_reverse(document_id=doc.pk, user=users["manager"])

    doc.refresh_from_db()
    assert (doc.status, reversal.status, reversal.reversal_of) == ("reversed", "posted", doc)
    assert (on_hand(milk, places["a1"]), on_hand(milk, transit(warehouse_b))) == (D("40"), D("0"))
    assert ItemValuation.objects.get(item=milk).value == D("133.00")
    with pytest.raises(InvalidTransition):
        document_receive(document_id=doc.pk, user=users["clerk_b"])
    assert ledger_differences() == []


def test_reversing_a_received_transfer_undoes_both_legs(users, warehouse_a, warehouse_b, places, milk):
    doc = shipped(users, warehouse_a, warehouse_b, places, milk, D("12"))
    document_receive(document_id=doc.pk, user=users["clerk_b"])

    reversal = document_reverse(document_id=doc.pk, user=users["manager"])

    assert (
        on_hand(milk, places["a1"]),
        on_hand(milk, transit(warehouse_b)),
        on_hand(milk, places["b1"]),
    ) == (
        D("40"),
        D("0"),
        D("0"),
    )
    # back from B to transit, then from transit to A: four moves, each at 39.90
    values = list(
        StockMove.objects.filter(posting__in=[reversal.posting, reversal.arrival_posting])
        .order_by("seq")
        .values_list("location", "qty", "value")
    )
    t = transit(warehouse_b).pk
    assert values == [
        (places["b1"].pk, D("-12"), D("-39.90")),
        (t, D("12"), D("39.90")),
        (t, D("-12"), D("-39.90")),
        (places["a1"].pk, D("12"), D("39.90")),
    ]
    with pytest.raises(AlreadyPosted):
        document_reverse(document_id=doc.pk, user=users["manager"])
    with pytest.raises(InvalidTransition, match="is itself a reversal"):
        document_reverse(document_id=reversal.pk, user=users["manager"])
    assert ledger_differences() == []


def test_a_received_transfer_cannot_be_reversed_once_its_goods_are_gone(
    users, warehouse_a, warehouse_b, places, milk
):
    doc = shipped(users, warehouse_a, warehouse_b, places, milk, D("12"))
    document_receive(document_id=doc.pk, user=users["clerk_b"])
    issue = document_create(kind="issue", warehouse=warehouse_b, user=users["clerk_b"])
    document_set_lines(document=issue, lines=[LineInput(milk, places["b1"].pk, milk.base_unit_id, D("10"))])
    document_post(document_id=issue.pk, user=users["clerk_b"])

    with pytest.raises(InsufficientStock, match="MILK"):
        document_reverse(document_id=doc.pk, user=users["manager"])

    doc.refresh_from_db()
    assert doc.status == "posted"
    assert StockDocument.objects.filter(reversal_of=doc).count() == 0
    assert on_hand(milk, places["b1"]) == D("2")


def test_a_batch_travels_with_its_batch(users, warehouse_a, warehouse_b, places):
    yog = ItemFactory(sku="YOG", name="酸奶", tracking="batch_expiry")
    lot = BatchFactory(item=yog, batch_no="L1")
    post_moves(
        doc_type="seed",
        doc_id=9,
        doc_number="SEED-9",
        user=users["manager"],
        lines=[MoveLine(yog.pk, places["a1"].pk, D("6"), batch_id=lot.pk, unit_cost=D("4.00"))],
    )
    doc = document_create(
        kind="transfer", warehouse=warehouse_a, to_warehouse=warehouse_b, user=users["clerk_a"]
    )
    document_set_lines(
        document=doc,
        lines=[
            LineInput(
                yog, places["a1"].pk, yog.base_unit_id, D("6"), batch_no="L1", to_location_id=places["b1"].pk
            )
        ],
    )
    document_post(document_id=doc.pk, user=users["clerk_a"])
    document_receive(document_id=doc.pk, user=users["clerk_b"])

    assert StockBalance.objects.get(item=yog, location=places["b1"], batch=lot).on_hand == D("6")
    assert ledger_differences() == []


# Screens ------------------------------------------------------------------------------------


def test_only_the_receiving_warehouses_people_may_receive(
    client_for, users, warehouse_a, warehouse_b, places, milk
):
    doc = shipped(users, warehouse_a, warehouse_b, places, milk, D("3"))
    url = reverse("inventory:stockdocument_action", args=[doc.pk, "receive"])
    detail = reverse("inventory:stockdocument_detail", args=[doc.pk])

    # the sender sees the transfer but gets no receive button and a 403 if it posts anyway
    page = client_for("clerk_a").get(detail)
    assert page.status_code == 200 and 'data-action="receive"' not in page.content.decode()
    assert client_for("clerk_a").post(url).status_code == 403
    for role in ("purchasing", "sales"):
        assert client_for(role).post(url).status_code == 403
    assert client_for(None).post(url).status_code == 302
    assert on_hand(milk, places["b1"]) == D("0")

    page = client_for("clerk_b").get(detail)
    assert 'data-action="receive"' in page.content.decode()
    response = client_for("clerk_b").post(url, follow=True)
    assert f"{doc.number} is received." in response.content.decode()
    assert on_hand(milk, places["b1"]) == D("3")


def test_the_receiving_clerk_cannot_ship_or_edit_the_senders_draft(
    client_for, users, warehouse_a, warehouse_b, places, milk
):
    doc = document_create(
        kind="transfer", warehouse=warehouse_a, to_warehouse=warehouse_b, user=users["clerk_a"]
    )
    document_set_lines(
        document=doc,
        lines=[LineInput(milk, places["a1"].pk, milk.base_unit_id, D("3"), to_location_id=places["b1"].pk)],
    )

    assert (
        client_for("clerk_b")
        .post(reverse("inventory:stockdocument_action", args=[doc.pk, "post"]))
        .status_code
        == 403
    )
    assert (
        client_for("clerk_b").get(reverse("inventory:stockdocument_update", args=[doc.pk])).status_code == 403
    )
    doc.refresh_from_db()
    assert doc.status == "draft"


def test_a_manager_may_receive_anywhere_and_the_page_says_in_transit(
    client_for, users, warehouse_a, warehouse_b, places, milk
):
    doc = shipped(users, warehouse_a, warehouse_b, places, milk, D("3"))
    page = (
        client_for("manager").get(reverse("inventory:stockdocument_detail", args=[doc.pk])).content.decode()
    )
    assert "In transit" in page and "waiting to be received in" in page

    client_for("manager").post(reverse("inventory:stockdocument_action", args=[doc.pk, "receive"]))

    doc.refresh_from_db()
    assert (doc.status, doc.received_by) == ("posted", users["manager"])


def test_the_arrival_may_be_dated_between_shipping_and_today(users, warehouse_a, warehouse_b, places, milk):
    doc = shipped(users, warehouse_a, warehouse_b, places, milk, D("2"))
    today = timezone.localdate()

    with pytest.raises(InventoryError, match="between the shipping date"):
        document_receive(document_id=doc.pk, user=users["clerk_b"], arrival_date=today + timedelta(days=1))
    doc.refresh_from_db()
    assert doc.status == "in_transit"

    document_receive(document_id=doc.pk, user=users["clerk_b"], arrival_date=today)
    assert on_hand(milk, places["b1"]) == D("2")


def test_in_chinese_the_transfer_says_it_is_in_transit_and_offers_receiving(
    client_for, users, warehouse_a, warehouse_b, places, milk
):
    doc = shipped(users, warehouse_a, warehouse_b, places, milk, D("3"))
    clerk = client_for("clerk_b")
    clerk.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    page = clerk.get(reverse("inventory:stockdocument_detail", args=[doc.pk])).content.decode()
    assert 'id="doc-status">在途</span>' in page
    assert "已发出，等待 仓库B 收货。" in page
    assert re.search(r'data-action="receive"\s*>\s*<i[^>]*></i> 收货', page)

    done = clerk.post(reverse("inventory:stockdocument_action", args=[doc.pk, "receive"]), follow=True)
    assert f"{doc.number} 已收货。" in done.content.decode()
