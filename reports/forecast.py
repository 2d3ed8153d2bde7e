"""需求预测: monthly demand per item (and warehouse) from the stock ledger, and its forecast for
the months ahead — used by the sales trend report and by the reorder suggestions.

Demand of a month = what shipments took out of stock less what customer returns brought back
into stock (restocked returns), in the item's base unit, read from the ledger (StockMove of the
postings of shipments and customer returns). A month whose returns exceed its shipments counts
as no demand rather than negative demand. Months before the first month with demand do not count
(the item was not sold yet); months without sales after it count as zero.

The forecast picks its method by the months of history (at most HISTORY_MONTHS full months,
ending with the month before the first month forecast):

* at least 24 months (two full seasons): **Holt-Winters, additive** — level ℓ, trend b and a
  12-month seasonal index s::

      ℓₜ = α (yₜ − sₜ₋ₘ) + (1 − α)(ℓₜ₋₁ + bₜ₋₁)
      bₜ = β (ℓₜ − ℓₜ₋₁) + (1 − β) bₜ₋₁
      sₜ = γ (yₜ − ℓₜ) + (1 − γ) sₜ₋ₘ
      forecast h months ahead = ℓₙ + h·bₙ + sₙ₊ₕ₋ₘ

  started from the first two seasons: the trend is the change between their mean months ÷ 12,
  the starting line runs through the first season's mean at its middle month, and each seasonal
  index is the average of that month's two distances from the line. A series that is exactly a
  straight line plus a repeating season is therefore reproduced exactly, whatever α, β, γ.
* 6 to 23 months: **Holt's linear trend** — the same without the season, started from the first
  month (level) and the average monthly change over the first (up to) six months (trend); a
  straight line is continued exactly.
* 1 to 5 months: the **average** of the months.
* no demand at all: nothing (method "none"), and callers fall back to their own figures.

Smoothing constants (fixed, not fitted — the same item gives the same forecast tomorrow unless
its sales change): ALPHA = 0.3 (level), BETA = 0.1 (trend), GAMMA = 0.2 (seasonality). Computed in
floats (pure Python); forecasts come back as Decimal quantities to four places, never below zero.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.models import StockMove
from sales.services import RETURN_DOC_TYPE, SHIPMENT_DOC_TYPE

SEASON = 12  # months
HISTORY_MONTHS = 36
HORIZON = 3
ALPHA, BETA, GAMMA = 0.3, 0.1, 0.2
SEASONAL_MONTHS = 2 * SEASON  # Holt-Winters from here
TREND_MONTHS = 6  # Holt from here; below it the average
TREND_START_MONTHS = 6  # the first months whose average change starts Holt's trend
QTY_PLACES = Decimal("0.0001")
ZERO = Decimal("0")

# The postings whose moves are sales demand.
DEMAND_DOC_TYPES = (SHIPMENT_DOC_TYPE, RETURN_DOC_TYPE)

HOLT_WINTERS, HOLT, AVERAGE, NONE = "holt_winters", "holt", "average", "none"
METHOD_LABELS = {
    HOLT_WINTERS: _("Holt-Winters (level, trend, seasonality)"),
    HOLT: _("Holt's linear trend"),
    AVERAGE: _("Average of the months"),
    NONE: _("No sales history"),
}


# Months -----------------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    """The first day of the month `n` months after (or before) `month`'s."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def days_in_month(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def month_label(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


# The forecast (pure) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    method: str  # HOLT_WINTERS, HOLT, AVERAGE or NONE
    months: int  # months of history used (from the first month with demand)
    values: tuple[Decimal, ...]  # the months ahead: values[0] is the first month after the history

    @property
    def method_label(self) -> str:
        return str(METHOD_LABELS[self.method])

    def per_day(self, month: date) -> Decimal:
        """The first forecast month's demand per day, `month` being that month."""
        if not self.values:
            return ZERO
        return (self.values[0] / days_in_month(month)).quantize(QTY_PLACES, rounding=ROUND_HALF_UP)


def _quantity(value: float) -> Decimal:
    return max(Decimal(value), ZERO).quantize(QTY_PLACES, rounding=ROUND_HALF_UP)


def _holt_winters(
    y: list[float], horizon: int, m: int, alpha: float, beta: float, gamma: float
) -> list[float]:
    first, second = sum(y[:m]) / m, sum(y[m : 2 * m]) / m
    trend = (second - first) / m
    middle = (m - 1) / 2

    def line(t: int) -> float:
        return first + trend * (t - middle)

    season = [((y[i] - line(i)) + (y[m + i] - line(m + i))) / 2 for i in range(m)]
    level = line(-1)  # the state just before the first month
    for t, value in enumerate(y):
        s = season[t % m]
        previous = level
        level = alpha * (value - s) + (1 - alpha) * (level + trend)
        trend = beta * (level - previous) + (1 - beta) * trend
        season[t % m] = gamma * (value - level) + (1 - gamma) * s
    n = len(y)
    return [level + h * trend + season[(n - 1 + h) % m] for h in range(1, horizon + 1)]


def _holt(y: list[float], horizon: int, alpha: float, beta: float) -> list[float]:
    k = min(len(y), TREND_START_MONTHS)
    level, trend = y[0], (y[k - 1] - y[0]) / (k - 1)
    for value in y[1:]:
        previous = level
        level = alpha * value + (1 - alpha) * (level + trend)
        trend = beta * (level - previous) + (1 - beta) * trend
    return [level + h * trend for h in range(1, horizon + 1)]


def forecast(
    series: Sequence[Decimal | float | int],
    *,
    horizon: int = HORIZON,
    season: int = SEASON,
    alpha: float = ALPHA,
    beta: float = BETA,
    gamma: float = GAMMA,
) -> Forecast:
    """Forecast the `horizon` months after `series` (monthly demand, oldest first). Leading
    months without demand are dropped first; the method follows from the months left (see the
    module's docstring)."""
    values = [float(v) for v in series]
    first = next((i for i, v in enumerate(values) if v > 0), None)
    if first is None:
        return Forecast(NONE, 0, tuple(ZERO for _h in range(horizon)))
    y = values[first:]
    n = len(y)
    if n >= 2 * season:
        method, ahead = HOLT_WINTERS, _holt_winters(y, horizon, season, alpha, beta, gamma)
    elif n >= TREND_MONTHS:
        method, ahead = HOLT, _holt(y, horizon, alpha, beta)
    else:
        method, ahead = AVERAGE, [sum(y) / n] * horizon
    return Forecast(method, n, tuple(_quantity(v) for v in ahead))


# Demand from the ledger -------------------------------------------------------------------------


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def demand_history(
    *,
    first_month: date,
    months: int,
    by: Iterable[str] = ("item_id", "warehouse_id"),
    moves: Q | None = None,
) -> dict[tuple, list[Decimal]]:
    """Monthly demand for the `months` months from `first_month`, oldest first, per value of the
    StockMove fields `by` (() for one total), for the moves `moves` selects. One grouped query;
    keys without any sales move in the window are absent. Months are local (settings.TIME_ZONE)."""
    by = tuple(by)
    end_month = add_months(first_month, months)
    index = {add_months(first_month, i): i for i in range(months)}
    rows = (
        StockMove.objects.filter(
            moves or Q(),
            posting__doc_type__in=DEMAND_DOC_TYPES,
            moved_at__gte=_aware(first_month),
            moved_at__lt=_aware(end_month),
        )
        .annotate(month=TruncMonth("moved_at"))
        .values(*by, "month")
        .annotate(qty=Sum("qty"))
        .order_by()
    )
    history: dict[tuple, list[Decimal]] = {}
    for row in rows:
        key = tuple(row[name] for name in by)
        series = history.setdefault(key, [ZERO] * months)
        month = (
            timezone.localtime(row["month"]).date() if isinstance(row["month"], datetime) else row["month"]
        )
        # shipments are negative moves, restocked returns positive: demand is minus their sum
        series[index[month]] = max(-row["qty"], ZERO)
    return history


def history_start(today: date, months: int = HISTORY_MONTHS) -> date:
    """The first of the `months` full months before today's month."""
    return add_months(month_start(today), -months)
