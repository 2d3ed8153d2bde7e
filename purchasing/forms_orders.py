"""Forms of purchase orders, receipts and returns. Forms only parse and check what the user
typed; the services compute prices, totals and stock."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.models import Item, Location, LocationKind, Unit, Warehouse

from .models import PurchaseOrder, RejectReason, ReturnReason, Supplier
from .services import OrderLineInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
QTY_FIELD = {"max_digits": 18, "decimal_places": 4}
NUMBER = {"step": "any", "inputmode": "decimal"}


class OrderHeaderForm(forms.ModelForm):
    class Meta:
        model = PurchaseOrder
        fields = ["supplier", "warehouse", "order_date", "expected_date", "reference", "note"]
        widgets = {
            "supplier": forms.Select(attrs={"data-searchable": ""}),
            "order_date": DATE,
            "expected_date": DATE,
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.supplier_id if self.instance.pk else None
        self.fields["supplier"].queryset = Supplier.objects.filter(is_active=True) | Supplier.objects.filter(
            pk=current
        )
        self.fields["warehouse"].queryset = Warehouse.objects.filter(is_active=True)
        self.fields["expected_date"].required = False
        self.fields["expected_date"].help_text = _("Empty: the order date plus the supplier's lead time.")
        if not self.instance.pk:
            self.initial.setdefault("order_date", timezone.localdate())
            active = Warehouse.objects.filter(is_active=True)
            if active.count() == 1:
                self.initial.setdefault("warehouse", active.first().pk)

    def clean(self):
        data = super().clean()
        ordered, expected = data.get("order_date"), data.get("expected_date")
        if ordered and expected and expected < ordered:
            self.add_error("expected_date", _("The expected date cannot be before the order date."))
        return data


class OrderLineForm(forms.Form):
    item = forms.ModelChoiceField(
        label=_("Item"),
        queryset=Item.objects.filter(is_active=True).select_related("base_unit"),
        widget=forms.Select(attrs={"data-searchable": "", "class": "line-item"}),
    )
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.filter(is_active=True))
    qty = forms.DecimalField(
        label=_("Quantity"), min_value=Decimal("0.0001"), widget=forms.NumberInput(attrs=NUMBER), **QTY_FIELD
    )
    price = forms.DecimalField(
        label=_("Unit price excl. tax"),
        required=False,
        min_value=Decimal("0"),
        max_digits=18,
        decimal_places=4,
        widget=forms.NumberInput(attrs={**NUMBER, "placeholder": _("from the price list")}),
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
    expected_date = forms.DateField(label=_("Expected date"), required=False, widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def line_input(self) -> OrderLineInput:
        d = self.cleaned_data
        return OrderLineInput(
            item=d["item"],
            unit_id=d["unit"].pk,
            qty=d["qty"],
            price=d.get("price"),
            tax_rate=d.get("tax_rate"),
            expected_date=d.get("expected_date"),
            note=d.get("note", ""),
        )


OrderLineFormSet = forms.formset_factory(OrderLineForm, extra=1, can_delete=True)


class RejectForm(forms.Form):
    note = forms.CharField(label=_("Why is it sent back?"), max_length=200)


class ReceiptLineForm(forms.Form):
    """One order line's count on the receiving screen (quantities in the order line's unit)."""

    accepted_qty = forms.DecimalField(
        label=_("Accepted"), min_value=Decimal("0"), widget=forms.NumberInput(attrs=NUMBER), **QTY_FIELD
    )
    rejected_qty = forms.DecimalField(
        label=_("Rejected"),
        min_value=Decimal("0"),
        required=False,
        widget=forms.NumberInput(attrs=NUMBER),
        **QTY_FIELD,
    )
    reject_reason = forms.ChoiceField(
        label=_("Reject reason"), choices=[("", "—"), *RejectReason.choices], required=False
    )
    location = forms.ModelChoiceField(label=_("Put-away location"), queryset=Location.objects.none())
    batch_no = forms.CharField(label=_("Batch number"), required=False, max_length=40)
    expiry_date = forms.DateField(label=_("Expiry date"), required=False, widget=DATE)
    production_date = forms.DateField(label=_("Production date"), required=False, widget=DATE)

    def __init__(self, *args, warehouse, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(
            warehouse=warehouse, is_active=True
        ).exclude(kind=LocationKind.TRANSIT)

    def clean(self):
        data = super().clean()
        if (data.get("rejected_qty") or 0) > 0 and not data.get("reject_reason"):
            self.add_error("reject_reason", _("Say why the goods were rejected."))
        return data


class ReturnHeaderForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=ReturnReason.choices)
    posting_date = forms.DateField(label=_("Return date"), widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
