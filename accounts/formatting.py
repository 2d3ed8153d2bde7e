"""How quantities and money read on screen: thousands separators, quantities without trailing
zeros, money to the fen. Formatting only; stored values keep their full scale."""

from decimal import Decimal

from django.utils.formats import number_format


def fmt_qty(value: Decimal | None) -> str:
    if value is None:
        return ""
    value = Decimal(value)
    text = format(value, "f")
    places = len(text.split(".")[1].rstrip("0")) if "." in text else 0
    return number_format(value, places, use_l10n=True, force_grouping=True)


def fmt_money(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return ""
    return number_format(Decimal(value), places, use_l10n=True, force_grouping=True)


def fmt_price(value: Decimal | None) -> str:
    """A unit price: at least the fen, more places only when the price has them (3.125 → 3.125)."""
    if value is None:
        return ""
    text = format(Decimal(value), "f")
    places = len(text.split(".")[1].rstrip("0")) if "." in text else 0
    return number_format(Decimal(value), max(2, places), use_l10n=True, force_grouping=True)


def fmt_decimal_field(field, value: Decimal | None) -> str:
    """Format a model DecimalField's value by what it holds: money (2 places), a unit price,
    or a quantity."""
    if field.decimal_places == 2:
        return fmt_money(value)
    if "price" in field.name or "cost" in field.name:
        return fmt_price(value)
    return fmt_qty(value)
