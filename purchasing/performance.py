"""供应商绩效: how well each supplier delivered over a period — on-time rate, fill rate, reject rate,
average lead time and price variance against the price list.

Four queries whatever the number of suppliers: one grouped aggregate over receipt lines, one over
receipts, one over order lines (fill rate and price variance together, each with its own filter),
and one for the suppliers themselves. The rows keep the sums each measure is made of, so a page
can show "3 of 4" next to "75.0%", and the measures are None when there is nothing to divide by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Least
from django.utils import timezone

from .models import (
    OrderStatus,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
    ReceiptStatus,
    Supplier,
)

PERIOD_DAYS = 90
ONE_PLACE = Decimal("0.1")
ZERO = Decimal("0")
HUNDRED = Decimal("100")

# Orders whose lines count towards the fill rate: goods were (or are still) due.
FILL_STATUSES = (OrderStatus.APPROVED, OrderStatus.PARTIAL, OrderStatus.RECEIVED, OrderStatus.CLOSED)
# Orders whose prices count towards the price variance: agreed with the supplier, not abandoned.
NOT_PRICED = (OrderStatus.DRAFT, OrderStatus.CANCELLED)


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last 90 days, today included."""
    end = today or timezone.localdate()
    return end - timedelta(days=PERIOD_DAYS - 1), end


def _percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


@dataclass
class SupplierPerformance:
    """One supplier's figures over a period. Quantities are in base units, money in the order
    lines' currency excluding tax."""

    supplier: Supplier
    start: date
    end: date
    # On time: receipt lines of posted receipts dated in the period, with something received.
    receipt_lines: int = 0
    on_time_lines: int = 0
    # Reject rate: the same receipt lines' accepted and rejected quantities.
    rejected_base_qty: Decimal = ZERO
    inspected_base_qty: Decimal = ZERO  # accepted + rejected
    # Lead time: posted receipts dated in the period.
    receipts: int = 0
    lead_days: Decimal = ZERO  # Σ (receipt date − order date)
    # Fill rate: order lines expected in the period, of orders approved or further.
    ordered_base_qty: Decimal = ZERO
    filled_base_qty: Decimal = ZERO  # Σ min(accepted so far, ordered)
    # Price variance: order lines with a list price, of orders dated in the period.
    list_value: Decimal = ZERO  # Σ list price × qty
    over_list_value: Decimal = ZERO  # Σ (price − list price) × qty; negative = below the list

    @property
    def on_time_rate(self) -> Decimal | None:
        return _percent(self.on_time_lines, self.receipt_lines)

    @property
    def fill_rate(self) -> Decimal | None:
        return _percent(self.filled_base_qty, self.ordered_base_qty)

    @property
    def reject_rate(self) -> Decimal | None:
        return _percent(self.rejected_base_qty, self.inspected_base_qty)

    @property
    def lead_time_days(self) -> Decimal | None:
        if not self.receipts:
            return None
        return (self.lead_days / self.receipts).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)

    @property
    def price_variance(self) -> Decimal | None:
        """Percent paid above (positive) or below (negative) the price list."""
        return _percent(self.over_list_value, self.list_value)

    @property
    def has_data(self) -> bool:
        return bool(self.receipt_lines or self.receipts or self.ordered_base_qty or self.list_value)


def _days(value: timedelta | None) -> Decimal:
    if value is None:
        return ZERO
    return Decimal(value.days) + Decimal(value.seconds) / Decimal(86400)


def supplier_performance(
    start: date, end: date, supplier: Supplier | None = None
) -> list[SupplierPerformance]:
    """One row per supplier (or just `supplier`) over [start, end], both days included, sorted
    by supplier code: every active supplier, and inactive ones that have figures in the period."""
    in_period = {"receipt__posting_date__gte": start, "receipt__posting_date__lte": end}
    by_supplier = Q(receipt__order__supplier=supplier) if supplier else Q()

    receipt_lines = (
        PurchaseReceiptLine.objects.filter(by_supplier, receipt__status=ReceiptStatus.POSTED, **in_period)
        .values(supplier_id=F("receipt__order__supplier_id"))
        .annotate(
            lines=Count("pk", filter=Q(received_qty__gt=0)),
            on_time=Count(
                "pk",
                filter=Q(received_qty__gt=0, receipt__posting_date__lte=F("order_line__expected_date")),
            ),
            rejected=Sum("rejected_base_qty"),
            inspected=Sum(F("accepted_base_qty") + F("rejected_base_qty")),
        )
        .order_by()
    )
    receipts = (
        PurchaseReceipt.objects.filter(
            Q(order__supplier=supplier) if supplier else Q(),
            status=ReceiptStatus.POSTED,
            posting_date__gte=start,
            posting_date__lte=end,
        )
        .values(supplier_id=F("order__supplier_id"))
        # date − date is a whole number of days; summing them and dividing here keeps the mean exact
        .annotate(receipts=Count("pk"), lead=Sum(F("posting_date") - F("order__order_date")))
        .order_by()
    )
    fill = Q(order__status__in=FILL_STATUSES, expected_date__gte=start, expected_date__lte=end)
    priced = Q(list_price__isnull=False, order__order_date__gte=start, order__order_date__lte=end) & ~Q(
        order__status__in=NOT_PRICED
    )
    order_lines = (
        PurchaseOrderLine.objects.filter(fill | priced, Q(order__supplier=supplier) if supplier else Q())
        .values(supplier_id=F("order__supplier_id"))
        .annotate(
            ordered=Sum("base_qty", filter=fill),
            filled=Sum(Least("received_base_qty", "base_qty"), filter=fill),
            list_value=Sum(F("list_price") * F("qty"), filter=priced),
            over_list=Sum((F("price") - F("list_price")) * F("qty"), filter=priced),
        )
        .order_by()
    )

    figures: dict[int, dict] = {}
    for row in receipt_lines:
        figures.setdefault(row["supplier_id"], {}).update(
            receipt_lines=row["lines"],
            on_time_lines=row["on_time"],
            rejected_base_qty=row["rejected"] or ZERO,
            inspected_base_qty=row["inspected"] or ZERO,
        )
    for row in receipts:
        figures.setdefault(row["supplier_id"], {}).update(
            receipts=row["receipts"], lead_days=_days(row["lead"])
        )
    for row in order_lines:
        figures.setdefault(row["supplier_id"], {}).update(
            ordered_base_qty=row["ordered"] or ZERO,
            filled_base_qty=row["filled"] or ZERO,
            list_value=row["list_value"] or ZERO,
            over_list_value=row["over_list"] or ZERO,
        )

    if supplier is not None:
        suppliers = [supplier]
    else:
        suppliers = list(
            Supplier.objects.filter(Q(is_active=True) | Q(pk__in=list(figures))).order_by("code")
        )
    return [SupplierPerformance(s, start, end, **figures.get(s.pk, {})) for s in suppliers]


def supplier_performance_get(
    supplier: Supplier, start: date | None = None, end: date | None = None
) -> SupplierPerformance:
    """One supplier's row; the period defaults to the last 90 days."""
    if start is None or end is None:
        start, end = default_period()
    return supplier_performance(start, end, supplier=supplier)[0]
