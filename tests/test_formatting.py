"""How amounts read: thousands separators in both languages, quantities without trailing zeros,
money to the fen, unit prices to the fen or finer when they carry more places."""

from decimal import Decimal

import pytest
from django.utils import translation

from accounts.formatting import fmt_decimal_field, fmt_money, fmt_price, fmt_qty
from inventory.models import Item
from purchasing.models import SupplierItem
from sales.models import Customer


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_quantities_money_and_prices_read_the_same_in_both_languages(lang):
    with translation.override(lang):
        assert fmt_qty(Decimal("1234567.5000")) == "1,234,567.5"
        assert fmt_qty(Decimal("24.0000")) == "24"
        assert fmt_qty(Decimal("100")) == "100"
        assert fmt_qty(Decimal("0.0010")) == "0.001"
        assert fmt_money(Decimal("1234567.891")) == "1,234,567.89"
        assert fmt_money(Decimal("5")) == "5.00"
        assert fmt_money(Decimal("7.005")) == "7.01"  # rounded half up, not cut off
        assert fmt_money(Decimal("-0.678")) == "-0.68"
        assert fmt_money(Decimal("2.9951")) == "3.00"
        assert fmt_price(Decimal("12.5000")) == "12.50"
        assert fmt_price(Decimal("3.1250")) == "3.125"
        assert fmt_price(Decimal("1999.0000")) == "1,999.00"


def test_model_decimal_fields_are_formatted_by_what_they_hold():
    with translation.override("zh-hans"):
        assert fmt_decimal_field(Customer._meta.get_field("credit_limit"), Decimal("50000")) == "50,000.00"
        assert fmt_decimal_field(SupplierItem._meta.get_field("price"), Decimal("2.3750")) == "2.375"
        assert fmt_decimal_field(Item._meta.get_field("safety_stock"), Decimal("24.0000")) == "24"


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_ids_print_as_digits_and_amounts_keep_their_separators(lang):
    """An id past 999 in a link, a hidden field or a data attribute must stay "1234": grouped
    as "1,234" the page's forms and links sent a value no view could read."""
    from django.template import Context, Template

    page = Template(
        '{% load jxc %}<input name="order" value="{{ pk }}"><a href="?warehouse={{ pk }}"></a>{{ q|qty }}'
    )
    with translation.override(lang):
        assert page.render(Context({"pk": 1234, "q": Decimal("1234.5")})) == (
            '<input name="order" value="1234"><a href="?warehouse=1234"></a>1,234.5'
        )


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_fast_formatting_reads_as_djangos_number_format(lang):
    """accounts.formatting groups by itself (once per language it checks the locale writes
    1,234.5): the same text as Django's number_format, money rounded first."""
    from decimal import ROUND_HALF_UP

    from django.utils.formats import number_format

    def django(value, places):
        return number_format(value, places, use_l10n=True, force_grouping=True)

    values = [
        Decimal(v) for v in ("0", "-0.5", "0.004", "1", "12.5000", "1234567.891", "-9876.54321", "1E+3")
    ]
    with translation.override(lang):
        for v in values:
            places = len(format(v, "f").split(".")[1].rstrip("0")) if "." in format(v, "f") else 0
            assert fmt_qty(v) == django(v, places)
            assert fmt_price(v) == django(v, max(2, places))
            assert fmt_money(v) == django(v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), 2)
