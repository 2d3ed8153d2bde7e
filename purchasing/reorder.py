"""Reorder suggestions (补货建议): per item × warehouse, what is available plus on order against
the item's reorder point, how much to order from which supplier at what price; and the service
that turns ticked suggestions into one draft purchase order per supplier and warehouse.

The selector costs a fixed number of queries however many items there are: balances and open
order lines are each summed per item × warehouse in one query, then the items, warehouses,
supplier items (with their price breaks) and unit conversions of the lines that need ordering
are read once each."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import DecimalField, F, Q, Sum, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from accounts.formatting import fmt_qty
from inventory.models import Category, Item, ItemUnit, StockBalance, Warehouse
from inventory.pricing import MAX_QTY, QTY_PLACES, break_price, money

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


def target_level(item: Item) -> Decimal:
    """Order up to the maximum when the item has one above its reorder point; otherwise up to the
    reorder point plus the safety stock (so one order lifts the item clear of the point)."""
    if item.max_stock > item.reorder_point:
        return item.max_stock
    return item.reorder_point + item.safety_stock


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
    q = Q(**{f"{prefix}is_active": True, f"{prefix}reorder_point__gt": 0})
    if category is not None:
        q &= Q(**{f"{prefix}category": category}) | Q(
            **{f"{prefix}category__path__startswith": f"{category.path} / "}
        )
    return q


def reorder_suggestions(
    *,
    warehouse: Warehouse | None = None,
    supplier: Supplier | None = None,
    category: Category | None = None,
) -> list[Suggestion]:
    """Every active item × active warehouse that is at or below its reorder point, sorted by SKU
    then warehouse code. Only places where the item is kept count: it has a stock balance there
    (even an empty one) or an open order. With `supplier`, only the lines that supplier would get;
    lines without any supplier are kept (qty None) unless a supplier is chosen."""
    warehouses = Q(warehouse__is_active=True)
    orders = Q(order__warehouse__is_active=True, order__status__in=(*ON_ORDER_STATUSES, OrderStatus.DRAFT))
    if warehouse is not None:
        warehouses &= Q(warehouse=warehouse)
        orders &= Q(order__warehouse=warehouse)

    # The item's reorder point rides along in the GROUP BY (one value per item), so only the
    # lines that need ordering are read in full afterwards.
    reorder_points: dict[int, Decimal] = {}
    available: dict[tuple[int, int], Decimal] = {}
    for row in (
        StockBalance.objects.filter(warehouses, _item_filter("item__", category))
        .values("item_id", "warehouse_id", "item__reorder_point")
        .annotate(available=Sum(F("on_hand") - F("reserved"), output_field=QTY_FIELD))
        .order_by()
    ):
        available[(row["item_id"], row["warehouse_id"])] = row["available"]
        reorder_points[row["item_id"]] = row["item__reorder_point"]
    # Drafts are read in the same query only to be shown (so a buyer sees what is already being
    # prepared); they neither count as on order nor make a warehouse one the item is kept in.
    on_order: dict[tuple[int, int], Decimal] = {}
    in_draft: dict[tuple[int, int], Decimal] = {}
    for row in (
        PurchaseOrderLine.objects.filter(orders, _item_filter("item__", category))
        .values("item_id", "order__warehouse_id", "item__reorder_point")
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
            reorder_points[row["item_id"]] = row["item__reorder_point"]
        if row["in_draft"] is not None:
            in_draft[key] = row["in_draft"]

    due = [
        key
        for key in set(available) | set(on_order)
        if available.get(key, ZERO) + on_order.get(key, ZERO) <= reorder_points[key[0]]
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
        target = target_level(item)
        s = Suggestion(
            item=item,
            warehouse=warehouses_by_id[warehouse_id],
            available=have,
            on_order=coming,
            in_draft=in_draft.get((item_id, warehouse_id), ZERO),
            target=target,
            need_base=max(target - have - coming, ZERO),
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
