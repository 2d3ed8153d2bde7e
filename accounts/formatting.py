"""How quantities and money read on screen: thousands separators, quantities without trailing
zeros, money rounded to the fen. Formatting only; stored values keep their full scale."""

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.utils.formats import get_format, number_format
from django.utils.translation import get_language


@lru_cache(maxsize=32)
def _plain_grouping(language: str | None) -> bool:
    """Whether the language writes 1,234,567.89 (both of ours do, config/formats). Read once per
    language: Django's number_format looks the three formats up on every call (≈12 ms of a
    50-row stock page)."""
    return (
        get_format("DECIMAL_SEPARATOR", language, use_l10n=True),
        get_format("THOUSAND_SEPARATOR", language, use_l10n=True),
        get_format("NUMBER_GROUPING", language, use_l10n=True),
    ) == (".", ",", 3)


def _number(value: Decimal, places: int) -> str:
    """`value` (with at most `places` decimals) grouped by threes, `places` decimals shown."""
    if not _plain_grouping(get_language()):
        return number_format(value, places, use_l10n=True, force_grouping=True)
    whole, _dot, fraction = format(abs(value), "f").partition(".")
    text = f"{'-' if value < 0 else ''}{int(whole):,}"
    return f"{text}.{fraction[:places].ljust(places, '0')}" if places else text


def _places(value: Decimal) -> int:
    text = format(value, "f")
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


def fmt_qty(value: Decimal | None) -> str:
    if value is None:
        return ""
    value = Decimal(value)
    return _number(value, _places(value))


def fmt_money(value: Decimal | None, places: int = 2) -> str:
    """Rounded half up to `places` (Django's number_format cuts the digits beyond them off: a
    stock value of 3 × 2.335 = 7.005 read 7.00)."""
    if value is None:
        return ""
    value = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return _number(value, places)


def fmt_price(value: Decimal | None) -> str:
    """A unit price: at least the fen, more places only when the price has them (3.125 → 3.125)."""
    if value is None:
        return ""
    value = Decimal(value)
    return _number(value, max(2, _places(value)))


def fmt_decimal_field(field, value: Decimal | None) -> str:
    """Format a model DecimalField's value by what it holds: money (2 places), a unit price,
    or a quantity."""
    if field.decimal_places == 2:
        return fmt_money(value)
    if "price" in field.name or "cost" in field.name:
        return fmt_price(value)
    return fmt_qty(value)
