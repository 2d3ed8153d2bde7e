"""Set-based reads of the purchase and sales reports: every figure is summed by the database,
grouped by the report's "per" (supplier, customer, channel, item, category, day, week, month,
warehouse), a fixed number of queries whatever the number of documents — one grouped aggregate
per kind of document, one for the names of the groups.

Only posted documents count, dated by their posting date; documents are limited to the
warehouses passed in (the caller passes the ones the user may see). Quantities are in the item's
base unit, money excludes tax unless said otherwise."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, NullIf, Round, TruncMonth, TruncWeek
from django.utils import timezone

from inventory.models import Category, Item, Warehouse
from purchasing.models import (
    PurchaseReceiptLine,
    PurchaseReturnLine,
    ReceiptStatus,
    ReturnStatus,
    Supplier,
)
from sales.models import Channel, Customer, CustomerReturnLine, DocStatus, SalesOrder, ShipmentLine

from .forecast import month_label

ZERO = Decimal("0")
RATIO_PLACES = Decimal("0.0001")  # a fraction to the hundredth of a percent
DAY_PLACES = Decimal("0.0001")  # days to about nine seconds
MONEY = DecimalField(max_digits=20, decimal_places=2)
QTY = DecimalField(max_digits=22, decimal_places=4)


class Per:
    """What a summary is grouped by."""

    SUPPLIER = "supplier"
    CUSTOMER = "customer"
    CHANNEL = "channel"
    ITEM = "item"
    CATEGORY = "category"
    WAREHOUSE = "warehouse"
    ORDER = "order"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    PERIODS = (DAY, WEEK, MONTH)


def _key(per: str, paths: dict[str, str]):
    if per == Per.DAY:
        return F(paths["date"])
    if per == Per.WEEK:
        return TruncWeek(paths["date"])
    if per == Per.MONTH:
        return TruncMonth(paths["date"])
    return F(paths[per])


def _grouped(qs: QuerySet, per: str, paths: dict[str, str], **sums) -> dict:
    """{group key: {name: sum}} in one grouped query."""
    rows = qs.annotate(group_key=_key(per, paths)).values("group_key").annotate(**sums).order_by()
    return {row.pop("group_key"): row for row in rows}


def _week_label(monday: date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d} ({monday.strftime('%m-%d')})"


def group_labels(per: str, keys: Iterable) -> dict:
    """What each group is called on the page: code and name, a category's path, a channel's
    name, an ISO date, week or month. One query for the named ones."""
    keys = [k for k in keys if k is not None]
    if per == Per.DAY:
        return {k: k.isoformat() for k in keys}
    if per == Per.WEEK:
        return {k: _week_label(k) for k in keys}
    if per == Per.MONTH:
        return {k: month_label(k) for k in keys}
    if per == Per.CHANNEL:
        return {k: str(Channel(k).label) if k in Channel.values else k for k in keys}
    if per == Per.CATEGORY:
        return {pk: str(c) for pk, c in Category.objects.in_bulk(keys).items()}
    if per == Per.WAREHOUSE:
        return {pk: f"{w.code} {w.name}" for pk, w in Warehouse.objects.in_bulk(keys).items()}
    model = {Per.SUPPLIER: Supplier, Per.CUSTOMER: Customer, Per.ITEM: Item}[per]
    code = "sku" if per == Per.ITEM else "code"
    return {pk: f"{getattr(obj, code)} {obj.name}" for pk, obj in model.objects.in_bulk(keys).items()}


def _sorted(rows: list, per: str, amount) -> list:
    """Periods in time order; other groups the largest amount first, then by name."""
    if per in Per.PERIODS:
        return sorted(rows, key=lambda r: r.key)
    return sorted(rows, key=lambda r: (-amount(r), r.label))


def ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    """part ÷ whole as a fraction (0.2762 reads 27.62 %), None when there is nothing to divide by."""
    if not whole:
        return None
    return (part / whole).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Scope:
    """Which documents: the period (both days included), the warehouses the user may see, and
    the optional filters. `items` is a queryset of items (category, item type …) or None."""

    start: date
    end: date
    warehouses: QuerySet[Warehouse]
    warehouse: Warehouse | None = None
    items: QuerySet[Item] | None = None
    supplier: Supplier | None = None
    customer: Customer | None = None
    channel: str = ""


# Purchases ---------------------------------------------------------------------------------------


@dataclass
class PurchaseRow:
    key: object
    label: str = ""
    received_qty: Decimal = ZERO
    received_amount: Decimal = ZERO  # excluding tax
    received_tax: Decimal = ZERO
    returned_qty: Decimal = ZERO
    returned_amount: Decimal = ZERO  # excluding tax: the value the goods came in with
    returned_total: Decimal = ZERO  # including tax: what the supplier credits

    @property
    def received_total(self) -> Decimal:
        return self.received_amount + self.received_tax

    @property
    def net_amount(self) -> Decimal:
        return self.received_amount - self.returned_amount

    @property
    def net_total(self) -> Decimal:
        return self.received_total - self.returned_total


def _order_scope(scope: Scope, order: str) -> Q:
    q = Q(**{f"{order}warehouse__in": scope.warehouses})
    if scope.warehouse is not None:
        q &= Q(**{f"{order}warehouse": scope.warehouse})
    if scope.supplier is not None:
        q &= Q(**{f"{order}supplier": scope.supplier})
    if scope.customer is not None:
        q &= Q(**{f"{order}customer": scope.customer})
    if scope.channel:
        q &= Q(**{f"{order}customer__channel": scope.channel})
    return q


def purchase_summary(scope: Scope, per: str) -> list[PurchaseRow]:
    """Accepted goods of posted receipts dated in the period, less returns to suppliers posted
    in the period; per supplier, item, category or period. Three queries."""
    receipt_lines = PurchaseReceiptLine.objects.filter(
        _order_scope(scope, "receipt__order__"),
        receipt__status=ReceiptStatus.POSTED,
        receipt__posting_date__range=(scope.start, scope.end),
        accepted_base_qty__gt=0,
    )
    return_lines = PurchaseReturnLine.objects.filter(
        _order_scope(scope, "purchase_return__receipt__order__"),
        purchase_return__status=ReturnStatus.POSTED,
        purchase_return__posting_date__range=(scope.start, scope.end),
    )
    if scope.items is not None:
        receipt_lines = receipt_lines.filter(order_line__item__in=scope.items)
        return_lines = return_lines.filter(receipt_line__order_line__item__in=scope.items)
    received = _grouped(
        receipt_lines,
        per,
        {
            Per.SUPPLIER: "receipt__order__supplier_id",
            Per.ITEM: "order_line__item_id",
            Per.CATEGORY: "order_line__item__category_id",
            "date": "receipt__posting_date",
        },
        qty=Sum("accepted_base_qty"),
        amount=Sum("amount"),
        tax=Sum("tax"),
    )
    returned = _grouped(
        return_lines,
        per,
        {
            Per.SUPPLIER: "purchase_return__receipt__order__supplier_id",
            Per.ITEM: "receipt_line__order_line__item_id",
            Per.CATEGORY: "receipt_line__order_line__item__category_id",
            "date": "purchase_return__posting_date",
        },
        qty=Sum("base_qty"),
        value=Sum("value"),
        amount=Sum("amount"),
    )
    labels = group_labels(per, set(received) | set(returned))
    rows = []
    for key in set(received) | set(returned):
        got, back = received.get(key, {}), returned.get(key, {})
        rows.append(
            PurchaseRow(
                key=key,
                label=labels.get(key, ""),
                received_qty=got.get("qty") or ZERO,
                received_amount=got.get("amount") or ZERO,
                received_tax=got.get("tax") or ZERO,
                returned_qty=back.get("qty") or ZERO,
                returned_amount=back.get("value") or ZERO,
                returned_total=back.get("amount") or ZERO,
            )
        )
    return _sorted(rows, per, lambda r: r.net_amount)


# Sales and gross margin --------------------------------------------------------------------------


@dataclass
class SalesRow:
    key: object
    label: str = ""
    shipped_qty: Decimal = ZERO
    shipped_amount: Decimal = ZERO  # excluding tax
    shipped_tax: Decimal = ZERO
    cost: Decimal = ZERO  # what the shipped goods left stock with
    returned_qty: Decimal = ZERO
    returned_amount: Decimal = ZERO  # excluding tax
    returned_total: Decimal = ZERO  # including tax: what the customer was credited
    restocked_cost: Decimal = ZERO  # cost of the returned goods taken back into stock

    @property
    def returned_tax(self) -> Decimal:
        return self.returned_total - self.returned_amount

    @property
    def net_qty(self) -> Decimal:
        return self.shipped_qty - self.returned_qty

    @property
    def revenue(self) -> Decimal:
        """Shipped less returned, excluding tax."""
        return self.shipped_amount - self.returned_amount

    @property
    def net_tax(self) -> Decimal:
        return self.shipped_tax - self.returned_tax

    @property
    def net_total(self) -> Decimal:
        return self.revenue + self.net_tax

    @property
    def cogs(self) -> Decimal:
        return self.cost - self.restocked_cost

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cogs

    @property
    def margin_ratio(self) -> Decimal | None:
        return ratio(self.margin, self.revenue)


# A return line's credit includes tax; its part excluding tax is in the shipment line's proportion
# of amount to amount + tax (to the fen, per line), so amount and tax add up to what was credited.
RETURN_NET = Coalesce(
    Round(
        F("amount")
        * F("shipment_line__amount")
        / NullIf(F("shipment_line__amount") + F("shipment_line__tax"), Value(ZERO)),
        2,
        output_field=MONEY,
    ),
    Value(ZERO),
    output_field=MONEY,
)


def sales_figures(scope: Scope, per: str) -> list[SalesRow]:
    """Posted shipments dated in the period (amount, tax, cost) less customer returns posted in
    the period (restocked or scrapped; a return counts in the period of its date), per customer,
    channel, item, category or period. Three queries."""
    shipment_lines = ShipmentLine.objects.filter(
        _order_scope(scope, "shipment__order__"),
        shipment__status=DocStatus.POSTED,
        shipment__posting_date__range=(scope.start, scope.end),
    )
    return_lines = CustomerReturnLine.objects.filter(
        _order_scope(scope, "shipment_line__shipment__order__"),
        customer_return__status=DocStatus.POSTED,
        customer_return__posting_date__range=(scope.start, scope.end),
    )
    if scope.items is not None:
        shipment_lines = shipment_lines.filter(order_line__item__in=scope.items)
        return_lines = return_lines.filter(shipment_line__order_line__item__in=scope.items)
    paths = {
        Per.CUSTOMER: "shipment__order__customer_id",
        Per.CHANNEL: "shipment__order__customer__channel",
        Per.WAREHOUSE: "shipment__order__warehouse_id",
        Per.ITEM: "order_line__item_id",
        Per.CATEGORY: "order_line__item__category_id",
        "date": "shipment__posting_date",
    }
    shipped = _grouped(
        shipment_lines,
        per,
        paths,
        qty=Sum("base_qty"),
        amount=Sum("amount"),
        tax=Sum("tax"),
        cost=Sum("cost"),
    )
    returned = _grouped(
        return_lines,
        per,
        {
            **{name: f"shipment_line__{path}" for name, path in paths.items()},
            "date": "customer_return__posting_date",
        },
        qty=Sum("base_qty"),
        net=Sum(RETURN_NET),
        total=Sum("amount"),
        restocked=Sum("cost", filter=Q(restock=True)),
    )
    labels = group_labels(per, set(shipped) | set(returned))
    rows = []
    for key in set(shipped) | set(returned):
        out, back = shipped.get(key, {}), returned.get(key, {})
        rows.append(
            SalesRow(
                key=key,
                label=labels.get(key, ""),
                shipped_qty=out.get("qty") or ZERO,
                shipped_amount=out.get("amount") or ZERO,
                shipped_tax=out.get("tax") or ZERO,
                cost=out.get("cost") or ZERO,
                returned_qty=back.get("qty") or ZERO,
                returned_amount=back.get("net") or ZERO,
                returned_total=back.get("total") or ZERO,
                restocked_cost=back.get("restocked") or ZERO,
            )
        )
    return _sorted(rows, per, lambda r: r.revenue)


# Order processing time ---------------------------------------------------------------------------

PROCESSING = ExpressionWrapper(F("shipped_at") - F("confirmed_at"), output_field=DurationField())
DAY_SECONDS = Decimal(86400)


def days(value: timedelta | None) -> Decimal | None:
    """A duration in days, to four places (6 hours = 0.25; 10 minutes = 0.0069)."""
    if value is None:
        return None
    seconds = Decimal(value.days) * DAY_SECONDS + Decimal(value.seconds) + Decimal(value.microseconds) / 10**6
    return (seconds / DAY_SECONDS).quantize(DAY_PLACES, rounding=ROUND_HALF_UP)


def _processed_orders(scope: Scope) -> QuerySet[SalesOrder]:
    """Orders fully shipped (shipped_at) on a day of the period, with their confirmation time."""
    return SalesOrder.objects.filter(
        _order_scope(scope, ""),
        confirmed_at__isnull=False,
        shipped_at__isnull=False,
        shipped_at__date__range=(scope.start, scope.end),
    )


@dataclass
class ProcessingRow:
    key: object
    label: str
    customer: str = ""
    warehouse: str = ""
    confirmed: date | None = None
    shipped: date | None = None
    orders: int = 0
    average_days: Decimal | None = None
    longest_days: Decimal | None = None


def processing_times(scope: Scope, per: str) -> Iterator[ProcessingRow]:
    """Per order (in the order they were completed, read in batches) or per warehouse or
    customer (count, average and longest, averaged by the database; busiest first)."""
    orders = _processed_orders(scope)
    if per == Per.ORDER:
        for o in (
            orders.annotate(took=PROCESSING)
            .values(
                "number",
                "customer__code",
                "customer__name",
                "warehouse__code",
                "warehouse__name",
                "confirmed_at",
                "shipped_at",
                "took",
            )
            .order_by("shipped_at", "number")
            .iterator(chunk_size=2000)
        ):
            took = days(o["took"])
            yield ProcessingRow(
                key=o["number"],
                label=o["number"],
                customer=f"{o['customer__code']} {o['customer__name']}",
                warehouse=f"{o['warehouse__code']} {o['warehouse__name']}",
                confirmed=_local_day(o["confirmed_at"]),
                shipped=_local_day(o["shipped_at"]),
                orders=1,
                average_days=took,
                longest_days=took,
            )
        return
    field = {Per.WAREHOUSE: "warehouse_id", Per.CUSTOMER: "customer_id"}[per]
    groups = list(
        orders.values(field)
        .annotate(n=Count("pk"), average=Avg(PROCESSING), longest=Max(PROCESSING))
        .order_by()
    )
    labels = group_labels(per, [g[field] for g in groups])
    rows = [
        ProcessingRow(
            key=g[field],
            label=labels.get(g[field], ""),
            customer=labels.get(g[field], "") if per == Per.CUSTOMER else "",
            warehouse=labels.get(g[field], "") if per == Per.WAREHOUSE else "",
            orders=g["n"],
            average_days=days(g["average"]),
            longest_days=days(g["longest"]),
        )
        for g in groups
    ]
    yield from sorted(rows, key=lambda r: (-r.orders, r.label))


def _local_day(value) -> date | None:
    return timezone.localdate(value) if value is not None else None
