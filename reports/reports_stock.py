"""The stock reports (库存报表): valuation as of a day, turnover and days of inventory, ABC
classification, ageing and slow-moving / dead stock. Each names its filters, typed columns (values
only for holders of inventory.view_stock_value), the sentence that says how it is computed, its
rows (from reports.selectors, limited to the user's warehouses), totals and a Chart.js config."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from inventory.models import Item, Warehouse
from inventory.views_valuation import report_rows as valuation_rows

from . import charts, selectors
from .base import Column, Report, register
from .charts import BLUE, GREEN, GREY, ORANGE, RED, YELLOW
from .forms import AbcForm, AgeingForm, AsOfForm, SlowMovingForm, TurnoverForm

STOCK_REPORTS = "reports.view_stock_reports"
VALUE = "inventory.view_stock_value"
ZERO = Decimal("0")
CHUNK = 500  # item × warehouse rows read per batch of item/warehouse lookups
CHART_TOP = 15


def _sum(rows, index: int) -> Decimal:
    return sum((row[index] for row in rows if row[index] is not None), ZERO)


def _names(item_ids, warehouse_ids) -> tuple[dict, dict]:
    items = {
        pk: (sku, name, unit)
        for pk, sku, name, unit in Item.objects.filter(pk__in=set(item_ids)).values_list(
            "pk", "sku", "name", "base_unit__code"
        )
    }
    warehouses = dict(Warehouse.objects.filter(pk__in=set(warehouse_ids)).values_list("pk", "name"))
    return items, warehouses


# 1. Valuation as of a day ----------------------------------------------------------------------


@register
class ValuationReport(Report):
    slug = "valuation"
    title = gettext_lazy("Stock valuation as of a day")
    permission = STOCK_REPORTS
    filter_form = AsOfForm
    columns = (
        Column("sku", gettext_lazy("SKU"), "text", 16),
        Column("name", gettext_lazy("Item"), "text", 28),
        Column("category", gettext_lazy("Category"), "text", 22),
        Column("item_type", gettext_lazy("Item type"), "text", 12),
        Column("warehouse", gettext_lazy("Warehouse"), "text", 14),
        Column("unit", gettext_lazy("Unit"), "text", 8),
        Column("qty", gettext_lazy("Quantity"), "qty", 12),
        Column("value", pgettext_lazy("money", "Value"), "money", 14, needs=VALUE),
        Column("average", gettext_lazy("Average cost"), "money", 12, needs=VALUE),
    )
    method = gettext_lazy(
        "Quantity and value of each item in each warehouse at the end of the chosen day: the last "
        "closed month's figures plus the moves after it. The average is the value divided by the "
        "quantity."
    )

    def rows(self, user, filters: dict) -> Iterator[tuple]:
        return valuation_rows(user, filters)

    def totals(self, rows: list[tuple], filters: dict) -> tuple:
        return (_("Total"), "", "", "", "", "", None, _sum(rows, 7), None)

    def chart(self, user, rows, filters):
        """Value by category (for those who see values), else the number of items in stock."""
        sees_value = user.has_perm(VALUE)
        by_category: dict[str, Decimal] = defaultdict(Decimal)
        for row in rows:
            by_category[row[2]] += row[7] if sees_value else 1
        top = sorted(by_category.items(), key=lambda kv: -kv[1])[:CHART_TOP]
        label = pgettext_lazy("money", "Value") if sees_value else _("Items in stock")
        return charts.bar(
            [k for k, _v in top], [charts.dataset(label, [v for _k, v in top])], horizontal=True
        )


# 2. Turnover and days of inventory -------------------------------------------------------------


@register
class TurnoverReport(Report):
    slug = "turnover"
    title = gettext_lazy("Inventory turnover and days of inventory")
    permission = STOCK_REPORTS
    filter_form = TurnoverForm
    columns = (
        Column("code", gettext_lazy("Code"), "text", 16),
        Column("name", gettext_lazy("Name"), "text", 30),
        Column("opening", gettext_lazy("Opening value"), "money", 14, needs=VALUE),
        Column("closing", gettext_lazy("Closing value"), "money", 14, needs=VALUE),
        Column("average", gettext_lazy("Average inventory value"), "money", 16, needs=VALUE),
        Column("cogs", gettext_lazy("Cost of goods sold"), "money", 16, needs=VALUE),
        Column("turnover", gettext_lazy("Turnover"), "qty", 10),
        Column("days", gettext_lazy("Days of inventory"), "days", 12),
    )
    method = gettext_lazy(
        "Turnover = cost of goods sold ÷ average inventory value; days of inventory = days in the "
        "period ÷ turnover. The average inventory value is the mean of the stock value at the start "
        "of the period (the end of the day before it) and at the end of each month in it (the last "
        "day of the period if it ends within a month), read from the month-end summaries of closed "
        "months and from the ledger otherwise. Cost of goods sold is the value at moving average "
        "cost of posted sales shipments and goods issues, less customer returns taken back into "
        "stock (reversals net out); transfers, purchase returns, stock losses and stocktake "
        "differences are not counted. “—”: no stock to turn, or nothing consumed."
    )

    def rows(self, user, filters: dict) -> Iterator[tuple]:
        scope = selectors.scope_for(user, filters)
        for row in selectors.turnover(filters["start"], filters["end"], scope, group_by=filters["group_by"]):
            yield row.as_tuple()

    def totals(self, rows: list[tuple], filters: dict) -> tuple:
        days = (filters["end"] - filters["start"]).days + 1
        average, cogs = _sum(rows, 4), _sum(rows, 5)
        turns, days_of = selectors.turnover_figures(cogs, average, days)
        return (_("Total"), "", _sum(rows, 2), _sum(rows, 3), average, cogs, turns, days_of)

    def chart(self, user, rows, filters):
        """Turnover of the groups that consumed most (the ratio: shown to everyone)."""
        top = sorted((r for r in rows if r[6] is not None), key=lambda r: -r[5])[:CHART_TOP]
        return charts.bar(
            [f"{r[0]} {r[1]}" for r in top],
            [charts.dataset(_("Turnover"), [r[6] for r in top], backgroundColor=BLUE)],
            horizontal=True,
        )


# 3. ABC classification -------------------------------------------------------------------------


@register
class AbcReport(Report):
    slug = "abc"
    title = gettext_lazy("ABC classification")
    permission = STOCK_REPORTS
    filter_form = AbcForm
    columns = (
        Column("rank", gettext_lazy("Rank"), "int", 6),
        Column("sku", gettext_lazy("SKU"), "text", 16),
        Column("name", gettext_lazy("Item"), "text", 28),
        Column("category", gettext_lazy("Category"), "text", 22),
        Column("qty", gettext_lazy("Quantity consumed"), "qty", 14),
        Column("value", gettext_lazy("Consumption value"), "money", 16, needs=VALUE),
        Column("share", gettext_lazy("Share"), "percent", 10),
        Column("cumulative", gettext_lazy("Cumulative share"), "percent", 12),
        Column("class", gettext_lazy("Class"), "text", 8),
        Column("current", gettext_lazy("Class on the item"), "text", 10),
    )
    method = gettext_lazy(
        "Items are ranked by consumption value (cost of goods sold: sales shipments and goods "
        "issues at moving average cost, less customer returns) over the period. Class A is the "
        "smallest set of top items whose value reaches the A cut-off (80 % by default) of the "
        "total, class B the next items up to A + B (95 %), class C the rest, including active "
        "items that consumed nothing. Writing the classes back sets them on the items shown."
    )
    # a form on the page that POSTs the filters to this URL, for holders of the permission
    actions = (
        (gettext_lazy("Write the classes to the items"), "reports:report_abc_apply", "inventory.change_item"),
    )

    def rows(self, user, filters: dict) -> Iterator[tuple]:
        for row in self.classes(user, filters):
            yield row.as_tuple()

    def classes(self, user, filters: dict) -> list[selectors.AbcRow]:
        return selectors.abc_classes(
            filters["start"],
            filters["end"],
            selectors.scope_for(user, filters),
            a_share=filters["a_share"],
            b_share=filters["b_share"],
        )

    def totals(self, rows: list[tuple], filters: dict) -> tuple:
        total = _sum(rows, 5)
        return (None, _("Total"), "", "", None, total, Decimal("1") if total > 0 else None, None, "", "")

    def chart(self, user, rows, filters):
        """Pareto: each item's share (bars, coloured by class) and the cumulative share (line)."""
        shown = [r for r in rows if r[6]][:30]
        colour = {"A": GREEN, "B": YELLOW, "C": GREY}
        config = charts.bar(
            [r[1] for r in shown],
            [
                charts.dataset(
                    _("Share"),
                    [charts.percent(r[6]) for r in shown],
                    backgroundColor=[colour[r[8]] for r in shown],
                    yAxisID="y",
                    order=2,
                ),
                charts.dataset(
                    _("Cumulative share"),
                    [charts.percent(r[7]) for r in shown],
                    type="line",
                    borderColor=BLUE,
                    yAxisID="y",
                    order=1,
                ),
            ],
        )
        config["options"]["scales"] = {"y": {"min": 0, "max": 100, "title": {"display": True, "text": "%"}}}
        return config


# 4. Ageing -------------------------------------------------------------------------------------

BUCKET_LABELS = ("0–30", "31–60", "61–90", "91–180", ">180")
# column labels translated when shown, in the language of the request
_days = lazy(lambda label: _("%(days)s days") % {"days": label}, str)
_value_days = lazy(lambda label: _("Value %(days)s days") % {"days": label}, str)


@register
class AgeingReport(Report):
    slug = "ageing"
    title = gettext_lazy("Stock ageing")
    permission = STOCK_REPORTS
    filter_form = AgeingForm
    columns = (
        Column("sku", gettext_lazy("SKU"), "text", 16),
        Column("name", gettext_lazy("Item"), "text", 28),
        Column("warehouse", gettext_lazy("Warehouse"), "text", 14),
        Column("unit", gettext_lazy("Unit"), "text", 8),
        *[Column(f"qty_{i}", _days(label), "qty", 10) for i, label in enumerate(BUCKET_LABELS)],
        Column("qty", gettext_lazy("Quantity"), "qty", 12),
        Column("age", gettext_lazy("Average age"), "days", 10),
        *[
            Column(f"value_{i}", _value_days(label), "money", 12, needs=VALUE)
            for i, label in enumerate(BUCKET_LABELS)
        ],
        Column("value", pgettext_lazy("money", "Value"), "money", 14, needs=VALUE),
    )
    method = gettext_lazy(
        "Stock on hand today by age in days. Batch-tracked stock is aged from the day its batch was "
        "first received (its first inbound move); stock without batches first-in-first-out: what is on hand is taken to be "
        "what came into the warehouse last (receipts, returns, gains and transfers in). The average "
        "age is weighted by quantity. Values are at each item's current moving average cost."
    )

    def rows(self, user, filters: dict) -> Iterator[tuple]:
        found = selectors.ageing(selectors.scope_for(user, filters))
        items, warehouses = _names([r.item_id for r in found], [r.warehouse_id for r in found])
        costs = selectors.average_costs({r.item_id for r in found})
        rows = []
        for r in found:
            sku, name, unit = items[r.item_id]
            total = sum(r.qty, ZERO)
            cost = costs.get(r.item_id, ZERO)
            values = [selectors.rounded(q * cost, selectors.FEN) for q in r.qty]
            age = selectors.rounded(r.age_qty_days / total, selectors.TENTH) if total else None
            rows.append(
                (sku, name, warehouses[r.warehouse_id], unit, *r.qty, total, age, *values, sum(values, ZERO))
            )
        rows.sort(key=lambda row: (row[0], row[2]))
        yield from rows

    def totals(self, rows: list[tuple], filters: dict) -> tuple:
        n = len(BUCKET_LABELS)
        values = [_sum(rows, 11 + i) for i in range(n)]
        return (_("Total"), "", "", "", *[None] * n, None, None, *values, _sum(rows, 11 + n))

    def chart(self, user, rows, filters):
        """Value per age bucket for those who see values; else the number of item × warehouse
        rows with stock in each bucket."""
        n = len(BUCKET_LABELS)
        if user.has_perm(VALUE):
            data, label = [_sum(rows, 11 + i) for i in range(n)], pgettext_lazy("money", "Value")
        else:
            data = [sum(1 for r in rows if r[4 + i]) for i in range(n)]
            label = _("Items in stock")
        labels = [_days(b) for b in BUCKET_LABELS]
        colours = [GREEN, BLUE, YELLOW, ORANGE, RED]
        return charts.bar(labels, [charts.dataset(label, data, backgroundColor=colours)])


# 5. Slow-moving and dead stock -----------------------------------------------------------------


@register
class SlowMovingReport(Report):
    slug = "slow_moving"
    title = gettext_lazy("Slow-moving and dead stock")
    permission = STOCK_REPORTS
    filter_form = SlowMovingForm
    columns = (
        Column("sku", gettext_lazy("SKU"), "text", 16),
        Column("name", gettext_lazy("Item"), "text", 28),
        Column("warehouse", gettext_lazy("Warehouse"), "text", 14),
        Column("unit", gettext_lazy("Unit"), "text", 8),
        Column("qty", gettext_lazy("Quantity"), "qty", 12),
        Column("value", pgettext_lazy("money", "Value"), "money", 14, needs=VALUE),
        Column("last_moved", gettext_lazy("Last movement"), "date", 12),
        Column("last_out", gettext_lazy("Last consumed"), "date", 12),
        Column("idle", gettext_lazy("Days without consumption"), "days", 12),
        Column("status", gettext_lazy("Status"), "text", 10),
    )
    method = gettext_lazy(
        "Stock on hand that nothing consumed (no sales shipment or goods issue from that warehouse) "
        "for at least the “slow” number of days is slow-moving, for at least the “dead” number of "
        "days dead stock. Days count from the last consumption or, for stock that never went out, "
        "from the day it first came into the warehouse. Values are at each item's current moving "
        "average cost."
    )

    def rows(self, user, filters: dict) -> Iterator[tuple]:
        found = selectors.slow_moving(
            selectors.scope_for(user, filters), slow_days=filters["slow_days"], dead_days=filters["dead_days"]
        )
        dead, slow = _("Dead"), _("Slow")
        for start in range(0, len(found), CHUNK):
            chunk = found[start : start + CHUNK]
            items, warehouses = _names([r.item_id for r in chunk], [r.warehouse_id for r in chunk])
            costs = selectors.average_costs({r.item_id for r in chunk})
            for r in chunk:
                sku, name, unit = items[r.item_id]
                value = selectors.rounded(r.qty * costs.get(r.item_id, ZERO), selectors.FEN)
                yield (
                    sku,
                    name,
                    warehouses[r.warehouse_id],
                    unit,
                    r.qty,
                    value,
                    r.last_moved,
                    r.last_out,
                    r.idle_days,
                    dead if r.dead else slow,
                )

    def totals(self, rows: list[tuple], filters: dict) -> tuple:
        return (_("Total"), "", "", "", None, _sum(rows, 5), None, None, None, "")

    def chart(self, user, rows, filters):
        """Value (or, without the right to see it, the number of rows) that is slow and dead."""
        dead = str(_("Dead"))
        sees_value = user.has_perm(VALUE)
        totals = {True: ZERO, False: ZERO}
        for r in rows:
            totals[r[9] == dead] += r[5] if sees_value else 1
        label = pgettext_lazy("money", "Value") if sees_value else _("Items in stock")
        return charts.bar(
            [_("Slow"), _("Dead")],
            [charts.dataset(label, [totals[False], totals[True]], backgroundColor=[ORANGE, RED])],
        )
