"""Reads shared by views: what a user may see."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum

from accounts.rules import sees_all_warehouses

from .models import Location, Warehouse


def warehouses_for(user) -> QuerySet[Warehouse]:
    qs = Warehouse.objects.all()
    if sees_all_warehouses(user):
        return qs
    return qs.filter(members=user)


def locations_for(user) -> QuerySet[Location]:
    return Location.objects.filter(warehouse__in=warehouses_for(user)).select_related("warehouse", "parent")


def stock_documents_for(user) -> QuerySet:
    """Documents of the warehouses the user works in (source or destination of a transfer)."""
    from .models import StockDocument

    qs = StockDocument.objects.all()
    if sees_all_warehouses(user):
        return qs
    mine = warehouses_for(user)
    return qs.filter(Q(warehouse__in=mine) | Q(to_warehouse__in=mine))


def stock_on_hand(user) -> QuerySet:
    """Balances with stock, read from the balance table (never summed from the ledger), with the
    item's average cost and the balance's value at that cost."""
    from .models import StockBalance

    qs = (
        StockBalance.objects.filter(warehouse__in=warehouses_for(user))
        .exclude(on_hand=0, reserved=0)
        .select_related("item", "item__base_unit", "item__category", "warehouse", "location", "batch")
        .annotate(
            avg_cost=F("item__valuation__avg_cost"),
            stock_value=ExpressionWrapper(
                F("on_hand") * F("item__valuation__avg_cost"),
                output_field=DecimalField(max_digits=24, decimal_places=2),
            ),
        )
    )
    return qs.order_by("item__sku", "warehouse__code", "location__path", "batch__batch_no", "id")


@dataclass
class StockCard:
    opening_qty: Decimal
    opening_value: Decimal
    rows: list[dict]
    closing_qty: Decimal
    closing_value: Decimal
    truncated: bool


STOCK_CARD_MAX_ROWS = 2000


def stock_card(*, item, warehouse=None, start=None, end=None, location_id=None, batch_id=None) -> StockCard:
    """One item's moves in a date range with running quantity and value (库存台账).
    The opening balance is the sum of earlier moves; period close will provide it directly."""
    from .models import StockMove

    moves = StockMove.objects.filter(item=item)
    if warehouse is not None:
        moves = moves.filter(warehouse=warehouse)
    if location_id:
        moves = moves.filter(location_id=location_id)
    if batch_id:
        moves = moves.filter(batch_id=batch_id)
    opening = {"qty": None, "value": None}
    if start:
        opening = moves.filter(moved_at__date__lt=start).aggregate(qty=Sum("qty"), value=Sum("value"))
        moves = moves.filter(moved_at__date__gte=start)
    if end:
        moves = moves.filter(moved_at__date__lte=end)
    qty = opening["qty"] or Decimal("0")
    value = opening["value"] or Decimal("0")
    opening_qty, opening_value = qty, value
    rows = []
    page = list(
        moves.select_related("posting", "posting__posted_by", "location", "batch", "warehouse").order_by(
            "seq"
        )[: STOCK_CARD_MAX_ROWS + 1]
    )
    for move in page[:STOCK_CARD_MAX_ROWS]:
        qty += move.qty
        value += move.value
        rows.append({"move": move, "qty": qty, "value": value})
    return StockCard(opening_qty, opening_value, rows, qty, value, truncated=len(page) > STOCK_CARD_MAX_ROWS)
