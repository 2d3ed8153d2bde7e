"""The filter forms of the reports. Every report form takes the user (`Form(data, user=user)`): the
warehouse choice offers only the warehouses the user may see. A form given no data (a first
visit, or an export with no filters) fills in its defaults, so it is always bound and valid
unless the user typed something wrong, and the page and the Excel file use the same filters."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.models import Category, Item, ItemType, Warehouse
from inventory.selectors import warehouses_for

MAX_PERIOD_DAYS = 3 * 366  # a turnover over more than three years reads too many month ends


def last_full_months(today: date, months: int = 3) -> tuple[date, date]:
    """The last `months` whole months before today's month: (first day, last day)."""
    end = today.replace(day=1) - timedelta(days=1)
    year, month = end.year, end.month - (months - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1), end


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportForm(forms.Form):
    """Base of the report filter forms: bound to its defaults when given no data."""

    def __init__(self, data=None, *, user, **kwargs):
        self.user = user
        # Fields the request leaves out take their defaults (a first visit, a link that sets only
        # the warehouse, an export with no filters); a field sent empty stays empty.
        data = data.copy() if data is not None else {}
        for name, value in self.default_data().items():
            data.setdefault(name, value)
        super().__init__(data, **kwargs)
        if "warehouse" in self.fields:
            self.fields["warehouse"].queryset = warehouses_for(user)

    def default_data(self) -> dict[str, str]:
        data = {}
        for name, field in self.base_fields.items():
            value = field.initial() if callable(field.initial) else field.initial
            if value is None or value == "":
                continue
            data[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
        return data


class ScopeMixin(forms.Form):
    """Warehouse, category (with its subcategories) and item type."""

    warehouse = forms.ModelChoiceField(
        label=gettext_lazy("Warehouse"), queryset=Warehouse.objects.none(), required=False
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"), queryset=Category.objects.filter(is_active=True), required=False
    )
    item_type = forms.ChoiceField(
        label=gettext_lazy("Item type"), choices=[("", "---------"), *ItemType.choices], required=False
    )


class PeriodMixin(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"),
        widget=_date_input(),
        initial=lambda: last_full_months(timezone.localdate())[0],
    )
    end = forms.DateField(
        label=gettext_lazy("To"),
        widget=_date_input(),
        initial=lambda: last_full_months(timezone.localdate())[1],
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end > timezone.localdate():
                self.add_error("end", _("Choose today or a day in the past."))
            elif start > end:
                self.add_error("start", _("The period starts after it ends."))
            elif (end - start).days >= MAX_PERIOD_DAYS:
                self.add_error("start", _("Choose a period of at most three years."))
        return data


class AsOfForm(ReportForm, ScopeMixin):
    day = forms.DateField(
        label=gettext_lazy("As of"), widget=_date_input(), required=False, initial=timezone.localdate
    )

    field_order = ["day", "warehouse", "category", "item_type"]

    def clean_day(self):
        day = self.cleaned_data["day"] or timezone.localdate()
        if day > timezone.localdate():
            raise forms.ValidationError(_("Choose today or a day in the past."))
        return day


class GroupBy:
    ITEM = "item"
    CATEGORY = "category"
    WAREHOUSE = "warehouse"
    CHOICES = [
        (ITEM, gettext_lazy("Item")),
        (CATEGORY, gettext_lazy("Category")),
        (WAREHOUSE, gettext_lazy("Warehouse")),
    ]


class TurnoverForm(ReportForm, PeriodMixin, ScopeMixin):
    group_by = forms.ChoiceField(label=gettext_lazy("Per"), choices=GroupBy.CHOICES, initial=GroupBy.ITEM)

    field_order = ["start", "end", "group_by", "warehouse", "category", "item_type"]


class AbcForm(ReportForm, PeriodMixin, ScopeMixin):
    """Period, scope and the cut-offs: class A takes the items that make up the first `a_share`
    percent of the consumption value, B the next `b_share` percent, C the rest."""

    a_share = forms.DecimalField(
        label=gettext_lazy("Class A (%)"),
        min_value=Decimal("1"),
        max_value=Decimal("99"),
        decimal_places=1,
        initial=Decimal("80"),
    )
    b_share = forms.DecimalField(
        label=gettext_lazy("Class B (%)"),
        min_value=Decimal("0"),
        max_value=Decimal("98"),
        decimal_places=1,
        initial=Decimal("15"),
    )

    field_order = ["start", "end", "a_share", "b_share", "warehouse", "category", "item_type"]

    def clean(self):
        data = super().clean()
        a, b = data.get("a_share"), data.get("b_share")
        if a is not None and b is not None and a + b >= 100:
            self.add_error("b_share", _("Classes A and B together must leave something for class C."))
        return data


class AgeingForm(ReportForm, ScopeMixin):
    field_order = ["warehouse", "category", "item_type"]


class SlowMovingForm(ReportForm, ScopeMixin):
    slow_days = forms.IntegerField(
        label=gettext_lazy("Slow after (days)"), min_value=1, max_value=3650, initial=30
    )
    dead_days = forms.IntegerField(
        label=gettext_lazy("Dead after (days)"), min_value=1, max_value=3650, initial=90
    )

    field_order = ["slow_days", "dead_days", "warehouse", "category", "item_type"]

    def clean(self):
        data = super().clean()
        slow, dead = data.get("slow_days"), data.get("dead_days")
        if slow is not None and dead is not None and slow > dead:
            self.add_error("slow_days", _("Stock turns slow before it is dead: choose fewer days."))
        return data


def items_in_scope(filters: dict) -> QuerySet[Item] | None:
    """The items the category and item-type filters leave (a queryset used as a subquery), or
    None when neither is set."""
    items = None
    category = filters.get("category")
    if category:
        items = Item.objects.filter(
            Q(category=category) | Q(category__path__startswith=f"{category.path} / ")
        )
    if filters.get("item_type"):
        items = (items if items is not None else Item.objects.all()).filter(item_type=filters["item_type"])
    return items
