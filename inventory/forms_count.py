"""Forms and the list filter of the stocktake (盘点单) screens."""

from decimal import Decimal

import django_filters
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Category, CountStatus, LocationKind, StockCount, Warehouse
from .selectors import locations_for, warehouses_for


class StockCountForm(forms.ModelForm):
    class Meta:
        model = StockCount
        fields = ["warehouse", "location", "category", "blind", "qty_threshold", "value_threshold", "note"]
        widgets = {
            "location": forms.Select(attrs={"data-searchable": ""}),
            "category": forms.Select(attrs={"data-searchable": ""}),
            "qty_threshold": forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            "value_threshold": forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        mine = warehouses_for(user).filter(is_active=True)
        self.fields["warehouse"].queryset = mine
        self.fields["location"].queryset = (
            locations_for(user)
            .filter(is_active=True)
            .exclude(kind=LocationKind.TRANSIT)
            .order_by("warehouse__code", "path")
        )
        self.fields["location"].label_from_instance = lambda loc: f"{loc.warehouse.code} · {loc.path}"
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["qty_threshold"].min_value = Decimal("0")
        self.fields["value_threshold"].min_value = Decimal("0")
        self.initial.setdefault("qty_threshold", settings.STOCKTAKE_QTY_THRESHOLD)
        self.initial.setdefault("value_threshold", settings.STOCKTAKE_VALUE_THRESHOLD)
        self.initial.setdefault("blind", True)
        if mine.count() == 1:
            self.initial.setdefault("warehouse", mine.first().pk)

    def clean(self):
        data = super().clean()
        warehouse, location = data.get("warehouse"), data.get("location")
        if warehouse and location and location.warehouse_id != warehouse.pk:
            self.add_error("location", _("This location is not in %(wh)s.") % {"wh": warehouse})
        limits = {
            "qty_threshold": settings.STOCKTAKE_QTY_THRESHOLD,
            "value_threshold": settings.STOCKTAKE_VALUE_THRESHOLD,
        }
        may_raise = self.user.has_perm("inventory.approve_stockcount")
        for name, limit in limits.items():
            if data.get(name) is not None and data[name] < 0:
                self.add_error(name, _("A threshold cannot be negative."))
            elif data.get(name) is not None and not may_raise and data[name] > limit:
                limit = format(Decimal(limit).normalize(), "f")
                self.add_error(
                    name, _("Only a manager can set a threshold above %(limit)s.") % {"limit": limit}
                )
        return data


class CountQtyForm(forms.Form):
    """A quantity typed on a line of the counting sheet."""

    qty = forms.DecimalField(max_digits=18, decimal_places=4, required=True)

    def clean_qty(self):
        qty = self.cleaned_data["qty"]
        if qty < 0:
            raise forms.ValidationError(_("Enter a quantity of 0 or more."))
        return qty


class ScanForm(forms.Form):
    code = forms.CharField(max_length=64, required=False)
    location = forms.IntegerField(required=False)
    batch_no = forms.CharField(max_length=40, required=False)
    expiry_date = forms.DateField(required=False)


class StockCountFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Number"), field_name="number", lookup_expr="icontains")
    warehouse = django_filters.ModelChoiceFilter(label=_("Warehouse"), queryset=Warehouse.objects.none())
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CountStatus.choices)

    class Meta:
        model = StockCount
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["warehouse"].queryset = warehouses_for(self.request.user)
