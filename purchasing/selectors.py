"""Reads of purchasing that several screens share."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Sum

from .models import PurchaseReceiptLine, PurchaseReturn, ReceiptStatus, ReturnStatus, Supplier

ZERO = Decimal("0")


@dataclass(frozen=True)
class SupplierGoods:
    """What the supplier delivered and took back, at order prices with tax: the amount owed
    for goods before any payment (payments and their allocation come with payables)."""

    received: Decimal
    returned: Decimal

    @property
    def net(self) -> Decimal:
        return self.received - self.returned


def supplier_goods(supplier: Supplier) -> SupplierGoods:
    received = PurchaseReceiptLine.objects.filter(
        receipt__order__supplier=supplier, receipt__status=ReceiptStatus.POSTED
    ).aggregate(total=Sum(F("amount") + F("tax")))["total"]
    returned = PurchaseReturn.objects.filter(
        receipt__order__supplier=supplier, status=ReturnStatus.POSTED
    ).aggregate(total=Sum("amount"))["total"]
    return SupplierGoods(received or ZERO, returned or ZERO)
