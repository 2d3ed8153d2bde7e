"""Reads that the sales screens share: what can be promised to a customer (available-to-promise)
and the reservations held for an order's lines."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, F, Sum, Value
from django.db.models.functions import Greatest

from inventory.services.reservations import availability, reserved_by_line

from .models import SalesOrder
from .services import ORDER_DOC_TYPE

ZERO = Decimal("0")


@dataclass(frozen=True)
class Availability:
    """An item in one warehouse, in its base unit: 在库 on hand, 已预留 reserved for confirmed
    orders, 可用 available = on hand − reserved, 在途 on order from suppliers (not yet received)."""

    on_hand: Decimal
    reserved: Decimal
    on_order: Decimal

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


def on_order_from_purchasing(item_id: int, warehouse_id: int) -> Decimal:
    """What purchase orders for the warehouse still bring of the item (base unit): ordered less
    accepted on lines of submitted, approved and partly received orders. An over-received line
    counts as nothing to come, never as less."""
    from purchasing.models import OrderStatus, PurchaseOrderLine

    outstanding = Greatest(
        F("base_qty") - F("received_base_qty"),
        Value(ZERO),
        output_field=DecimalField(max_digits=18, decimal_places=4),
    )
    total = PurchaseOrderLine.objects.filter(
        item_id=item_id,
        order__warehouse_id=warehouse_id,
        order__status__in=(OrderStatus.SUBMITTED, OrderStatus.APPROVED, OrderStatus.PARTIAL),
    ).aggregate(total=Sum(outstanding))["total"]
    return total or ZERO


def item_availability(item_id: int, warehouse_id: int) -> Availability:
    """在库 / 已预留 / 可用 / 在途 of an item in a warehouse, read from the balances (never the ledger)
    and the open purchase order lines."""
    on_hand, reserved = availability(item_id, warehouse_id)
    return Availability(on_hand, reserved, on_order_from_purchasing(item_id, warehouse_id))


def order_reserved_by_line(order: SalesOrder) -> dict[int, Decimal]:
    """Base quantity reserved per line of the order (line id → quantity)."""
    return reserved_by_line(ORDER_DOC_TYPE, order.pk)
