"""Forms of the warehouse documents. Lines are a plain formset: the service converts units,
resolves batches and writes the rows."""

from decimal import Decimal

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import DocumentKind, Item, Location, StockDocument, Tracking, Unit
from .selectors import warehouses_for
from .services import LineInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DocumentHeaderForm(forms.ModelForm):
    class Meta:
        model = StockDocument
        fields = ["warehouse", "to_warehouse", "posting_date", "reason", "reference", "note"]
        widgets = {"posting_date": DATE, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, kind: str, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        mine = warehouses_for(user).filter(is_active=True)
        self.fields["warehouse"].queryset = mine
        if kind == DocumentKind.TRANSFER:
            self.fields["to_warehouse"].queryset = mine
            self.fields["to_warehouse"].required = False
        else:
            del self.fields["to_warehouse"]
        if kind in (DocumentKind.LOSS, DocumentKind.GAIN):
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]
        if not self.instance.pk:
            self.initial.setdefault("posting_date", timezone.localdate())
        if mine.count() == 1 and not self.initial.get("warehouse"):
            self.initial["warehouse"] = mine.first().pk


OUTBOUND = frozenset({DocumentKind.ISSUE, DocumentKind.LOSS, DocumentKind.TRANSFER})

# Batch fields and the item trackings that show them; a row without an item shows none until
# one is chosen (the server re-renders the row then, see line_entry).
BATCH_FIELDS = {
    "batch_no": {Tracking.BATCH, Tracking.BATCH_EXPIRY},
    "production_date": {Tracking.BATCH, Tracking.BATCH_EXPIRY},
    "expiry_date": {Tracking.BATCH_EXPIRY},
}


class LineForm(forms.Form):
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
        max_digits=18,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        widget=forms.NumberInput(attrs={"class": "line-qty", "step": "any", "inputmode": "decimal"}),
    )
    location = forms.ModelChoiceField(
        label=_("Location"),
        queryset=Location.objects.none(),
        widget=forms.Select(attrs={"class": "line-location"}),
    )
    to_location = forms.ModelChoiceField(
        label=_("To location"), queryset=Location.objects.none(), required=False
    )
    batch_no = forms.CharField(label=_("Batch number"), max_length=40, required=False)
    expiry_date = forms.DateField(label=_("Expiry date"), required=False, widget=DATE)
    production_date = forms.DateField(label=_("Production date"), required=False, widget=DATE)
    unit_cost = forms.DecimalField(
        label=_("Unit cost"),
        max_digits=18,
        decimal_places=6,
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )

    def __init__(self, *args, kind: str, locations, to_locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.tracking = ""  # the chosen item's tracking, set by the view (decorate_line_forms)
        self.batch_expiry = None  # expiry of the named batch on outbound lines, likewise
        self.fields["location"].queryset = locations
        self.fields["to_location"].queryset = to_locations
        # Choosing an item asks the server for the row again: batch fields, unit, FEFO.
        self.fields["item"].widget.attrs.update(
            {
                "hx-post": reverse("inventory:stockdocument_lines"),
                "hx-trigger": "change",
                "hx-vals": '{"op": "item"}',
            }
        )
        if kind != DocumentKind.TRANSFER:
            del self.fields["to_location"]
        if kind not in (DocumentKind.RECEIPT, DocumentKind.GAIN):
            del self.fields["unit_cost"]
            del self.fields["expiry_date"]
            del self.fields["production_date"]

    @property
    def outbound(self) -> bool:
        return self.kind in OUTBOUND

    def shown_fields(self) -> list:
        """The visible fields minus batch fields the item does not track."""
        return [
            bf
            for bf in self.visible_fields()
            if bf.name not in BATCH_FIELDS or self.tracking in BATCH_FIELDS[bf.name]
        ]

    @property
    def offers_fefo(self) -> bool:
        return self.outbound and self.tracking in (Tracking.BATCH, Tracking.BATCH_EXPIRY)

    def clean(self):
        data = super().clean()
        made, expires = data.get("production_date"), data.get("expiry_date")
        if made and expires and expires < made:
            self.add_error("expiry_date", _("The expiry date cannot be before the production date."))
        return data

    def line_input(self) -> LineInput:
        d = self.cleaned_data
        return LineInput(
            item=d["item"],
            location_id=d["location"].pk,
            unit_id=d["unit"].pk,
            qty=d["qty"],
            to_location_id=d["to_location"].pk if d.get("to_location") else None,
            batch_no=d.get("batch_no", ""),
            expiry_date=d.get("expiry_date"),
            production_date=d.get("production_date"),
            unit_cost=d.get("unit_cost"),
        )


class BaseLineFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not [f for f in self.forms if f.has_changed() and not self._should_delete_form(f)]:
            raise forms.ValidationError(_("Add at least one line."))


LineFormSet = forms.formset_factory(LineForm, formset=BaseLineFormSet, extra=1, can_delete=True)
