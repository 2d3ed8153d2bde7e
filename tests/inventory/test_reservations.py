"""Reservations (预留): stock promised to order lines, first-expiry-first-out, never expired or in
transit; reserved stock cannot be issued by anyone else; releasing and shipping give it back;
eight connections reserving the last units reserve at most what is there."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from inventory.exceptions import InsufficientStock, InventoryError
from inventory.ledger_check import ledger_differences
from inventory.models import ItemValuation, Reservation, StockBalance, StockMove
from inventory.services import MoveLine, post_moves
from inventory.services.reservations import (
    NotEnoughToReserve,
    ReserveLine,
    availability,
    release,
    reserve,
    reserved_by_line,
    ship_reserved,
)
from tests.factories import BatchFactory

from .conftest import D

pytestmark = pytest.mark.django_db

SO = "salesorder"


RECEIVED = [0]


def receive(item, location, qty, *, batch=None, cost="2.50"):
    from tests.factories import UserFactory

    RECEIVED[0] += 1
    n = RECEIVED
    post_moves(
        doc_type="test-in",
        doc_id=n[0],
        doc_number=f"IN-{n[0]}",
        lines=[MoveLine(item.pk, location.pk, D(qty), batch.pk if batch else None, unit_cost=D(cost))],
        user=UserFactory(),
    )


def balance(item, location, batch=None):
    return StockBalance.objects.get(item=item, location=location, batch=batch)


def test_reserving_moves_available_not_on_hand(milk, wh, loc_a, loc_b, clerk):
    receive(milk, loc_a, "30")
    receive(milk, loc_b, "20")
    got = reserve(doc_type=SO, doc_id=1, lines=[ReserveLine(milk.pk, wh.pk, D("35"), line_ref=11)])
    assert [(r.line_ref, r.reserved, r.short) for r in got] == [(11, D("35"), D("0"))]
    # on hand 50, reserved 35, available 15
    assert availability(milk.pk, wh.pk) == (D("50"), D("35"))
    # A-01 first (its path sorts first): 30 there, 5 at B-01
    assert (balance(milk, loc_a).reserved, balance(milk, loc_b).reserved) == (D("30"), D("5"))
    assert reserved_by_line(SO, 1) == {11: D("35")}
    # nobody else can issue what is reserved: 15 available
    with pytest.raises(InsufficientStock, match="wanted 16, available 15"):
        post_moves(
            doc_type="test-out",
            doc_id=1,
            doc_number="OUT-1",
            lines=[MoveLine(milk.pk, loc_b.pk, D("-16"))],
            user=clerk,
        )
    assert ledger_differences() == []


def test_short_is_refused_naming_item_warehouse_wanted_and_available(milk, wh, loc_a, batch_item):
    receive(milk, loc_a, "40")
    with pytest.raises(NotEnoughToReserve) as refused:
        reserve(
            doc_type=SO,
            doc_id=2,
            lines=[ReserveLine(milk.pk, wh.pk, D("30"), 1), ReserveLine(milk.pk, wh.pk, D("20"), 2)],
        )
    assert refused.value.message == (
        "Not enough available to reserve: MILK 纯牛奶 in 上海总仓: wanted 20 个, available 40."
    )
    assert Reservation.objects.count() == 0 and balance(milk, loc_a).reserved == 0


def test_a_backorder_line_reserves_what_there_is(milk, wh, loc_a):
    receive(milk, loc_a, "40")
    got = reserve(doc_type=SO, doc_id=3, lines=[ReserveLine(milk.pk, wh.pk, D("50"), 7, allow_short=True)])
    assert (got[0].reserved, got[0].short) == (D("40"), D("10"))
    assert availability(milk.pk, wh.pk) == (D("40"), D("40"))


def test_first_expiry_first_out_and_never_an_expired_batch(batch_item, wh, loc_a, loc_b):
    today = timezone.localdate()
    old = BatchFactory(item=batch_item, batch_no="OLD", expiry_date=today - timedelta(days=1))
    soon = BatchFactory(item=batch_item, batch_no="SOON", expiry_date=today + timedelta(days=3))
    later = BatchFactory(item=batch_item, batch_no="LATER", expiry_date=today + timedelta(days=30))
    receive(batch_item, loc_a, "10", batch=old)
    receive(batch_item, loc_b, "6", batch=soon)
    receive(batch_item, loc_a, "10", batch=later)
    reserve(doc_type=SO, doc_id=4, lines=[ReserveLine(batch_item.pk, wh.pk, D("9"), 1)])
    assert balance(batch_item, loc_a, old).reserved == 0  # expired: never
    assert balance(batch_item, loc_b, soon).reserved == D("6")
    assert balance(batch_item, loc_a, later).reserved == D("3")
    with pytest.raises(NotEnoughToReserve, match="wanted 8 个, available 7"):
        reserve(doc_type=SO, doc_id=5, lines=[ReserveLine(batch_item.pk, wh.pk, D("8"), 1)])


def test_release_gives_back_everything_or_part_of_a_line(milk, wh, loc_a, loc_b):
    receive(milk, loc_a, "10")
    receive(milk, loc_b, "10")
    reserve(
        doc_type=SO,
        doc_id=6,
        lines=[ReserveLine(milk.pk, wh.pk, D("15"), 1), ReserveLine(milk.pk, wh.pk, D("3"), 2)],
    )
    # line 1 reduced by 7: the reservation furthest down the FEFO order goes first
    released = release(doc_type=SO, doc_id=6, line_refs={1: D("7")})
    assert released.total == D("7")
    assert reserved_by_line(SO, 6) == {1: D("8"), 2: D("3")}
    assert availability(milk.pk, wh.pk) == (D("20"), D("11"))
    release(doc_type=SO, doc_id=6)  # cancel
    assert availability(milk.pk, wh.pk) == (D("20"), D("0"))
    assert Reservation.objects.count() == 0
    assert release(doc_type=SO, doc_id=6).total == 0  # twice: nothing more
    assert ledger_differences() == []


def test_shipping_consumes_the_reservation_at_the_moving_average(milk, wh, loc_a, clerk):
    receive(milk, loc_a, "10", cost="2.00")
    receive(milk, loc_a, "20", cost="3.50")  # average (20 + 70) / 30 = 3.00
    reserve(doc_type=SO, doc_id=7, lines=[ReserveLine(milk.pk, wh.pk, D("30"), 1)])
    # everything is reserved for this order; shipping it consumes the reservation
    posting = ship_reserved(
        reservation_doc_type=SO,
        reservation_doc_id=7,
        doc_type="shipment",
        doc_id=1,
        doc_number="SH-1",
        lines=[MoveLine(milk.pk, loc_a.pk, D("-12"), line_ref=1)],
        user=clerk,
    )
    move = StockMove.objects.get(posting=posting)
    assert (move.qty, move.value, move.unit_cost) == (D("-12"), D("-36.00"), D("3"))
    assert availability(milk.pk, wh.pk) == (D("18"), D("18"))
    assert reserved_by_line(SO, 7) == {1: D("18")}
    assert ItemValuation.objects.get(item=milk).value == D("54.00")
    assert ledger_differences() == []


def test_a_partial_shipment_from_two_reserved_batches_releases_what_it_takes_from_each(
    batch_item, wh, loc_a, loc_b, clerk
):
    today = timezone.localdate()
    soon = BatchFactory(item=batch_item, batch_no="SOON", expiry_date=today + timedelta(days=3))
    later = BatchFactory(item=batch_item, batch_no="LATER", expiry_date=today + timedelta(days=30))
    receive(batch_item, loc_a, "10", batch=soon)
    receive(batch_item, loc_b, "10", batch=later)
    reserve(doc_type=SO, doc_id=9, lines=[ReserveLine(batch_item.pk, wh.pk, D("20"), 1)])
    # all 20 reserved: 10 of SOON, 10 of LATER. Ship 5 of each (10 of the line's 20).
    ship_reserved(
        reservation_doc_type=SO,
        reservation_doc_id=9,
        doc_type="shipment",
        doc_id=2,
        doc_number="SH-2",
        lines=[
            MoveLine(batch_item.pk, loc_a.pk, D("-5"), soon.pk, line_ref=1),
            MoveLine(batch_item.pk, loc_b.pk, D("-5"), later.pk, line_ref=1),
        ],
        user=clerk,
    )
    # each batch: on hand 10 − 5 = 5, still reserved 5 for the 10 left on the line
    assert (balance(batch_item, loc_a, soon).on_hand, balance(batch_item, loc_a, soon).reserved) == (
        D(5),
        D(5),
    )
    assert (balance(batch_item, loc_b, later).on_hand, balance(batch_item, loc_b, later).reserved) == (
        D(5),
        D(5),
    )
    assert reserved_by_line(SO, 9) == {1: D("10")}
    assert ledger_differences() == []


def test_a_reservation_needs_a_quantity(milk, wh):
    with pytest.raises(InventoryError, match="greater than zero"):
        reserve(doc_type=SO, doc_id=8, lines=[ReserveLine(milk.pk, wh.pk, D("0"), 1)])


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_eight_connections_reserving_the_last_units_reserve_at_most_what_is_there(milk, wh, loc_a, loc_b):
    receive(milk, loc_a, "7")
    receive(milk, loc_b, "5")  # 12 in all
    barrier = threading.Barrier(8)
    results = []

    def work(n):
        try:
            barrier.wait()
            reserve(doc_type=SO, doc_id=100 + n, lines=[ReserveLine(milk.pk, wh.pk, D("2"), n)])
            results.append("reserved")
        except NotEnoughToReserve:
            results.append("short")
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            results.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # 12 units, 2 each: exactly six orders get them, two are told it is short
    assert sorted(results) == ["reserved"] * 6 + ["short"] * 2
    assert availability(milk.pk, wh.pk) == (D("12"), D("12"))
    assert Reservation.objects.count() == 6 + 1  # one order's 2 units straddle the two bins
    assert ledger_differences() == []
