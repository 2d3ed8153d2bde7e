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


# Document lines priced in a unit of an item (purchase and sales orders) ----------------------------

FEN = Decimal("0.01")
QTY_PLACES = Decimal("0.0001")
MAX_QTY = Decimal("1e14")  # what the quantity columns hold
MAX_MONEY = Decimal("1e15")


def money(value) -> Decimal:
    """To the fen, half up."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def line_factor(*, n: int, item, unit_id: int, qty: Decimal, error: type[Exception]) -> Decimal:
    """The first checks of an order line (quantity, unit conversion, active item); returns the
    unit's factor. `error` is the caller's DomainError class."""
    from django.utils.translation import gettext as _

    from .models import unit_factor

    if Decimal(qty) <= 0:
        raise error(_("Line %(n)s: the quantity must be greater than zero.") % {"n": n})
    factor = unit_factor(item, unit_id)
    if factor is None:
        raise error(_("Line %(n)s: %(item)s has no conversion for this unit.") % {"n": n, "item": item})
    if not item.is_active:
        raise error(_("Line %(n)s: %(item)s is inactive.") % {"n": n, "item": item})
    return factor


def line_amounts(
    *,
    n: int,
    qty: Decimal,
    factor: Decimal,
    price: Decimal,
    tax_rate: Decimal | None,
    discount: Decimal = Decimal("0"),
    error: type[Exception],
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(base quantity, tax rate, amount, tax) of an order line: amount = quantity × price less the
    discount, tax = amount × rate, each rounded half up to the fen; tax_rate None is the default
    rate. Refuses a negative price, a discount or rate outside 0–100 %, and what the columns
    cannot hold."""
    from django.conf import settings
    from django.utils.translation import gettext as _

    rate = settings.PURCHASE_DEFAULT_TAX_RATE if tax_rate is None else Decimal(tax_rate)
    discount = Decimal(discount or 0)
    if price < 0:
        raise error(_("Line %(n)s: the price cannot be negative.") % {"n": n})
    if not Decimal("0") <= discount <= 100:
        raise error(_("Line %(n)s: the discount must lie between 0 and 100%%.") % {"n": n})
    if not Decimal("0") <= rate <= 100:
        raise error(_("Line %(n)s: the tax rate must lie between 0 and 100%%.") % {"n": n})
    qty = Decimal(qty)
    base_qty = (qty * factor).quantize(QTY_PLACES, rounding=ROUND_HALF_UP)
    amount = money(qty * Decimal(price) * (100 - discount) / 100)
    if base_qty <= 0 or base_qty >= MAX_QTY or amount >= MAX_MONEY:
        raise error(_("Line %(n)s: the quantity or its value is too large.") % {"n": n})
    return base_qty, rate, amount, money(amount * rate / 100)
