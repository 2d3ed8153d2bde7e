"""The receivables book: what customers owe (应收账款). Posted shipments are owed at the order
price with tax; customer returns are credited and set against the shipment they came from; money
received (收款单) is recorded and allocated by settlement's services."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from settlement.books import Book

from .models import (
    CustomerPayment,
    CustomerReturn,
    DocStatus,
    ReceivableAllocation,
    ReceivableEntry,
    ShipmentLine,
)

SHIPMENT = "shipment"
RETURN = "return"


def expected_documents() -> dict:
    owed: dict[tuple, tuple[int, Decimal]] = {}
    totals: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for shipment_id, customer_id, total in (
        ShipmentLine.objects.filter(shipment__status=DocStatus.POSTED)
        .values_list("shipment_id", "shipment__order__customer_id")
        .annotate(total=Sum(F("amount") + F("tax")))
        .order_by()
    ):
        totals[(shipment_id, customer_id)] += total
    for (shipment_id, customer_id), total in totals.items():
        if total > 0:
            owed[(SHIPMENT, shipment_id, "document")] = (customer_id, total)
    for return_id, customer_id, amount in CustomerReturn.objects.filter(
        status=DocStatus.POSTED, amount__gt=0
    ).values_list("pk", "shipment__order__customer_id", "amount"):
        owed[(RETURN, return_id, "return")] = (customer_id, amount)
    return owed


def source_url(user, source_type: str, source_id: int) -> str | None:
    if source_type == SHIPMENT and user.has_perm("sales.view_shipment"):
        return reverse("sales:shipment_detail", args=[source_id])
    if source_type == RETURN and user.has_perm("sales.view_customerreturn"):
        return reverse("sales:return_detail", args=[source_id])
    if source_type == "payment":
        return reverse("sales:payment_detail", args=[source_id])
    return None


BOOK = Book(
    key="receivables",
    namespace="sales",
    party_field="customer",
    entry_model=ReceivableEntry,
    payment_model=CustomerPayment,
    allocation_model=ReceivableAllocation,
    payment_prefix="RCV",
    view_perm="sales.view_receivableentry",
    record_perm="sales.add_customerpayment",
    reverse_perm="sales.reverse_customerpayment",
    labels={
        "title": _("Receivables"),
        "party": _("Customer"),
        "parties": _("Customers"),
        "payment": _("Receipt of money"),
        "payments": _("Receipts of money"),
        "record": _("Record money received"),
        "balance_meaning": _(
            "Positive: the customer owes us; negative: we owe the customer (paid ahead or returned)."
        ),
        "credit": _("Paid ahead or returned"),
        "document": _("Goods shipped"),
        "return": _("Returned by the customer"),
        "payment_kind": _("Money received"),
        "reversal": _("Receipt reversed"),
    },
    expected_documents=expected_documents,
    source_url=source_url,
)
