"""Reorder suggestions (补货建议): per item × warehouse, what is available plus on order against
the reorder point, how much to order from which supplier at what price; and the service that
turns ticked suggestions into one draft purchase order per supplier and warehouse.

The reorder point (订货点) = average daily demand × lead time + safety stock. When the item has a
lead time and at least FORECAST_MIN_MONTHS months of sales in the warehouse, the daily demand is
the forecast of the current month (reports.forecast: Holt-Winters with trend and seasonality from
24 months of sales, Holt's linear trend from 6, otherwise the average month) ÷ its days.
Otherwise — no lead time, too little history — the reorder point set on the item is used as it is.

The selector costs a fixed number of queries however many items there are: balances and open
order lines are each summed per item × warehouse in one query, the monthly sales of the items
with a lead time in one more (only when there are such items), then the items, warehouses,
supplier items (with their price breaks) and unit conversions of the lines that need ordering
are read once each."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import DecimalField, F, Q, Sum, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.formatting import fmt_qty
from inventory.models import Category, Item, ItemUnit, StockBalance, Warehouse
from inventory.pricing import MAX_QTY, QTY_PLACES, break_price, money
from reports import forecast as fc

from .models import OrderStatus, PurchaseOrder, PurchaseOrderLine, Supplier, SupplierItem
from .services import (
    OrderLineInput,
    PurchasingError,
    order_create,
    order_set_lines,
    round_up_to_pack,
)

ZERO = Decimal("0")
QTY_FIELD = DecimalField(max_digits=18, decimal_places=4)
# Ordered and not yet received: drafts are only plans, received/closed/cancelled orders owe nothing.
ON_ORDER_STATUSES = (OrderStatus.SUBMITTED, OrderStatus.APPROVED, OrderStatus.PARTIAL)
# Months of sales (from the first month with a sale) before the forecast replaces the item's point.
FORECAST_MIN_MONTHS = 3


@dataclass(frozen=True)
class ReorderPoint:
    """The point an item × warehouse is reordered at, and where it comes from: a forecast
    (per_day and method set) or the item's own reorder point (both None)."""

    qty: Decimal
    per_day: Decimal | None = None  # forecast demand per day, base unit
    method: str | None = None  # the forecast's method label
    lead_time_days: int = 0
    safety_stock: Decimal = ZERO


@dataclass
class Suggestion:
    """One item × warehouse at or below its reorder point. Quantities named *_base are in the
    item's base unit; `qty`, `price` and `amount` are in the supplier item's unit."""

    item: Item
    warehouse: Warehouse
    available: Decimal
    on_order: Decimal
    in_draft: Decimal  # on draft orders for the warehouse: shown, not counted
    target: Decimal
    need_base: Decimal  # target − (available + on order), before rounding
    point: ReorderPoint | None = None
    supplier_item: SupplierItem | None = None
    factor: Decimal | None = None  # base units per supplier unit
    qty: Decimal | None = None  # rounded to the minimum order and the pack
    price: Decimal | None = None  # price list price for `qty` (quantity breaks applied)
    # What the page shows again after a refusal: ticked or not, the quantity as typed.
    selected: bool = False
    entered: str | None = None

    @property
    def position(self) -> Decimal:
        return self.available + self.on_order

    @property
    def reorder_point(self) -> Decimal:
        return self.point.qty if self.point is not None else self.item.reorder_point

    @property
    def point_basis(self) -> str:
        """How the reorder point was worked out, for the page."""
        p = self.point
        if p is None or p.per_day is None:
            return _("The item's reorder point.")
        return _(
            "Forecast %(per_day)s a day × %(days)s days' lead time + safety stock %(safety)s (%(method)s)."
        ) % {
            "per_day": fmt_qty(p.per_day),
            "days": p.lead_time_days,
            "safety": fmt_qty(p.safety_stock),
            "method": p.method,
        }

    @property
    def base_qty(self) -> Decimal | None:
        if self.qty is None:
            return None
        return (self.qty * self.factor).quantize(QTY_PLACES, rounding=ROUND_HALF_UP)

    @property
    def amount(self) -> Decimal | None:
        return None if self.qty is None else money(self.qty * self.price)

    @property
    def qty_text(self) -> str:
        """The quantity as an input's value: plain digits, no grouping, no trailing zeros."""
        return "" if self.qty is None else format(self.qty.normalize(), "f")

    @property
    def key(self) -> str:
        """What the form posts for the line: item id, warehouse id, supplier item id."""
        return line_key(self.item.pk, self.warehouse.pk, self.supplier_item.pk if self.supplier_item else 0)


def line_key(item_id: int, warehouse_id: int, supplier_item_id: int) -> str:
    return f"{item_id}-{warehouse_id}-{supplier_item_id}"


def parse_line_key(key: str) -> tuple[int, int, int] | None:
    parts = key.strip().split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    item_id, warehouse_id, supplier_item_id = (int(p) for p in parts)
    return item_id, warehouse_id, supplier_item_id


def target_level(item: Item, point: Decimal | None = None) -> Decimal:
    """Order up to the maximum when the item has one above its reorder point (`point`, by default
    the item's own); otherwise up to the reorder point plus the safety stock (so one order lifts
    the item clear of the point)."""
    point = item.reorder_point if point is None else point
    if item.max_stock > point:
        return item.max_stock
    return point + item.safety_stock


def _factors(item_ids) -> dict[tuple[int, int], Decimal]:
    return {
        (item_id, unit_id): factor
        for item_id, unit_id, factor in ItemUnit.objects.filter(item_id__in=item_ids).values_list(
            "item_id", "unit_id", "factor"
        )
    }


def _factor(item: Item, unit_id: int, factors: dict[tuple[int, int], Decimal]) -> Decimal | None:
    if unit_id == item.base_unit_id:
        return Decimal("1")
    return factors.get((item.pk, unit_id))


def choose_supplier_item(
    item: Item, candidates: list[SupplierItem], factors: dict[tuple[int, int], Decimal]
) -> tuple[SupplierItem, Decimal] | None:
    """The preferred active supplier item, else the cheapest per base unit (list price, before
    breaks); ties go to the lower supplier code. Supplier items whose unit the item cannot be
    converted to are skipped. Returns the supplier item and its factor to the base unit."""
    usable = []
    for si in candidates:
        factor = _factor(item, si.unit_id, factors)
        if factor:
            usable.append((not si.is_preferred, si.price / factor, si.supplier.code, si.pk, si, factor))
    if not usable:
        return None
    *_sort, si, factor = min(usable, key=lambda row: row[:4])
    return si, factor


def suggested_qty(need_base: Decimal, si: SupplierItem, factor: Decimal) -> Decimal:
    """The need converted to the supplier's unit, at least the minimum order, up to whole packs;
    never nothing: an item exactly at its point with nothing to top up gets one pack."""
    qty = round_up_to_pack(max(need_base, ZERO) / factor, min_order=si.min_order_qty, pack=si.pack_qty)
    if qty <= 0:
        qty = round_up_to_pack(si.pack_qty, min_order=si.min_order_qty, pack=si.pack_qty)
    return qty


def _item_filter(prefix: str, category: Category | None) -> Q:
    """Active items with a reorder point, or with a lead time (a forecast may give them one)."""
    q = Q(**{f"{prefix}is_active": True}) & (
        Q(**{f"{prefix}reorder_point__gt": 0}) | Q(**{f"{prefix}lead_time_days__gt": 0})
    )
    if category is not None:
        q &= Q(**{f"{prefix}category": category}) | Q(
            **{f"{prefix}category__path__startswith": f"{category.path} / "}
        )
    return q


def reorder_points(
    items: dict[int, tuple[Decimal, Decimal, int]], keys: set[tuple[int, int]], *, today: date | None = None
) -> dict[tuple[int, int], ReorderPoint]:
    """The reorder point of each (item, warehouse) key. `items`: item id → (its reorder point,
    safety stock, lead time in days). Items with a lead time and at least FORECAST_MIN_MONTHS
    months of sales in the warehouse get the forecast's point; the others keep their own. One
    query, only when some item has a lead time."""
    points = {key: ReorderPoint(qty=items[key[0]][0]) for key in keys}
    timed = {key for key in keys if items[key[0]][2] > 0}
    if not timed:
        return points
    this_month = fc.month_start(today or timezone.localdate())
    history = fc.demand_history(
        first_month=fc.history_start(this_month),
        months=fc.HISTORY_MONTHS,
        moves=Q(item_id__in={i for i, _w in timed}, warehouse_id__in={w for _i, w in timed}),
    )
    for key in timed:
        ahead = fc.forecast(history.get(key, ()))
        if ahead.months < FORECAST_MIN_MONTHS:
            continue
        _point, safety, lead = items[key[0]]
        per_day = ahead.per_day(this_month)
        points[key] = ReorderPoint(
            qty=(per_day * lead + safety).quantize(QTY_PLACES, rounding=ROUND_HALF_UP),
            per_day=per_day,
            method=ahead.method_label,
            lead_time_days=lead,
            safety_stock=safety,
        )
    return points


def reorder_suggestions(
    *,
    warehouse: Warehouse | None = None,
    supplier: Supplier | None = None,
    category: Category | None = None,
    today: date | None = None,
) -> list[Suggestion]:
    """Every active item × active warehouse that is at or below its reorder point (see
    reorder_points; a point of zero never reorders), sorted by SKU then warehouse code. Only
    places where the item is kept count: it has a stock balance there (even an empty one) or an
    open order. With `supplier`, only the lines that supplier would get; lines without any
    supplier are kept (qty None) unless a supplier is chosen. `today` dates the forecast (its
    first month is today's)."""
    warehouses = Q(warehouse__is_active=True)
    orders = Q(order__warehouse__is_active=True, order__status__in=(*ON_ORDER_STATUSES, OrderStatus.DRAFT))
    if warehouse is not None:
        warehouses &= Q(warehouse=warehouse)
        orders &= Q(order__warehouse=warehouse)

    # The item's reorder point, safety stock and lead time ride along in the GROUP BY (one value
    # per item), so only the lines that need ordering are read in full afterwards.
    item_fields = ("item__reorder_point", "item__safety_stock", "item__lead_time_days")
    items_seen: dict[int, tuple[Decimal, Decimal, int]] = {}
    available: dict[tuple[int, int], Decimal] = {}
    for row in (
        StockBalance.objects.filter(warehouses, _item_filter("item__", category))
        .values("item_id", "warehouse_id", *item_fields)
        .annotate(available=Sum(F("on_hand") - F("reserved"), output_field=QTY_FIELD))
        .order_by()
    ):
        available[(row["item_id"], row["warehouse_id"])] = row["available"]
        items_seen[row["item_id"]] = tuple(row[f] for f in item_fields)
    # Drafts are read in the same query only to be shown (so a buyer sees what is already being
    # prepared); they neither count as on order nor make a warehouse one the item is kept in.
    on_order: dict[tuple[int, int], Decimal] = {}
    in_draft: dict[tuple[int, int], Decimal] = {}
    for row in (
        PurchaseOrderLine.objects.filter(orders, _item_filter("item__", category))
        .values("item_id", "order__warehouse_id", *item_fields)
        .annotate(
            on_order=Sum(
                Greatest(F("base_qty") - F("received_base_qty"), Value(ZERO), output_field=QTY_FIELD),
                filter=Q(order__status__in=ON_ORDER_STATUSES),
                output_field=QTY_FIELD,
            ),
            in_draft=Sum("base_qty", filter=Q(order__status=OrderStatus.DRAFT), output_field=QTY_FIELD),
        )
        .order_by()
    ):
        key = (row["item_id"], row["order__warehouse_id"])
        if row["on_order"] is not None:
            on_order[key] = row["on_order"]
            items_seen[row["item_id"]] = tuple(row[f] for f in item_fields)
        if row["in_draft"] is not None:
            in_draft[key] = row["in_draft"]

    points = reorder_points(items_seen, set(available) | set(on_order), today=today)
    due = [
        key
        for key, point in points.items()
        if point.qty > 0 and available.get(key, ZERO) + on_order.get(key, ZERO) <= point.qty
    ]
    if not due:
        return []
    item_ids = {item_id for item_id, _w in due}
    items = Item.objects.select_related("base_unit", "category").in_bulk(item_ids)
    warehouses_by_id = Warehouse.objects.in_bulk({warehouse_id for _i, warehouse_id in due})
    factors = _factors(item_ids)
    candidates: dict[int, list[SupplierItem]] = defaultdict(list)
    for si in (
        SupplierItem.objects.filter(item_id__in=item_ids, is_active=True, supplier__is_active=True)
        .select_related("supplier", "unit")
        .prefetch_related("price_breaks")
    ):
        candidates[si.item_id].append(si)

    chosen = []
    for item_id, warehouse_id in due:
        item = items[item_id]
        have = available.get((item_id, warehouse_id), ZERO)
        coming = on_order.get((item_id, warehouse_id), ZERO)
        point = points[(item_id, warehouse_id)]
        target = target_level(item, point.qty)
        s = Suggestion(
            item=item,
            warehouse=warehouses_by_id[warehouse_id],
            available=have,
            on_order=coming,
            in_draft=in_draft.get((item_id, warehouse_id), ZERO),
            target=target,
            need_base=max(target - have - coming, ZERO),
            point=point,
        )
        pick = choose_supplier_item(item, candidates[item.pk], factors)
        if pick is not None:
            s.supplier_item, s.factor = pick
            s.qty = suggested_qty(s.need_base, s.supplier_item, s.factor)
            s.price = break_price(s.supplier_item, s.qty)
        if supplier is not None and (s.supplier_item is None or s.supplier_item.supplier_id != supplier.pk):
            continue
        chosen.append(s)
    chosen.sort(key=lambda s: (s.item.sku, s.warehouse.code))
    return chosen


# Creating the orders ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReorderLineInput:
    """A ticked line as posted: ids and the quantity in the supplier item's unit."""

    item_id: int
    warehouse_id: int
    supplier_item_id: int
    qty: Decimal | None  # None: what was typed is not a number


class ReorderError(PurchasingError):
    """Every problem found with the ticked lines, each naming the line; nothing was created."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def _check_lines(
    lines: list[ReorderLineInput],
) -> tuple[list[str], list[tuple[SupplierItem, Warehouse, Item, Decimal]]]:
    items = Item.objects.in_bulk({ln.item_id for ln in lines})
    warehouses = Warehouse.objects.in_bulk({ln.warehouse_id for ln in lines})
    supplier_items = SupplierItem.objects.select_related("supplier", "unit").in_bulk(
        {ln.supplier_item_id for ln in lines}
    )
    factors = _factors(set(items))
    problems, checked = [], []
    for ln in lines:
        item = items.get(ln.item_id)
        wh = warehouses.get(ln.warehouse_id)
        si = supplier_items.get(ln.supplier_item_id)
        if item is None:
            problems.append(
                _("A ticked line names an item that does not exist (id %(id)s).") % {"id": ln.item_id}
            )
            continue
        if not item.is_active:
            problems.append(_("%(item)s is inactive.") % {"item": item})
            continue
        if wh is None or not wh.is_active:
            problems.append(_("%(item)s: the warehouse does not exist or is inactive.") % {"item": item})
            continue
        where = _("%(item)s for %(warehouse)s") % {"item": item, "warehouse": wh}
        if si is None or si.item_id != item.pk or not si.is_active or not si.supplier.is_active:
            problems.append(_("%(line)s: no active supplier price to order from.") % {"line": where})
            continue
        if _factor(item, si.unit_id, factors) is None:
            problems.append(
                _("%(line)s: the item has no conversion for the unit %(unit)s.")
                % {"line": where, "unit": si.unit}
            )
            continue
        qty = ln.qty
        if qty is None:
            problems.append(_("%(line)s: enter the quantity as a number.") % {"line": where})
            continue
        if not qty.is_finite() or qty <= 0:
            problems.append(_("%(line)s: the quantity must be greater than zero.") % {"line": where})
            continue
        if qty >= MAX_QTY or qty != qty.quantize(QTY_PLACES):
            problems.append(_("%(line)s: the quantity is too large or too precise.") % {"line": where})
            continue
        rounded = round_up_to_pack(qty, min_order=si.min_order_qty, pack=si.pack_qty)
        if rounded != qty:
            problems.append(
                _(
                    "%(line)s: %(supplier)s sells it in packs of %(pack)s %(unit)s with a minimum order of "
                    "%(moq)s; order %(rounded)s instead of %(qty)s."
                )
                % {
                    "line": where,
                    "supplier": si.supplier,
                    "pack": fmt_qty(si.pack_qty),
                    "unit": si.unit,
                    "moq": fmt_qty(si.min_order_qty),
                    "rounded": fmt_qty(rounded),
                    "qty": fmt_qty(qty),
                }
            )
            continue
        checked.append((si, wh, item, qty))
    return problems, checked


@transaction.atomic
def reorder_create_orders(*, lines: list[ReorderLineInput], user) -> list[PurchaseOrder]:
    """One draft purchase order per (supplier, warehouse) for the ticked lines, priced from the
    price list (quantity breaks apply to each line's quantity), in the supplier item's unit.

    Every line is checked before anything is written: the item, warehouse and supplier item must
    exist and be active, the supplier item must sell that item, and the quantity must be positive,
    at least the minimum order and a whole number of packs. Raises ReorderError naming every bad
    line, and then nothing is created. Orders come out sorted by supplier code, then warehouse."""
    if not lines:
        raise ReorderError([_("Tick at least one line to order.")])
    unique = list({(ln.item_id, ln.warehouse_id, ln.supplier_item_id): ln for ln in lines}.values())
    problems, checked = _check_lines(unique)
    if problems:
        raise ReorderError(problems)
    groups: dict[tuple[Supplier, Warehouse], list[OrderLineInput]] = defaultdict(list)
    for si, wh, item, qty in checked:
        groups[(si.supplier, wh)].append(OrderLineInput(item=item, unit_id=si.unit_id, qty=qty))
    created = []
    for supplier, wh in sorted(groups, key=lambda key: (key[0].code, key[1].code)):
        order = order_create(
            supplier=supplier, warehouse=wh, user=user, note=_("Created from the reorder suggestions.")
        )
        order_lines = sorted(groups[(supplier, wh)], key=lambda ln: ln.item.sku)
        created.append(order_set_lines(order_id=order.pk, lines=order_lines, user=user))
    return created
