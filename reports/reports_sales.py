"""The purchase and sales reports: purchase summary, sales summary, gross margin, supplier
performance, order processing time and the sales trend with its forecast. Each is registered in
reports.base.REGISTRY (imported by ReportsConfig.ready) and so appears on the report pages.

The figures come from reports/selectors_sales.py (set-based) and reports/forecast.py; this module
only turns them into typed rows and Chart.js configurations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.rules import sees_all_warehouses
from inventory.models import Item, Warehouse
from inventory.selectors import warehouses_for
from purchasing.models import Supplier
from purchasing.performance import supplier_performance
from sales.models import Channel, Customer

from . import charts
from . import forecast as fc
from .base import Column, Report, register
from .forms import PeriodMixin, ReportForm, ScopeMixin, items_in_scope, last_full_months
from .selectors_sales import (
    DAY_PLACES,
    ZERO,
    Per,
    Scope,
    processing_times,
    purchase_summary,
    ratio,
    sales_figures,
)

TOTAL = _("Total")
TENTH = Decimal("0.1")
CHART_GROUPS = 20  # bars on a chart grouped by name: the largest ones

PER_CHOICES = {
    Per.SUPPLIER: _("Supplier"),
    Per.CUSTOMER: _("Customer"),
    Per.CHANNEL: _("Channel"),
    Per.ITEM: _("Item"),
    Per.CATEGORY: _("Category"),
    Per.WAREHOUSE: _("Warehouse"),
    Per.ORDER: _("Order"),
    Per.DAY: _("Day"),
    Per.WEEK: _("Week"),
    Per.MONTH: _("Month"),
}


def _per_field(*choices: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Per"), choices=[(c, PER_CHOICES[c]) for c in choices], initial=choices[0]
    )


def _supplier_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Supplier"), queryset=Supplier.objects.order_by("code"), required=False
    )


def _customer_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.order_by("code"), required=False
    )


def _scope(user, filters: dict) -> Scope:
    start, end = filters.get("start"), filters.get("end")
    if start is None or end is None:
        start, end = last_full_months(timezone.localdate())
    return Scope(
        start=start,
        end=end,
        warehouses=warehouses_for(user),
        warehouse=filters.get("warehouse"),
        items=items_in_scope(filters),
        supplier=filters.get("supplier"),
        customer=filters.get("customer"),
        channel=filters.get("channel") or "",
    )


def _per(filters: dict, default: str) -> str:
    return filters.get("group_by") or default


def _sum(rows: list[tuple], index: int) -> Decimal:
    return sum((r[index] for r in rows if r[index] is not None), ZERO)


def _chart_rows(rows: list[tuple], filters: dict, default_per: str) -> list[tuple]:
    """The rows a chart draws: all periods, or the largest groups when grouped by name (the
    selectors sort those largest first)."""
    if _per(filters, default_per) in Per.PERIODS:
        return rows
    return rows[:CHART_GROUPS]


def _bar_chart(rows: list[tuple], datasets: list[tuple[str, int]], *, stacked: bool = False) -> dict:
    """Bars per row label; datasets: (label, column index)."""
    return charts.bar(
        [r[0] for r in rows],
        [charts.dataset(label, [r[i] for r in rows]) for label, i in datasets],
        stacked=stacked,
        begin_at_zero=True,
    )


# 1. Purchase summary (采购汇总) ----------------------------------------------------------------------


class PurchaseSummaryForm(ReportForm, PeriodMixin, ScopeMixin):
    group_by = _per_field(Per.SUPPLIER, Per.ITEM, Per.CATEGORY, Per.MONTH)
    supplier = _supplier_field()

    field_order = ["start", "end", "group_by", "warehouse", "supplier", "category", "item_type"]


@register
class PurchaseSummaryReport(Report):
    slug = "purchase_summary"
    title = _("Purchase summary")
    permission = "reports.view_purchase_reports"
    filter_form = PurchaseSummaryForm
    columns = (
        Column("group", _("Group"), "text", 30),
        Column("received_qty", _("Quantity received"), "qty"),
        Column("received_amount", _("Received excl. tax"), "money", 16),
        Column("received_tax", _("Tax"), "money"),
        Column("received_total", _("Received incl. tax"), "money", 16),
        Column("returned_qty", _("Quantity returned"), "qty"),
        Column("returned_amount", _("Returned excl. tax"), "money", 16),
        Column("returned_total", _("Returned incl. tax"), "money", 16),
        Column("net_amount", _("Net excl. tax"), "money", 16),
        Column("net_total", _("Net incl. tax"), "money", 16),
    )
    method = _(
        "Goods accepted on purchase receipts posted with a date in the period, at the order price: "
        "quantities in each item's base unit, the amount excluding tax, the tax and the total. Returns "
        "to suppliers posted in the period are deducted at the value the goods came in with (excluding "
        "tax) and the amount the supplier credits (including tax). Rejected goods never count."
    )

    def rows(self, user, filters: dict) -> Iterator[tuple]:
        for r in purchase_summary(_scope(user, filters), _per(filters, Per.SUPPLIER)):
            yield (
                r.label,
                r.received_qty,
                r.received_amount,
                r.received_tax,
                r.received_total,
                r.returned_qty,
                r.returned_amount,
                r.returned_total,
                r.net_amount,
                r.net_total,
            )

    def totals(self, rows: list[tuple], filters: dict) -> tuple:
        return (str(TOTAL), *(_sum(rows, i) for i in range(1, 10)))

    def chart(self, user, rows: list[tuple], filters: dict) -> dict | None:
        shown = _chart_rows(rows, filters, Per.SUPPLIER)
        if not shown:
            return None
        return _bar_chart(shown, [(_("Received excl. tax"), 2), (_("Returned excl. tax"), 6)])


# 2. Sales summary (销售汇总) -------------------------------------------------------------------------


class SalesSummaryForm(ReportForm, PeriodMixin, ScopeMixin):
    group_by = _per_field(Per.CUSTOMER, Per.CHANNEL, Per.ITEM, Per.CATEGORY, Per.DAY, Per.WEEK, Per.MONTH)
    customer = _customer_field()
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", "---------"), *Channel.choices], required=False
    )

    field_order = ["start", "end", "group_by", "warehouse", "customer", "channel", "category", "item_type"]


@register
class SalesSummaryReport(Report):
    slug = "sales_summary"
    title = _("Sales summary")
    permission = "reports.view_sales_reports"
    filter_form = SalesSummaryForm
    columns = (
        Column("group", _("Group"), "text", 30),
        Column("shipped_qty", _("Quantity shipped"), "qty"),
        Column("shipped_amount", _("Shipped excl. tax"), "money", 16),
        Column("shipped_tax", _("Tax"), "money"),
        Column("returned_qty", _("Quantity returned"), "qty"),
        Column("returned_amount", _("Returned excl. tax"), "money", 16),
        Column("returned_tax", _("Tax returned"), "money"),
        Column("net_qty", _("Net quantity"), "qty"),
        Column("net_amount", _("Net sales excl. tax"), "money", 16),
        Column("net_tax", _("Net tax"), "money"),
        Column("net_total", _("Net sales incl. tax"), "money", 16),
    )
    method = _(
        "Shipments posted with a date in the period: quantities in each item's base unit, the amount "
        "charged excluding tax and the tax. Customer returns posted in the period are deducted in the "
        "period of the return, whether the goods were restocked or scrapped; the credit is split into "
        "amount and tax in the proportion of the shipment line it comes from."
    )

    def rows(self, user, filters: dict) -> Iterator[tuple]:
        for r in sales_figures(_scope(user, filters), _per(filters, Per.CUSTOMER)):
            yield (
                r.label,
                r.shipped_qty,
                r.shipped_amount,
                r.shipped_tax,
                r.returned_qty,
                r.returned_amount,
                r.returned_tax,
                r.net_qty,
                r.revenue,
                r.net_tax,
                r.net_total,
            )

    def totals(self, rows: list[tuple], filters: dict) -> tuple:
        return (str(TOTAL), *(_sum(rows, i) for i in range(1, 11)))

    def chart(self, user, rows: list[tuple], filters: dict) -> dict | None:
        shown = _chart_rows(rows, filters, Per.CUSTOMER)
        if not shown:
            return None
        if _per(filters, Per.CUSTOMER) in Per.PERIODS:
            return charts.line(
                [r[0] for r in shown], [charts.dataset(_("Net sales excl. tax"), [r[8] for r in shown])]
            )
        return _bar_chart(shown, [(_("Net sales excl. tax"), 8)])


# 3. Gross margin (毛利) -----------------------------------------------------------------------------


class GrossMarginForm(ReportForm, PeriodMixin, ScopeMixin):
    group_by = _per_field(Per.ITEM, Per.CATEGORY, Per.CUSTOMER, Per.MONTH)
    customer = _customer_field()

    field_order = ["start", "end", "group_by", "warehouse", "customer", "category", "item_type"]


@register
class GrossMarginReport(Report):
    slug = "gross_margin"
    title = _("Gross margin")
    permission = "reports.view_margin_reports"
    filter_form = GrossMarginForm
    columns = (
        Column("group", _("Group"), "text", 30),
        Column("net_qty", _("Net quantity"), "qty"),
        Column("revenue", _("Revenue excl. tax"), "money", 16),
        Column("cogs", _("Cost of goods sold"), "money", 16),
        Column("margin", _("Gross margin"), "money", 16),
        Column("margin_percent", _("Margin %"), "percent"),
    )
    method = _(
        "Revenue = the amounts (excluding tax) of shipments posted in the period less those of customer "
        "returns posted in the period. Cost of goods sold = the moving-average cost the shipped goods "
        "left stock with, less the cost of returned goods taken back into stock (scrapped returns stay "
        "in the cost). Gross margin = revenue − cost of goods sold; margin % = gross margin ÷ revenue."
    )

    def rows(self, user, filters: dict) -> Iterator[tuple]:
        for r in sales_figures(_scope(user, filters), _per(filters, Per.ITEM)):
            yield (r.label, r.net_qty, r.revenue, r.cogs, r.margin, r.margin_ratio)

    def totals(self, rows: list[tuple], filters: dict) -> tuple:
        revenue, margin = _sum(rows, 2), _sum(rows, 4)
        return (str(TOTAL), _sum(rows, 1), revenue, _sum(rows, 3), margin, ratio(margin, revenue))

    def chart(self, user, rows: list[tuple], filters: dict) -> dict | None:
        shown = _chart_rows(rows, filters, Per.ITEM)
        if not shown:
            return None
        config = _bar_chart(shown, [(_("Cost of goods sold"), 3), (_("Gross margin"), 4)], stacked=True)
        config["data"]["datasets"].append(
            charts.dataset(
                _("Margin %"), [charts.percent(r[5]) for r in shown], type="line", yAxisID="percent"
            )
        )
        config["options"]["scales"]["percent"] = {"position": "right", "grid": {"drawOnChartArea": False}}
        return config


# 4. Supplier performance (供应商绩效) ----------------------------------------------------------------


class SupplierPerformanceForm(ReportForm, PeriodMixin):
    supplier = _supplier_field()

    field_order = ["start", "end", "supplier"]


@register
class SupplierPerformanceReport(Report):
    slug = "supplier_performance"
    title = _("Supplier performance")
    permission = "reports.view_purchase_reports"
    filter_form = SupplierPerformanceForm
    columns = (
        Column("supplier", _("Supplier"), "text", 30),
        Column("receipt_lines", _("Receipt lines"), "int"),
        Column("on_time_lines", _("On time"), "int"),
        Column("on_time_rate", _("On-time rate"), "percent"),
        Column("ordered_qty", _("Quantity due"), "qty"),
        Column("filled_qty", _("Quantity accepted"), "qty"),
        Column("fill_rate", _("Fill rate"), "percent"),
        Column("inspected_qty", _("Quantity inspected"), "qty"),
        Column("rejected_qty", _("Quantity rejected"), "qty"),
        Column("reject_rate", _("Reject rate"), "percent"),
        Column("receipts", _("Receipts"), "int"),
        Column("lead_time", _("Average lead time"), "days"),
        Column("list_value", _("Value at list price"), "money", 16),
        Column("over_list_value", _("Paid over list price"), "money", 16),
        Column("price_variance", _("Price variance"), "percent"),
    )
    method = _(
        "Over the period, for all warehouses: on-time rate = receipt lines posted on or before the order "
        "line's expected date ÷ receipt lines with goods; fill rate = accepted (at most the ordered "
        "quantity) ÷ ordered, for order lines expected in the period; reject rate = rejected ÷ (accepted "
        "+ rejected); lead time = the average number of days from the order date to the receipt date; "
        "price variance = (price paid − list price) × quantity ÷ the value at list price, for orders "
        "dated in the period. Suppliers with no figures in the period are left out."
    )

    def rows(self, user, filters: dict) -> Iterator[tuple]:
        # The figures span every warehouse: only for those who may see them all.
        if not sees_all_warehouses(user):
            return
        start, end = filters.get("start"), filters.get("end")
        if start is None or end is None:
            start, end = last_full_months(timezone.localdate())
        for p in supplier_performance(start, end, supplier=filters.get("supplier")):
            if not p.has_data:
                continue
            # the same sums as purchasing's page; the rates as fractions, to a tenth of a percent
            # like there (purchasing.performance rounds its percentages to 0.1)
            yield (
                f"{p.supplier.code} {p.supplier.name}",
                p.receipt_lines,
                p.on_time_lines,
                _fraction(p.on_time_rate),
                p.ordered_base_qty,
                p.filled_base_qty,
                _fraction(p.fill_rate),
                p.inspected_base_qty,
                p.rejected_base_qty,
                _fraction(p.reject_rate),
                p.receipts,
                p.lead_time_days,
                p.list_value,
                p.over_list_value,
                _fraction(p.price_variance),
            )

    def totals(self, rows: list[tuple], filters: dict) -> tuple:
        """The rates over all suppliers from the summed parts; the lead time weighted by receipts."""
        lines, on_time = _sum(rows, 1), _sum(rows, 2)
        ordered, filled = _sum(rows, 4), _sum(rows, 5)
        inspected, rejected = _sum(rows, 7), _sum(rows, 8)
        receipts = _sum(rows, 10)
        lead = sum((r[11] * r[10] for r in rows if r[11] is not None), ZERO)
        listed, over = _sum(rows, 12), _sum(rows, 13)
        return (
            str(TOTAL),
            int(lines),
            int(on_time),
            _tenth(ratio(on_time, lines)),
            ordered,
            filled,
            _tenth(ratio(filled, ordered)),
            inspected,
            rejected,
            _tenth(ratio(rejected, inspected)),
            int(receipts),
            (lead / receipts).quantize(TENTH, rounding=ROUND_HALF_UP) if receipts else None,
            listed,
            over,
            _tenth(ratio(over, listed)),
        )

    def chart(self, user, rows: list[tuple], filters: dict) -> dict | None:
        if not rows:
            return None
        shown = rows[:CHART_GROUPS]
        return charts.bar(
            [r[0] for r in shown],
            [
                charts.dataset(label, [charts.percent(r[i]) for r in shown])
                for label, i in ((_("On-time rate"), 3), (_("Fill rate"), 6), (_("Reject rate"), 9))
            ],
            begin_at_zero=True,
            y_max=100,
        )


def _fraction(percent: Decimal | None) -> Decimal | None:
    """purchasing.performance's percentages (75.0) as the fractions report columns hold (0.750)."""
    return None if percent is None else percent / 100


def _tenth(fraction: Decimal | None) -> Decimal | None:
    """A fraction to a tenth of a percent, like purchasing.performance's rates."""
    return None if fraction is None else fraction.quantize(TENTH / 100, rounding=ROUND_HALF_UP)


# 5. Order processing time (订单处理时效) -------------------------------------------------------------


class ProcessingTimeForm(ReportForm, PeriodMixin):
    group_by = _per_field(Per.ORDER, Per.WAREHOUSE, Per.CUSTOMER)
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"), queryset=Warehouse.objects.none(), required=False
    )
    customer = _customer_field()

    field_order = ["start", "end", "group_by", "warehouse", "customer"]


@register
class ProcessingTimeReport(Report):
    slug = "processing_time"
    title = _("Order processing time")
    permission = "reports.view_sales_reports"
    filter_form = ProcessingTimeForm
    columns = (
        Column("order", _("Order or group"), "text", 24),
        Column("customer", _("Customer"), "text", 24),
        Column("warehouse", _("Warehouse"), "text", 18),
        Column("confirmed", _("Confirmed"), "date", 12),
        Column("shipped", _("Fully shipped"), "date", 12),
        Column("orders", _("Orders"), "int", 10),
        Column("average_days", _("Average (days)"), "days"),
        Column("longest_days", _("Longest (days)"), "days"),
    )
    method = _(
        "Sales orders whose last shipment was posted on a day of the period: processing time = from the "
        "order's confirmation (or credit approval) to the posting of the shipment that completed it, in "
        "days (6 hours = 0.25 days). Per warehouse or customer: the number of orders, their average and "
        "the longest; the total covers all of them."
    )

    def rows(self, user, filters: dict) -> Iterator[tuple]:
        for r in processing_times(_scope(user, filters), _per(filters, Per.ORDER)):
            yield (
                r.label,
                r.customer,
                r.warehouse,
                r.confirmed,
                r.shipped,
                r.orders,
                r.average_days,
                r.longest_days,
            )

    def totals(self, rows: list[tuple], filters: dict) -> tuple:
        """All the orders: the rows' averages weighted by their orders (each row's average is
        kept to four places, so this matches the average over the orders to about a second)."""
        orders = sum(r[5] for r in rows)
        weighted = sum((r[6] * r[5] for r in rows), ZERO)
        average = (weighted / orders).quantize(DAY_PLACES, rounding=ROUND_HALF_UP) if orders else None
        longest = max((r[7] for r in rows), default=None)
        return (str(TOTAL), "", "", None, None, orders, average, longest)

    def chart(self, user, rows: list[tuple], filters: dict) -> dict | None:
        shown = rows[: CHART_GROUPS * 5]
        if not shown:
            return None
        return _bar_chart(shown, [(_("Average (days)"), 6)])


# 6. Sales trend and forecast (销售趋势与预测) ---------------------------------------------------------

TREND_MONTHS = 24


class SalesTrendForm(ReportForm, ScopeMixin):
    item = forms.ModelChoiceField(
        label=_("Item"),
        queryset=Item.objects.filter(is_active=True).order_by("sku"),
        to_field_name="sku",
        required=False,
        help_text=_("Leave empty for all items of the category."),
    )
    day = forms.DateField(
        label=_("As of"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        required=False,
        initial=timezone.localdate,
    )

    field_order = ["item", "day", "warehouse", "category", "item_type"]

    def clean_day(self):
        day = self.cleaned_data["day"] or timezone.localdate()
        if day > timezone.localdate():
            raise forms.ValidationError(_("Choose today or a day in the past."))
        return day


@register
class SalesTrendReport(Report):
    slug = "sales_trend"
    title = _("Sales trend and forecast")
    permission = "reports.view_sales_reports"
    filter_form = SalesTrendForm
    columns = (
        Column("month", _("Month"), "text", 10),
        Column("qty", _("Quantity sold"), "qty"),
        Column("amount", _("Net sales excl. tax"), "money", 16),
        Column("forecast", _("Forecast quantity"), "qty"),
        Column("basis", _("Forecast method"), "text", 30),
    )
    method = format_lazy(
        _(
            "Quantity sold per month = what shipments took out of stock less what customer returns "
            "brought back into stock, from the stock ledger, in the base unit; sales = shipped less "
            "returned, excluding tax. The {months} full months before the month of the as-of day are "
            "shown; that month and the next {horizon_less} are forecast from up to {history} months: "
            "Holt-Winters (level, trend and a 12-month season; α = {alpha}, β = {beta}, γ = {gamma}) "
            "with 24 months of sales or more, Holt's linear trend (α = {alpha}, β = {beta}) with 6 to 23, "
            "otherwise the average of the months since the first sale."
        ),
        months=TREND_MONTHS,
        horizon_less=fc.HORIZON - 1,
        history=fc.HISTORY_MONTHS,
        alpha=fc.ALPHA,
        beta=fc.BETA,
        gamma=fc.GAMMA,
    )

    def rows(self, user, filters: dict) -> Iterator[tuple]:
        day = filters.get("day") or timezone.localdate()
        first_forecast = fc.month_start(day)
        history_start = fc.add_months(first_forecast, -fc.HISTORY_MONTHS)
        shown_start = fc.add_months(first_forecast, -TREND_MONTHS)
        warehouses = warehouses_for(user)
        warehouse = filters.get("warehouse")
        item = filters.get("item")
        items = Item.objects.filter(pk=item.pk) if item is not None else items_in_scope(filters)

        moves = {"warehouse__in": warehouses}
        if warehouse is not None:
            moves["warehouse"] = warehouse
        if items is not None:
            moves["item__in"] = items
        history = fc.demand_history(
            first_month=history_start, months=fc.HISTORY_MONTHS, by=(), moves=Q(**moves)
        ).get((), [fc.ZERO] * fc.HISTORY_MONTHS)
        sales = {
            r.key: r.revenue
            for r in sales_figures(
                Scope(
                    start=shown_start,
                    end=first_forecast - timedelta(days=1),
                    warehouses=warehouses,
                    warehouse=warehouse,
                    items=items,
                ),
                Per.MONTH,
            )
        }
        ahead = fc.forecast(history)
        for i in range(TREND_MONTHS):
            month = fc.add_months(shown_start, i)
            yield (
                fc.month_label(month),
                history[fc.HISTORY_MONTHS - TREND_MONTHS + i],
                sales.get(month, Decimal("0.00")),
                None,
                "",
            )
        if ahead.method == fc.NONE:
            return
        for h, value in enumerate(ahead.values):
            yield (fc.month_label(fc.add_months(first_forecast, h)), None, None, value, ahead.method_label)

    def chart(self, user, rows: list[tuple], filters: dict) -> dict | None:
        if not rows:
            return None
        actual = [charts.figure(r[1]) for r in rows]
        forecast = [charts.figure(r[3]) for r in rows]
        # the forecast line starts from the last month sold, so the two lines join
        last = max((i for i, r in enumerate(rows) if r[1] is not None), default=None)
        if last is not None and last + 1 < len(rows):
            forecast[last] = actual[last]
        return charts.line(
            [r[0] for r in rows],
            [
                charts.dataset(_("Quantity sold"), actual),
                charts.dataset(_("Forecast quantity"), forecast, borderDash=[6, 4]),
            ],
            spanGaps=False,
        )
