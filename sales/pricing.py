"""What a customer pays: the price list of the customer's price level, per the unit asked for,
with quantity breaks. A pure lookup (reads only); order entry calls it to fill a line's price."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# One rule for prices and breaks across buying and selling (inventory.pricing): the highest break
# not above the quantity wins.
from inventory.models import Item, unit_factor
from inventory.pricing import PRICE_PLACES, break_price

from .models import Customer, SalesPrice


@dataclass(frozen=True)
class SalesPriceQuote:
    """The price per the requested unit, excluding tax, and the price-list row it came from."""

    price: Decimal
    sales_price: SalesPrice


def sales_price(customer: Customer, item: Item, unit_id: int, qty: Decimal) -> SalesPriceQuote | None:
    """The price `customer` pays per `unit_id` of `item` when buying `qty` of that unit.

    The active price of the customer's price level in that unit is used, else one in another
    unit of the item converted through the item's unit factors. The highest quantity break whose
    `min_qty` (in the price's own unit) is not above the quantity replaces the base price. The
    result is rounded half-up to 4 places. None when the customer has no price level, the level
    has no active price for the item, or a unit cannot be converted."""
    if customer.price_level_id is None:
        return None
    candidates = list(
        SalesPrice.objects.filter(
            price_level_id=customer.price_level_id, item=item, is_active=True
        ).prefetch_related("price_breaks")
    )
    if not candidates:
        return None
    # The price in the unit asked for wins; otherwise the oldest row, so the answer is stable.
    candidates.sort(key=lambda sp: (sp.unit_id != unit_id, sp.pk))
    listed = candidates[0]
    if listed.unit_id == unit_id:
        asked_factor = listed_factor = Decimal("1")
    else:
        asked_factor, listed_factor = unit_factor(item, unit_id), unit_factor(item, listed.unit_id)
        if asked_factor is None or listed_factor is None:
            return None
    price = break_price(listed, Decimal(qty) * asked_factor / listed_factor)
    per_asked_unit = (price * asked_factor / listed_factor).quantize(PRICE_PLACES, rounding=ROUND_HALF_UP)
    return SalesPriceQuote(per_asked_unit, listed)
