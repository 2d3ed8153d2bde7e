from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import active_or_current

from .models import Batch, Category, Item, ItemBarcode, ItemUnit, Location, LocationKind, Unit, Warehouse

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["code", "name"]


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["code", "name", "parent"]
        widgets = {"parent": forms.Select(attrs={"data-searchable": ""})}


class ItemForm(forms.ModelForm):
    class Meta:
        model = Item
        fields = [
            "sku",
            "name",
            "spec",
            "category",
            "item_type",
            "base_unit",
            "tracking",
            "safety_stock",
            "reorder_point",
            "min_stock",
            "max_stock",
            "lead_time_days",
            "shelf_life_days",
            "notes",
        ]
        widgets = {
            "category": forms.Select(attrs={"data-searchable": ""}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = active_or_current(Category.objects.all(), self, "category")
        self.fields["base_unit"].queryset = active_or_current(Unit.objects.all(), self, "base_unit")
        for name in ("safety_stock", "reorder_point", "min_stock", "max_stock"):
            self.fields[name].min_value = 0
            self.fields[name].widget.attrs["min"] = "0"

    def clean(self):
        data = super().clean()
        for name in ("safety_stock", "reorder_point", "min_stock", "max_stock"):
            value = data.get(name)
            if value is not None and value < 0:
                self.add_error(name, _("Must not be negative."))
        lo, hi = data.get("min_stock"), data.get("max_stock")
        if lo is not None and hi and hi < lo:
            self.add_error("max_stock", _("The maximum must not be below the minimum."))
        if data.get("tracking") == "batch_expiry" and not data.get("shelf_life_days"):
            self.add_error("shelf_life_days", _("Items tracked with expiry dates need a shelf life."))
        return data


class ItemUnitForm(forms.ModelForm):
    class Meta:
        model = ItemUnit
        fields = ["unit", "factor", "is_purchase_default", "is_sales_default"]

    def clean_factor(self):
        factor = self.cleaned_data["factor"]
        if factor is not None and factor <= 0:
            raise ValidationError(_("The factor must be greater than zero."))
        return factor


class BaseItemUnitFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen, purchase, sales = set(), 0, 0
        base_unit = getattr(self.instance, "base_unit", None) if self.instance.base_unit_id else None
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            unit = form.cleaned_data.get("unit")
            if unit in seen:
                raise ValidationError(_("Each unit may appear only once."))
            if base_unit is not None and unit == base_unit:
                raise ValidationError(_("The base unit needs no conversion."))
            seen.add(unit)
            purchase += bool(form.cleaned_data.get("is_purchase_default"))
            sales += bool(form.cleaned_data.get("is_sales_default"))
        if purchase > 1 or sales > 1:
            raise ValidationError(_("Only one default purchase unit and one default sales unit."))


ItemUnitFormSet = forms.inlineformset_factory(
    Item, ItemUnit, form=ItemUnitForm, formset=BaseItemUnitFormSet, extra=1, can_delete=True
)
ItemBarcodeFormSet = forms.inlineformset_factory(
    Item, ItemBarcode, fields=["barcode", "unit"], extra=1, can_delete=True
)


class WarehouseForm(forms.ModelForm):
    class Meta:
        model = Warehouse
        fields = ["code", "name", "address", "members"]
        widgets = {"members": forms.SelectMultiple(attrs={"data-searchable": ""})}


class LocationForm(forms.ModelForm):
    class Meta:
        model = Location
        fields = ["warehouse", "parent", "code", "name", "kind", "capacity"]
        widgets = {"parent": forms.Select(attrs={"data-searchable": ""})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .selectors import locations_for, warehouses_for

        if user is not None:
            self.fields["warehouse"].queryset = active_or_current(warehouses_for(user), self, "warehouse")
            self.fields["parent"].queryset = active_or_current(locations_for(user), self, "parent")
        if self.instance.kind != LocationKind.TRANSIT:  # transit locations are made by transfers
            self.fields["kind"].choices = [
                c for c in self.fields["kind"].choices if c[0] != LocationKind.TRANSIT
            ]
        else:  # and stay transit: as a bin its goods could be issued without being received
            self.fields["kind"].disabled = True

    def clean(self):
        data = super().clean()
        parent, warehouse = data.get("parent"), data.get("warehouse")
        if parent and warehouse and parent.warehouse_id != warehouse.pk:
            self.add_error("parent", _("The parent location must be in the same warehouse."))
        if (
            self.instance.pk
            and warehouse
            and warehouse.pk != self.instance.warehouse_id
            and self.instance.moves.exists()
        ):
            self.add_error(
                "warehouse", _("Stock has moved through this location: it stays in its warehouse.")
            )
        capacity = data.get("capacity")
        if capacity is not None and capacity <= 0:
            self.add_error("capacity", _("Capacity must be greater than zero, or empty."))
        return data


class BatchForm(forms.ModelForm):
    class Meta:
        model = Batch
        fields = ["item", "batch_no", "production_date", "expiry_date", "notes"]
        widgets = {
            "item": forms.Select(attrs={"data-searchable": ""}),
            "production_date": DATE,
            "expiry_date": DATE,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = active_or_current(Item.objects.exclude(tracking="none"), self, "item")

    def clean(self):
        data = super().clean()
        made, expires, item = data.get("production_date"), data.get("expiry_date"), data.get("item")
        if made and expires and expires < made:
            self.add_error("expiry_date", _("The expiry date must not be before the production date."))
        if item is not None and item.tracks_expiry and not expires:
            self.add_error("expiry_date", _("This item is tracked by expiry date: enter one."))
        return data
