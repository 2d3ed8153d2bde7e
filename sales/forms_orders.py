"""Forms of sales orders. Forms only parse and check what the user typed; the services compute
prices (from the customer's price level), totals, credit and stock."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.models import Item, Unit, Warehouse

from .models import Customer, SalesOrder
from .services import SalesLineInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NUMBER = {"step": "any", "inputmode": "decimal"}


class OrderHeaderForm(forms.ModelForm):
    """The order's header. Once the order exists its header is shown but not changed here: the
    service layer has no header update yet (only the lines of a draft are replaced)."""

    class Meta:
        model = SalesOrder
        fields = ["customer", "warehouse", "order_date", "requested_date", "reference", "note"]
        widgets = {
            "customer": forms.Select(attrs={"data-searchable": ""}),
            "order_date": DATE,
            "requested_date": DATE,
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.customer_id if self.instance.pk else None
        self.fields["customer"].queryset = Customer.objects.filter(is_active=True) | Customer.objects.filter(
            pk=current
        )
        self.fields["warehouse"].queryset = Warehouse.objects.filter(
            is_active=True
        ) | Warehouse.objects.filter(pk=self.instance.warehouse_id if self.instance.pk else None)
        self.fields["customer"].help_text = _("The customer's price level fills empty prices.")
        if not self.instance.pk:
            self.initial.setdefault("order_date", timezone.localdate())
            active = Warehouse.objects.filter(is_active=True)
            if active.count() == 1:
                self.initial.setdefault("warehouse", active.first().pk)

    def clean(self):
        data = super().clean()
        ordered, requested = data.get("order_date"), data.get("requested_date")
        if ordered and requested and requested < ordered:
            self.add_error(
                "requested_date", _("The requested delivery date cannot be before the order date.")
            )
        return data


class OrderLineForm(forms.Form):
    item = forms.ModelChoiceField(
        label=_("Item"),
        queryset=Item.objects.filter(is_active=True).select_related("base_unit"),
        widget=forms.Select(attrs={"data-searchable": "", "class": "line-item"}),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.filter(is_active=True),
        widget=forms.Select(attrs={"class": "line-unit"}),
    )
    qty = forms.DecimalField(
        label=_("Quantity"),
        min_value=Decimal("0.0001"),
        max_digits=18,
        decimal_places=4,
        widget=forms.NumberInput(attrs={**NUMBER, "class": "line-qty"}),
    )
    price = forms.DecimalField(
        label=_("Unit price excl. tax"),
        required=False,
        min_value=Decimal("0"),
        max_digits=18,
        decimal_places=4,
        widget=forms.NumberInput(attrs={**NUMBER, "placeholder": _("from the price level")}),
    )
    discount = forms.DecimalField(
        label=_("Discount (%)"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs=NUMBER),
    )
    tax_rate = forms.DecimalField(
        label=_("Tax rate (%)"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs=NUMBER),
    )
    allow_backorder = forms.BooleanField(
        label=_("Backorder allowed"),
        required=False,
        help_text=_("Confirm even if not all of it is available now."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def line_input(self) -> SalesLineInput:
        d = self.cleaned_data
        return SalesLineInput(
            item=d["item"],
            unit_id=d["unit"].pk,
            qty=d["qty"],
            price=d.get("price"),
            discount=d.get("discount") or Decimal("0"),
            tax_rate=d.get("tax_rate"),
            allow_backorder=bool(d.get("allow_backorder")),
            note=d.get("note", ""),
        )


OrderLineFormSet = forms.formset_factory(OrderLineForm, extra=1, can_delete=True)


class RejectForm(forms.Form):
    note = forms.CharField(
        label=_("Why is it sent back?"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
