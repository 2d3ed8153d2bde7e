from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import active_or_current

from .models import Customer, PriceLevel


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
