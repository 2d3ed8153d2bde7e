"""Shared django-tables2 pieces for master-data lists."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .formatting import fmt_money, fmt_price, fmt_qty


class ActiveColumn(tables.BooleanColumn):
    def __init__(self, **kwargs):
        kwargs.setdefault("verbose_name", _("active"))
        super().__init__(**kwargs)


class NumberColumn(tables.Column):
    """A quantity (or, with money=True, an amount) right-aligned with thousands separators."""

    def __init__(self, *args, money: bool = False, price: bool = False, **kwargs):
        self.money, self.price = money, price
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        if self.price:
            return fmt_price(value)
        return fmt_money(value) if self.money else fmt_qty(value)


class LinkColumn(tables.Column):
    """The object's main column, linking to its detail page."""

    def render(self, value, record):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)


class MasterTable(tables.Table):
    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("Nothing found.")


class TablePagesMixin:
    """For a list view that shows a django-tables2 table (SingleTableMixin on a ListView or
    FilterView): the table pages the rows, so the list view must not page them too — it would read
    the page (and count the rows) a second time for a context nobody renders. Put it before
    SingleTableMixin."""

    def paginate_queryset(self, queryset, page_size):
        return None, None, queryset, False
