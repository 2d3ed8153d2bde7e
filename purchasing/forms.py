from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import active_or_current
from inventory.models import Item, Unit

from .models import Supplier, SupplierItem, SupplierPriceBreak


class SupplierForm(forms.ModelForm):
    class Meta:
        model = Supplier
        fields = [
            "code",
            "name",
            "contact_person",
            "phone",
            "email",
            "address",
            "tax_id",
            "payment_terms_days",
            "default_lead_time_days",
            "rating",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def clean_rating(self):
        rating = self.cleaned_data.get("rating")
        if rating is not None and not (0 <= rating <= 5):
            raise ValidationError(_("The rating must be between 0 and 5."))
        return rating


class SupplierItemForm(forms.ModelForm):
    class Meta:
        model = SupplierItem
        fields = [
            "supplier",
            "item",
            "supplier_sku",
            "unit",
            "price",
            "min_order_qty",
            "pack_qty",
            "lead_time_days",
            "is_preferred",
        ]
        widgets = {
            "supplier": forms.Select(attrs={"data-searchable": ""}),
            "item": forms.Select(attrs={"data-searchable": ""}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = active_or_current(Supplier.objects.all(), self, "supplier")
        self.fields["item"].queryset = active_or_current(Item.objects.all(), self, "item")
        self.fields["unit"].queryset = active_or_current(Unit.objects.all(), self, "unit")

    def clean(self):
        data = super().clean()
        if data.get("price") is not None and data["price"] < 0:
            self.add_error("price", _("The price must not be negative."))
        if data.get("min_order_qty") is not None and data["min_order_qty"] < 0:
            self.add_error("min_order_qty", _("Must not be negative."))
        if data.get("pack_qty") is not None and data["pack_qty"] <= 0:
            self.add_error("pack_qty", _("The pack size must be greater than zero."))
        item, unit = data.get("item"), data.get("unit")
        if item and unit and unit != item.base_unit and not item.units.filter(unit=unit).exists():
            self.add_error(
                "unit",
                _("%(item)s has no conversion for this unit: add it on the item first.") % {"item": item},
            )
        return data


class PriceBreakForm(forms.ModelForm):
    class Meta:
        model = SupplierPriceBreak
        fields = ["min_qty", "price"]

    def clean(self):
        data = super().clean()
        if data.get("min_qty") is not None and data["min_qty"] <= 0:
            self.add_error("min_qty", _("The quantity must be greater than zero."))
        if data.get("price") is not None and data["price"] < 0:
            self.add_error("price", _("The price must not be negative."))
        return data


class BasePriceBreakFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            qty = form.cleaned_data.get("min_qty")
            if qty in seen:
                raise ValidationError(_("Each quantity break may appear only once."))
            seen.add(qty)


PriceBreakFormSet = forms.inlineformset_factory(
    SupplierItem,
    SupplierPriceBreak,
    form=PriceBreakForm,
    formset=BasePriceBreakFormSet,
    extra=1,
    can_delete=True,
)
