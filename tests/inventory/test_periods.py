"""Period close (月结): months close in order, nothing posts into them, summaries hold the
month-end quantity and value per item × warehouse, reopening is audited."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from inventory.exceptions import InventoryError
from inventory.ledger_check import ledger_differences
from inventory.models import PeriodClose, PeriodEvent, PeriodSummary, StockMove
from inventory.services import MoveLine, PeriodClosed, period_close, period_reopen, post_moves, stock_as_of
from tests.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db
_n = iter(range(1, 1000))


def at(day: str) -> datetime:
    return timezone.make_aware(datetime.combine(date.fromisoformat(day), time(12)))


def post(lines, user, day):
    n = next(_n)
    return post_moves(doc_type="T", doc_id=n, doc_number=f"T-{n}", lines=lines, user=user, moved_at=at(day))


@pytest.fixture
def history(clerk, milk, loc_a):
    # September: in 10 at 3.00 (30.00); October: in 20 at 3.60 (72.00), out 6 (102.00 × 6/30 = 20.40)
    post([MoveLine(milk.pk, loc_a.pk, Decimal("10"), unit_cost=Decimal("3"))], clerk, "2026-09-10")
    post([MoveLine(milk.pk, loc_a.pk, Decimal("20"), unit_cost=Decimal("3.6"))], clerk, "2026-10-05")
    post([MoveLine(milk.pk, loc_a.pk, Decimal("-6"))], clerk, "2026-10-20")


def summary(period, item, warehouse):
    s = PeriodSummary.objects.get(period=period, item=item, warehouse=warehouse)
    return s.qty, s.value


def test_closing_months_stores_month_end_quantity_and_value(clerk, milk, wh, history):
    september = period_close(year=2026, month=9, user=clerk)
    october = period_close(year=2026, month=10, user=clerk)

    assert summary(september, milk, wh) == (Decimal("10"), Decimal("30.00"))
    assert summary(october, milk, wh) == (Decimal("24"), Decimal("81.60"))  # 30 + 72 − 20.40
    assert ledger_differences() == []
    assert list(PeriodEvent.objects.values_list("month", "action", "by")) == [
        (10, "closed", clerk.pk),
        (9, "closed", clerk.pk),
    ]


def test_nothing_posts_into_a_closed_month(clerk, milk, loc_a, history):
    period_close(year=2026, month=9, user=clerk)
    moves = StockMove.objects.count()
    with pytest.raises(PeriodClosed, match="closed through 2026-09-30: nothing can be posted on 2026-09-30"):
        post([MoveLine(milk.pk, loc_a.pk, Decimal("1"), unit_cost=Decimal("1"))], clerk, "2026-09-30")
    assert StockMove.objects.count() == moves
    post([MoveLine(milk.pk, loc_a.pk, Decimal("1"), unit_cost=Decimal("1"))], clerk, "2026-10-01")


def test_months_close_in_order_and_only_when_over(clerk, history):
    with pytest.raises(InventoryError, match="has not ended yet"):
        today = timezone.localdate()
        period_close(year=today.year, month=today.month, user=clerk)
    period_close(year=2026, month=8, user=clerk)
    with pytest.raises(InventoryError, match="Close 2026-09 first."):
        period_close(year=2026, month=10, user=clerk)
    with pytest.raises(InventoryError, match="2026-08 is already closed."):
        period_close(year=2026, month=8, user=clerk)


def test_reopening_is_for_the_latest_month_with_a_reason_and_is_recorded(clerk, milk, loc_a, history):
    period_close(year=2026, month=9, user=clerk)
    period_close(year=2026, month=10, user=clerk)
    with pytest.raises(InventoryError, match="Only the latest closed month"):
        period_reopen(year=2026, month=9, user=clerk, reason="fix")
    with pytest.raises(InventoryError, match="Say why"):
        period_reopen(year=2026, month=10, user=clerk, reason=" ")

    period_reopen(year=2026, month=10, user=clerk, reason="漏记一张入库单")

    assert list(PeriodClose.objects.values_list("month", flat=True)) == [9]
    assert PeriodEvent.objects.filter(action="reopened", month=10, reason="漏记一张入库单").count() == 1
    post([MoveLine(milk.pk, loc_a.pk, Decimal("1"), unit_cost=Decimal("1"))], clerk, "2026-10-31")


def test_stock_as_of_a_date_reads_summaries_plus_later_moves(clerk, milk, wh, loc_a, history):
    other = LocationFactory(warehouse=WarehouseFactory(code="HZ"), code="H1")
    post(
        [MoveLine(milk.pk, loc_a.pk, Decimal("-4")), MoveLine(milk.pk, other.pk, Decimal("4"), mirror_of=0)],
        clerk,
        "2026-11-02",
    )  # 81.60 × 4/24 = 13.60 moves to HZ
    period_close(year=2026, month=10, user=clerk)

    as_of = stock_as_of(date(2026, 11, 2))

    assert as_of[(milk.pk, wh.pk)] == (Decimal("20"), Decimal("68.00"))
    assert as_of[(milk.pk, other.warehouse_id)] == (Decimal("4"), Decimal("13.60"))
    assert stock_as_of(date(2026, 9, 30)) == {(milk.pk, wh.pk): (Decimal("10"), Decimal("30.00"))}


def test_check_ledger_catches_a_summary_changed_behind_the_apps_back(clerk, milk, wh, history):
    period = period_close(year=2026, month=10, user=clerk)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE inventory_periodsummary SET qty = qty + 1 WHERE period_id = %s", [period.pk])
    assert ledger_differences() == [
        f"2026-10: item {milk.pk} warehouse {wh.pk}: summary != moves 24.0000 / 81.60"
    ]
