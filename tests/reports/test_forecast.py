"""The demand forecast (reports/forecast.py) on synthetic series worked out by hand — a straight
line is continued by Holt, a line plus a season reproduced by Holt-Winters, a flat series gives
its average — and the sales trend report on a history built through the sales services.

Forecasts are computed in floats and returned as Decimals to four places: the exact figures below
come out exactly after that rounding (no tolerance needed), except where a tolerance is stated."""

import random
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.services import MoveLine, post_moves
from reports import forecast as fc
from reports.base import REGISTRY
from sales import services
from sales.models import Shipment
from tests.factories import CustomerFactory, ItemFactory, LocationFactory, UserFactory, WarehouseFactory


def D(text) -> Decimal:
    return Decimal(str(text))


# The methods ------------------------------------------------------------------------------------


def test_a_straight_line_is_continued_exactly_by_holt():
    # 10, 20, … 120: twelve months, so Holt (6 to 23 months); level 120 and trend +10 at the end
    series = [10 * m for m in range(1, 13)]

    result = fc.forecast(series)

    assert result.method == fc.HOLT
    assert result.months == 12
    assert result.values == (D("130.0000"), D("140.0000"), D("150.0000"))


def test_a_falling_line_is_continued_but_never_below_zero():
    # 100, 80, … 0 (six months): −20 a month → −20, −40, −60, shown as 0
    result = fc.forecast([100, 80, 60, 40, 20, 0])

    assert result.method == fc.HOLT
    assert result.values == (D("0"), D("0"), D("0"))


SEASON = [-30, -20, -10, 0, 10, 20, 30, 20, 10, 0, -10, -20]  # adds up to 0


def test_a_line_plus_a_season_is_reproduced_by_holt_winters():
    # y(t) = 100 + 2t + season[t mod 12], t = 0 … 35 (three years)
    series = [100 + 2 * t + SEASON[t % 12] for t in range(36)]

    result = fc.forecast(series)

    assert result.method == fc.HOLT_WINTERS
    # t = 36, 37, 38: 100 + 72 − 30 = 142; 100 + 74 − 20 = 154; 100 + 76 − 10 = 166
    assert result.values == (D("142.0000"), D("154.0000"), D("166.0000"))


def test_holt_winters_starts_at_two_full_seasons():
    # 24 months of a pure season around 50 with no trend: month 25 is like month 1 (50 − 30)
    series = [50 + SEASON[t % 12] for t in range(24)]

    result = fc.forecast(series)

    assert (result.method, result.months) == (fc.HOLT_WINTERS, 24)
    assert result.values == (D("20.0000"), D("30.0000"), D("40.0000"))
    # one month fewer is not two seasons: Holt, which knows nothing of the season
    assert fc.forecast(series[1:]).method == fc.HOLT


@pytest.mark.parametrize("seed", range(10))
def test_holt_winters_follows_a_noisy_season_within_a_tolerance(seed):
    # the season above on a level of 200, each month off by up to ±5 (pseudo-random, not itself
    # periodic): the next three months stay within 6 of the noise-free 170, 180, 190
    noise = random.Random(seed)
    series = [200 + SEASON[t % 12] + noise.uniform(-5, 5) for t in range(36)]

    result = fc.forecast(series)

    assert result.method == fc.HOLT_WINTERS
    for got, want in zip(result.values, (170, 180, 190), strict=True):
        assert abs(got - want) <= 6


def test_a_flat_series_gives_its_level():
    # four months → the average; ten months → Holt, whose trend stays 0
    assert fc.forecast([50, 50, 50, 50]).values == (D("50.0000"),) * 3
    assert fc.forecast([50, 50, 50, 50]).method == fc.AVERAGE
    assert fc.forecast([50] * 10).values == (D("50.0000"),) * 3
    assert fc.forecast([50] * 10).method == fc.HOLT


def test_little_history_gives_the_average_of_the_months_since_the_first_sale():
    # leading months without sales do not count: (40 + 60 + 50 + 0) / 4 = 37.5
    result = fc.forecast([0, 0, 0, 40, 60, 50, 0])

    assert (result.method, result.months) == (fc.AVERAGE, 4)
    assert result.values == (D("37.5000"),) * 3


def test_no_sales_at_all_forecasts_nothing():
    result = fc.forecast([0] * 36)

    assert (result.method, result.months, result.values) == (fc.NONE, 0, (D("0"),) * 3)


def test_the_daily_rate_divides_by_the_days_of_the_forecast_month():
    result = fc.forecast([300] * 3)

    assert result.per_day(date(2025, 6, 1)) == D("10.0000")  # 300 / 30 days
    assert result.per_day(date(2025, 2, 1)) == D("10.7143")  # 300 / 28 = 10.714285…


def test_months_are_counted_across_years():
    assert fc.add_months(date(2025, 1, 1), -1) == date(2024, 12, 1)
    assert fc.add_months(date(2025, 11, 1), 3) == date(2026, 2, 1)
    assert fc.history_start(date(2025, 6, 15), 36) == date(2022, 6, 1)


# The sales trend report -----------------------------------------------------------------------------


def at_noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


@pytest.fixture
def shop(roles):
    user = UserFactory(username="chen", roles=["sales"])
    wh = WarehouseFactory(code="SH", name="上海总仓")
    a1 = LocationFactory(warehouse=wh, code="A-01", path="A-01")
    water = ItemFactory(sku="WATER", name="矿泉水")
    customer = CustomerFactory(code="K001", name="城东超市")
    # opening stock before the history: 1000 bottles at ¥1.20
    post_moves(
        doc_type="opening",
        doc_id=1,
        doc_number="OPEN-1",
        lines=[MoveLine(water.pk, a1.pk, D(1000), unit_cost=D("1.2"))],
        user=user,
        moved_at=at_noon(date(2024, 11, 1)),
    )
    return {"user": user, "wh": wh, "a1": a1, "water": water, "customer": customer}


def sell(shop, day: date, qty) -> int:
    """One order of `qty` bottles at ¥2.00 shipped the same day; returns the shipment's id."""
    so = services.order_create(
        customer=shop["customer"], warehouse=shop["wh"], user=shop["user"], order_date=day
    )
    services.order_set_lines(
        order_id=so.pk,
        lines=[
            services.SalesLineInput(
                item=shop["water"], unit_id=shop["water"].base_unit_id, qty=D(qty), price=D("2.00")
            )
        ],
    )
    services.order_confirm(order_id=so.pk, user=shop["user"])
    shipment = services.shipment_create(order_id=so.pk, user=shop["user"], posting_date=day)
    services.shipment_post(shipment_id=shipment.pk, user=shop["user"])
    return shipment.pk


def test_the_trend_shows_24_months_and_forecasts_the_next_three(shop):
    # Dec 2024 … May 2025: 30, 60, 90, 120, 150 bottles, then 190 in May of which 10 come back
    # into stock on 20 May → May's demand is 190 − 10 = 180
    for n, month in enumerate([date(2024, 12, 10), *(date(2025, m, 10) for m in range(1, 6))], start=1):
        shipment_id = sell(shop, month, 30 * n if n < 6 else 190)
    line = Shipment.objects.get(pk=shipment_id).lines.get()
    services.return_post(
        shipment_id=shipment_id,
        user=shop["user"],
        reason="破损",
        lines=[services.ReturnLineInput(line.pk, D(10), restock=True, location_id=shop["a1"].pk)],
        posting_date=date(2025, 5, 20),
    )

    rows = list(REGISTRY["sales_trend"].rows(shop["user"], {"item": shop["water"], "day": date(2025, 6, 15)}))

    # 24 months shown: Jun 2023 … May 2025, then Jun, Jul, Aug 2025 forecast
    assert [r[0] for r in rows[:2]] == ["2023-06", "2023-07"]
    assert len(rows) == 24 + 3
    history = {r[0]: (r[1], r[2]) for r in rows[:24]}
    assert history["2024-11"] == (D("0"), D("0.00"))
    assert history["2024-12"] == (D("30"), D("60.00"))  # 30 × ¥2.00
    assert history["2025-04"] == (D("150"), D("300.00"))
    # May: 190 × ¥2.00 = 380.00 shipped, 10 × ¥2.00 = 20.00 returned (excl. tax) → 360.00
    assert history["2025-05"] == (D("180"), D("360.00"))
    # six months from the first sale: Holt's linear trend, +30 a month → 210, 240, 270
    assert rows[24:] == [
        ("2025-06", None, None, D("210.0000"), "Holt's linear trend"),
        ("2025-07", None, None, D("240.0000"), "Holt's linear trend"),
        ("2025-08", None, None, D("270.0000"), "Holt's linear trend"),
    ]
    chart = REGISTRY["sales_trend"].chart(shop["user"], rows, {})
    assert chart["type"] == "line"
    actual, forecast = chart["data"]["datasets"]
    assert actual["data"][23] == D("180") and actual["data"][24] is None
    assert forecast["data"][23] == D("180") and forecast["data"][24:] == [D("210"), D("240"), D("270")]
    assert all(isinstance(v, Decimal) for v in forecast["data"][23:])  # drawn as the Decimals they are


def test_an_item_never_sold_has_a_flat_trend_and_no_forecast(shop):
    rows = list(REGISTRY["sales_trend"].rows(shop["user"], {"item": shop["water"], "day": date(2025, 6, 15)}))

    assert len(rows) == 24
    assert {(r[1], r[2], r[3]) for r in rows} == {(D("0"), D("0.00"), None)}
