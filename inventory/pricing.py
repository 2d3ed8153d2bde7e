"""Price lists with quantity breaks, shared by purchasing (supplier prices) and sales (prices per
price level): the highest break whose quantity is not above the quantity ordered replaces the
list price."""

from decimal import ROUND_HALF_UP, Decimal

PRICE_PLACES = Decimal("0.0001")


def break_price(listed, qty: Decimal) -> Decimal:
    """The price per `listed`'s own unit for `qty` of that unit. `listed` has .price and
    .price_breaks (ordered by min_qty; prefetched or not)."""
    price = listed.price
    for brk in listed.price_breaks.all():
        if qty >= brk.min_qty:
            price = brk.price
    return price.quantize(PRICE_PLACES, rounding=ROUND_HALF_UP)
