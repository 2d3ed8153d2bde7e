"""The payables book: what is owed to suppliers (应付账款). Posted receipts are owed at the order
price with tax; returns to supplier are credited and set against the receipt they came from;
payments (付款单) are recorded and allocated by settlement's services."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from settlement.books import Book

from .models import (
    PayableAllocation,
    PayableEntry,
    PurchaseReceiptLine,
    PurchaseReturn,
    ReceiptStatus,
    ReturnStatus,
    SupplierPayment,
)

RECEIPT = "receipt"
RETURN = "return"


def expected_documents() -> dict:
    owed: dict[tuple, tuple[int, Decimal]] = {}
    totals: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for receipt_id, supplier_id, total in (
        PurchaseReceiptLine.objects.filter(receipt__status=ReceiptStatus.POSTED)
        .values_list("receipt_id", "receipt__order__supplier_id")
        .annotate(total=Sum(F("amount") + F("tax")))
        .order_by()
    ):
        totals[(receipt_id, supplier_id)] += total
    for (receipt_id, supplier_id), total in totals.items():
        if total > 0:
            owed[(RECEIPT, receipt_id, "document")] = (supplier_id, total)
    for return_id, supplier_id, amount in PurchaseReturn.objects.filter(
        status=ReturnStatus.POSTED, amount__gt=0
    ).values_list("pk", "receipt__order__supplier_id", "amount"):
        owed[(RETURN, return_id, "return")] = (supplier_id, amount)
    return owed


def source_url(user, source_type: str, source_id: int) -> str | None:
    if source_type == RECEIPT and user.has_perm("purchasing.view_purchasereceipt"):
        return reverse("purchasing:receipt_detail", args=[source_id])
    if source_type == RETURN and user.has_perm("purchasing.view_purchasereturn"):
        return reverse("purchasing:return_detail", args=[source_id])
    if source_type == "payment":
        return reverse("purchasing:payment_detail", args=[source_id])
    return None


BOOK = Book(
    key="payables",
    namespace="purchasing",
    party_field="supplier",
    entry_model=PayableEntry,
    payment_model=SupplierPayment,
    allocation_model=PayableAllocation,
    payment_prefix="PAY",
    view_perm="purchasing.view_payableentry",
    record_perm="purchasing.add_supplierpayment",
    reverse_perm="purchasing.reverse_supplierpayment",
    labels={
        "title": _("Payables"),
        "party": _("Supplier"),
        "parties": _("Suppliers"),
        "payment": _("Payment to supplier"),
        "payments": _("Payments to suppliers"),
        "record": _("Record a payment"),
        "balance_meaning": _(
            "Positive: we owe the supplier; negative: the supplier owes us (paid ahead or returned)."
        ),
        "credit": _("Paid ahead or returned"),
        "document": _("Goods received"),
        "return": _("Returned to supplier"),
        "payment_kind": _("Money paid"),
        "reversal": _("Payment reversed"),
    },
    expected_documents=expected_documents,
    source_url=source_url,
)
