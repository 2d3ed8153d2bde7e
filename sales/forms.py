from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import active_or_current
from inventory.models import Item, Unit

from .models import Customer, PriceLevel, SalesPrice, SalesPriceBreak


class PriceLevelForm(forms.ModelForm):
    class Meta:
        model = PriceLevel
        fields = ["code", "name"]


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "code",
            "name",
            "channel",
            "price_level",
            "contact_person",
            "phone",
            "email",
            "address",
            "tax_id",
            "credit_limit",
            "payment_terms_days",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price_level"].queryset = active_or_current(PriceLevel.objects.all(), self, "price_level")

    def clean_credit_limit(self):
        limit = self.cleaned_data.get("credit_limit")
        if limit is not None and limit < 0:
            raise ValidationError(_("The credit limit must not be negative."))
        return limit


class SalesPriceForm(forms.ModelForm):
    class Meta:
        model = SalesPrice
        fields = ["price_level", "item", "unit", "price"]
        widgets = {"item": forms.Select(attrs={"data-searchable": ""})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price_level"].queryset = active_or_current(PriceLevel.objects.all(), self, "price_level")
        self.fields["item"].queryset = active_or_current(Item.objects.all(), self, "item")
        self.fields["unit"].queryset = active_or_current(Unit.objects.all(), self, "unit")

    def clean(self):
        data = super().clean()
        if data.get("price") is not None and data["price"] < 0:
            self.add_error("price", _("The price must not be negative."))
        item, unit = data.get("item"), data.get("unit")
        if item and unit and unit != item.base_unit and not item.units.filter(unit=unit).exists():
            self.add_error(
                "unit",
                _("%(item)s has no conversion for this unit: add it on the item first.") % {"item": item},
            )
        return data


class SalesPriceBreakForm(forms.ModelForm):
    class Meta:
        model = SalesPriceBreak
        fields = ["min_qty", "price"]

    def clean(self):
        data = super().clean()
        if data.get("min_qty") is not None and data["min_qty"] <= 0:
            self.add_error("min_qty", _("The quantity must be greater than zero."))
        if data.get("price") is not None and data["price"] < 0:
            self.add_error("price", _("The price must not be negative."))
        return data


class BaseSalesPriceBreakFormSet(forms.BaseInlineFormSet):
    def clean(self):
        # Before the generic unique check, so the message says what is wrong in plain words.
        seen = set()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            qty = form.cleaned_data.get("min_qty")
            if qty is not None and qty in seen:
                raise ValidationError(_("Each quantity break may appear only once."))
            seen.add(qty)
        super().clean()


SalesPriceBreakFormSet = forms.inlineformset_factory(
    SalesPrice,
    SalesPriceBreak,
    form=SalesPriceBreakForm,
    formset=BaseSalesPriceBreakFormSet,
    extra=1,
    can_delete=True,
)
