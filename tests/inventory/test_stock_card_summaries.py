"""The stock card's opening balance starts from the latest closed month (PeriodSummary) and adds
only the later moves: the same figures as summing the whole ledger, at a cost that does not grow
with the history."""

import re
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inventory.models import PeriodSummary
from inventory.selectors import stock_card
from inventory.services import MoveLine, period_close, post_moves
from tests.factories import ItemFactory, LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db
_n = iter(range(1, 10_000))


def at(day: str) -> datetime:
    return timezone.make_aware(datetime.combine(date.fromisoformat(day), time(12)))


def post(lines, user, day):
    n = next(_n)
    return post_moves(doc_type="T", doc_id=n, doc_number=f"T-{n}", lines=lines, user=user, moved_at=at(day))


@pytest.fixture
def hz(db):
    return LocationFactory(warehouse=WarehouseFactory(code="HZ", name="杭州仓"), code="H1")


@pytest.fixture
def history(clerk, milk, wh, loc_a, loc_b, hz):
    post([MoveLine(milk.pk, loc_a.pk, Decimal("10"), unit_cost=Decimal("3"))], clerk, "2026-09-10")  # 30.00
    post([MoveLine(milk.pk, loc_a.pk, Decimal("20"), unit_cost=Decimal("3.6"))], clerk, "2026-10-05")  # 72.00
    post([MoveLine(milk.pk, loc_a.pk, Decimal("-6"))], clerk, "2026-10-20")  # 102.00 × 6/30 = 20.40
    post([MoveLine(milk.pk, hz.pk, Decimal("6"), unit_cost=Decimal("3.4"))], clerk, "2026-10-25")  # 20.40
    post([MoveLine(milk.pk, loc_a.pk, Decimal("-4"))], clerk, "2026-11-02")  # 102.00 × 4/30 = 13.60
    post([MoveLine(milk.pk, loc_b.pk, Decimal("2"), unit_cost=Decimal("3.4"))], clerk, "2026-11-03")  # 6.80


def figures(card):
    return (
        card.opening_qty,
        card.opening_value,
        [(row["move"].qty, row["qty"], row["value"]) for row in card.rows],
        card.closing_qty,
        card.closing_value,
    )


def cards(milk, wh, hz, loc_b):
    views = [
        {"warehouse": wh, "start": date(2026, 11, 1)},
        {"warehouse": wh, "start": "2026-10-21", "end": "2026-11-02"},
        {"warehouse": None, "start": date(2026, 11, 1)},
        {"warehouse": None, "start": date(2026, 10, 1), "end": date(2026, 10, 31)},
        {"warehouse": hz.warehouse, "start": date(2026, 11, 1)},
        {"warehouse": wh, "start": date(2026, 11, 3), "location_id": loc_b.pk},
        {"warehouse": wh},
    ]
    return [figures(stock_card(item=milk, **view)) for view in views]


def test_opening_balances_are_identical_with_and_without_closed_months(clerk, milk, wh, hz, loc_b, history):
    before = cards(milk, wh, hz, loc_b)
    period_close(year=2026, month=9, user=clerk)
    after_september = cards(milk, wh, hz, loc_b)
    period_close(year=2026, month=10, user=clerk)
    after_october = cards(milk, wh, hz, loc_b)

    assert before == after_september == after_october
    # 上海总仓 from 1 November: 30 − 6 = 24 at 30.00 + 72.00 − 20.40 = 81.60, then −4 / −13.60, +2 / +6.80
    assert before[0] == (
        Decimal("24"),
        Decimal("81.60"),
        [(Decimal("-4"), Decimal("20"), Decimal("68.00")), (Decimal("2"), Decimal("22"), Decimal("74.80"))],
        Decimal("22"),
        Decimal("74.80"),
    )
    # From 21 October (September closed, October not): September's 10 / 30.00 plus October's moves.
    assert before[1][:2] == (Decimal("24"), Decimal("81.60"))
    assert before[2][:2] == (Decimal("30"), Decimal("102.00")), "every warehouse: 81.60 + 杭州 20.40"
    assert before[4][:2] == (Decimal("6"), Decimal("20.40"))
    assert before[5][:2] == (Decimal("0"), Decimal("0")), "a location's card sums its own moves"


def test_the_opening_balance_is_read_from_the_summary_not_re_summed(clerk, milk, wh, history):
    period_close(year=2026, month=9, user=clerk)
    period_close(year=2026, month=10, user=clerk)
    # Had the card summed the old moves, a summary changed behind its back would not show.
    PeriodSummary.objects.filter(period__month=10, item=milk, warehouse=wh).update(qty=Decimal("25"))

    card = stock_card(item=milk, warehouse=wh, start=date(2026, 11, 1))

    assert (card.opening_qty, card.opening_value) == (Decimal("25"), Decimal("81.60"))


def test_a_stock_card_page_costs_the_same_queries_on_a_long_history(client_for, users, warehouse_a):
    place = LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")
    manager = users["manager"]
    short_item, long_item = ItemFactory(sku="SHORT"), ItemFactory(sku="LONG")
    for item, per_month in ((short_item, 1), (long_item, 20)):
        for month in (9, 10, 11):
            lines = [MoveLine(item.pk, place.pk, Decimal("1"), unit_cost=Decimal("1"))]
            for day in range(1, per_month + 1):
                post(lines, manager, f"2026-{month:02d}-{day:02d}")
    period_close(year=2026, month=9, user=manager)
    period_close(year=2026, month=10, user=manager)
    client = client_for("manager")

    def page(item, start):
        url = reverse("inventory:stock_card", args=[item.pk])
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"warehouse": warehouse_a.pk, "start": start})
        assert response.status_code == 200
        assert not re.search(r"\bCOUNT\(", " ".join(q["sql"] for q in captured.captured_queries), re.I)
        return len(captured), response.context["card"]

    page(short_item, "2026-11-01")  # warm-up: the first request of a session loads more
    short_queries, short_card = page(short_item, "2026-11-01")
    long_queries, long_card = page(long_item, "2026-11-01")

    assert short_queries == long_queries
    assert (short_card.opening_qty, long_card.opening_qty) == (Decimal("2"), Decimal("40"))
    assert (len(short_card.rows), len(long_card.rows)) == (1, 20)
    assert page(long_item, "2026-10-15")[0] == long_queries, "mid-month: summary + half a month of moves"
