"""Forms of the money-owed screens, generic over a Book: the balances' as-of date and search, a
statement's period, the payments' filters, recording and reversing a payment, and the typed
amounts of allocation rows (one input per open document, read from the POST by the view).

Amounts are checked with services.checked_money, so a form says exactly what the service would."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.exceptions import DomainError

from . import services
from .books import Book
from .models import Method, PaymentStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_GROUPED = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$")  # 1,000.00 as the pages show amounts


def typed_money(raw, *, what: str) -> Decimal:
    """A typed amount (grouped thousands allowed) as a positive Decimal to the fen, or a
    SettlementError whose message names `what`."""
    text = str(raw or "").strip()
    if _GROUPED.match(text):
        text = text.replace(",", "")
    return services.checked_money(text, what=what)


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def party_choice_label(party) -> str:
    code = getattr(party, "code", "")
    return f"{code} {party}" if code else str(party)


class _PartyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return party_choice_label(obj)


# Balances and statements ---------------------------------------------------------------------------


class BalanceFilterForm(forms.Form):
    as_of = forms.DateField(label=gettext_lazy("As of"), required=False, widget=DATE)
    q = forms.CharField(label=gettext_lazy("Name or code"), required=False, max_length=60)

    def clean_as_of(self):
        day = self.cleaned_data["as_of"] or timezone.localdate()
        if day > timezone.localdate():
            raise forms.ValidationError(_("The as-of date cannot be in the future."))
        return day

    def values(self) -> tuple[date, str]:
        """The as-of date and the search text; today and nothing for what is invalid."""
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("as_of") or timezone.localdate(), (data.get("q") or "").strip()


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=DATE)
    end = forms.DateField(label=gettext_lazy("Until"), required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["start"] = data.get("start") or quarter_start(today)
        data["end"] = data.get("end") or today
        if data["start"] > data["end"]:
            raise forms.ValidationError(_("The start of the period must not be after its end."))
        return data

    def period(self) -> tuple[date, date]:
        """The period asked for; this quarter up to today when nothing (valid) was asked."""
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        today = timezone.localdate()
        return quarter_start(today), today


# Payments ------------------------------------------------------------------------------------------


def payment_filter_for(book: Book) -> type[django_filters.FilterSet]:
    """The payments list's filters for a book (its own party model)."""
    party_model = book.party_model

    class PaymentFilter(django_filters.FilterSet):
        party = django_filters.ModelChoiceFilter(
            label=book.labels["party"],
            field_name=book.party_field,
            queryset=party_model.objects.order_by("code"),
            widget=forms.Select(attrs={"data-searchable": ""}),
        )
        method = django_filters.ChoiceFilter(label=gettext_lazy("Method"), choices=Method.choices)
        status = django_filters.ChoiceFilter(label=gettext_lazy("Status"), choices=PaymentStatus.choices)
        date_from = django_filters.DateFilter(
            label=gettext_lazy("Date from"), field_name="date", lookup_expr="gte", widget=DATE
        )
        date_to = django_filters.DateFilter(
            label=gettext_lazy("Date until"), field_name="date", lookup_expr="lte", widget=DATE
        )

        class Meta:
            model = book.payment_model
            fields: list[str] = []

    PaymentFilter.base_filters["party"].field_class = _PartyChoiceField
    return PaymentFilter


class PartyChoiceForm(forms.Form):
    """Choose the party first (GET), so the payment form can offer its open documents."""

    def __init__(self, book: Book, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"] = _PartyChoiceField(
            label=book.labels["party"],
            queryset=book.party_model.objects.filter(is_active=True).order_by("code"),
            widget=forms.Select(attrs={"data-searchable": ""}),
        )


class PaymentForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date"), initial=timezone.localdate, widget=DATE)
    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=Method.choices, initial=Method.BANK)
    reference = forms.CharField(
        label=gettext_lazy("Reference"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Bank slip, transaction or cheque number."),
    )
    amount = forms.CharField(
        label=gettext_lazy("Amount"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    note = forms.CharField(label=gettext_lazy("Notes"), max_length=200, required=False)

    def clean_amount(self):
        try:
            return typed_money(self.cleaned_data["amount"], what=_("The amount"))
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None


class ReverseForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for the reversal"), max_length=200)
    date = forms.DateField(
        label=gettext_lazy("Reversal date"), initial=timezone.localdate, required=False, widget=DATE
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the payment is reversed."))
        return reason


# Allocation rows -----------------------------------------------------------------------------------


class AllocationRow:
    """One open document with the amount typed against it (or proposed) and its error."""

    def __init__(self, entry, *, today: date, value: str = "", url: str | None = None):
        self.entry = entry
        self.value = value
        self.url = url
        self.error = ""
        self.days = (today - entry.date).days
        self.overdue = bool(entry.due_date and entry.due_date < today)

    @property
    def name(self) -> str:
        return f"alloc-{self.entry.pk}"


def propose_oldest_first(rows: list[AllocationRow], available: Decimal) -> None:
    """Fill each row's value, oldest document first, until `available` is used up."""
    left = available
    for row in rows:
        share = min(row.entry.open_amount, left) if left > 0 else Decimal("0")
        row.value = f"{share:.2f}" if share > 0 else ""
        left -= share


def read_allocations(rows: list[AllocationRow], data) -> list[services.AllocationInput] | None:
    """The amounts typed in the POST against the rows, or None when one is not an amount (the
    row then carries the error). Empty and zero inputs are skipped."""
    lines = []
    ok = True
    for row in rows:
        row.value = str(data.get(row.name, "")).strip()
        if row.value in ("", "0", "0.00", "0.0"):
            continue
        try:
            amount = typed_money(row.value, what=row.entry.number)
        except DomainError as exc:
            row.error = exc.message
            ok = False
            continue
        lines.append(services.AllocationInput(row.entry.pk, amount))
    return lines if ok else None
