"""Suppliers and what they sell us: supplier items with prices and quantity breaks."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from inventory.models import QTY, Item, Unit

PRICE = {"max_digits": 18, "decimal_places": 4}


class Supplier(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    contact_person = models.CharField(_("contact person"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    tax_id = models.CharField(_("tax ID"), max_length=30, blank=True)
    payment_terms_days = models.PositiveIntegerField(_("payment terms (days)"), default=30)
    default_lead_time_days = models.PositiveIntegerField(_("default lead time (days)"), default=7)
    rating = models.DecimalField(
        _("rating"), max_digits=3, decimal_places=1, null=True, blank=True, help_text=_("0 to 5.")
    )
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["code"]
        permissions = [
            ("import_supplier", _("Can import suppliers")),
            ("export_supplier", _("Can export suppliers")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=0, rating__lte=5),
                name="supplier_rating_0_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("purchasing:supplier_detail", args=[self.pk])


class SupplierItem(models.Model):
    """An item as a supplier sells it: their SKU, the unit they sell in, price per that unit,
    minimum order and pack size (orders are rounded up to them)."""

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="supplier_items"
    )
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="supplier_items"
    )
    supplier_sku = models.CharField(_("supplier SKU"), max_length=40, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("purchase unit"), on_delete=models.PROTECT, related_name="+"
    )
    price = models.DecimalField(_("price"), **PRICE)
    min_order_qty = models.DecimalField(_("minimum order quantity"), **QTY, default=Decimal("0"))
    pack_qty = models.DecimalField(
        _("pack size"),
        **QTY,
        default=Decimal("1"),
        help_text=_("Orders are rounded up to a multiple of this."),
    )
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"), null=True, blank=True)
    is_preferred = models.BooleanField(_("preferred supplier"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supplier item")
        verbose_name_plural = _("supplier items")
        ordering = ["supplier__code", "item__sku"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "item", "unit"], name="supplieritem_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="supplieritem_price_not_negative"),
            models.CheckConstraint(condition=Q(min_order_qty__gte=0), name="supplieritem_moq_not_negative"),
            models.CheckConstraint(condition=Q(pack_qty__gt=0), name="supplieritem_pack_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} · {self.item}"

    def get_absolute_url(self) -> str:
        return reverse("purchasing:supplieritem_detail", args=[self.pk])


class SupplierPriceBreak(models.Model):
    """From `min_qty` (in the supplier item's unit) upward, the unit price is `price`."""

    supplier_item = models.ForeignKey(SupplierItem, on_delete=models.CASCADE, related_name="price_breaks")
    min_qty = models.DecimalField(_("from quantity"), **QTY)
    price = models.DecimalField(_("price"), **PRICE)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price break")
        verbose_name_plural = _("price breaks")
        ordering = ["min_qty"]
        constraints = [
            models.UniqueConstraint(fields=["supplier_item", "min_qty"], name="pricebreak_unique_qty"),
            models.CheckConstraint(condition=Q(min_qty__gt=0), name="pricebreak_qty_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="pricebreak_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"≥ {self.min_qty.normalize():f}: {self.price}"


# Purchase orders (采购订单) --------------------------------------------------------------------

MONEY = {"max_digits": 18, "decimal_places": 2}
RATE = {"max_digits": 5, "decimal_places": 2}


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    PARTIAL = "partial", _("Partially received")
    RECEIVED = "received", _("Received")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (OrderStatus.APPROVED, OrderStatus.PARTIAL)  # goods may still arrive


class PurchaseOrder(models.Model):
    """An order to one supplier, delivered to one warehouse. Totals are kept on the header (sum of
    the lines, each line rounded to the fen) so lists and the approval threshold read one row."""

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.DRAFT
    )
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="orders"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        verbose_name=_("receiving warehouse"),
        on_delete=models.PROTECT,
        related_name="purchase_orders",
    )
    order_date = models.DateField(_("order date"))
    expected_date = models.DateField(_("expected date"))
    reference = models.CharField(_("supplier reference"), max_length=60, blank=True)
    note = models.TextField(_("notes"), blank=True)
    total_net = models.DecimalField(_("amount excluding tax"), **MONEY, default=Decimal("0"))
    total_tax = models.DecimalField(_("tax"), **MONEY, default=Decimal("0"))
    total = models.DecimalField(_("total"), **MONEY, default=Decimal("0"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("approve_purchaseorder", _("Can approve purchase orders")),
            ("receive_purchaseorder", _("Can receive goods against purchase orders")),
            ("return_purchaseorder", _("Can return goods to suppliers")),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["supplier", "-order_date"]),
            models.Index(fields=["warehouse", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_date__gte=F("order_date")), name="po_expected_after_order"
            ),
            models.CheckConstraint(
                # rounded to the fen: SQLite (the default database) adds decimals as floats, and
                # 3281.20 + 318.35 is 3599.5499999… there
                condition=Q(total=Round(F("total_net") + F("total_tax"), 2)),
                name="po_total_is_sum",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("purchasing:order_detail", args=[self.pk])


class PurchaseOrderLine(models.Model):
    """A line in the purchase unit (qty × price per that unit); base_qty is what arrives in stock.
    received_base_qty and rejected_base_qty are kept by the receiving service under the order's
    lock; the backorder is base_qty − received_base_qty (rejected goods are still owed)."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    factor = models.DecimalField(
        _("base units per unit"), max_digits=18, decimal_places=6, default=Decimal("1")
    )
    qty = models.DecimalField(_("quantity"), **QTY)
    base_qty = models.DecimalField(_("quantity in base unit"), **QTY)
    price = models.DecimalField(_("unit price excl. tax"), **PRICE)
    list_price = models.DecimalField(
        _("price list price"),
        **PRICE,
        null=True,
        blank=True,
        help_text=_("What the supplier's price list asked for this quantity when the line was saved."),
    )
    tax_rate = models.DecimalField(_("tax rate (%)"), **RATE, default=Decimal("13"))
    amount = models.DecimalField(_("amount excluding tax"), **MONEY)
    tax = models.DecimalField(_("tax"), **MONEY)
    expected_date = models.DateField(_("expected date"))
    received_base_qty = models.DecimalField(_("accepted (base unit)"), **QTY, default=Decimal("0"))
    rejected_base_qty = models.DecimalField(_("rejected (base unit)"), **QTY, default=Decimal("0"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(qty__gt=0), name="poline_qty_positive"),
            models.CheckConstraint(condition=Q(base_qty__gt=0), name="poline_base_qty_positive"),
            models.CheckConstraint(condition=Q(factor__gt=0), name="poline_factor_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="poline_price_not_negative"),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="poline_tax_rate_range"
            ),
            models.CheckConstraint(
                condition=Q(received_base_qty__gte=0), name="poline_received_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(rejected_base_qty__gte=0), name="poline_rejected_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} × {self.qty}"

    @property
    def backorder_base_qty(self) -> Decimal:
        return max(self.base_qty - self.received_base_qty, Decimal("0"))

    @property
    def total(self) -> Decimal:
        return self.amount + self.tax


class OrderEvent(models.Model):
    """Every transition of an order, with who and when (the audit trail of the status flow)."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="events")
    old_status = models.CharField(_("from"), max_length=10, choices=OrderStatus.choices, blank=True)
    new_status = models.CharField(_("to"), max_length=10, choices=OrderStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order} {self.old_status} → {self.new_status}"


# Receipts against orders (收货/验收入库) and returns to supplier (采购退货) --------------------------


class ReceiptStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


class RejectReason(models.TextChoices):
    DAMAGED = "damaged", _("Damaged")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    QUALITY = "quality", _("Failed inspection")
    EXPIRED = "expired", _("Expired or short shelf life")
    OTHER = "other", _("Other")


class PurchaseReceipt(models.Model):
    """Goods received against one purchase order: per line received, accepted and rejected.
    Only the accepted quantity enters stock, at the order's price converted to the base unit."""

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    order = models.ForeignKey(
        PurchaseOrder, verbose_name=_("purchase order"), on_delete=models.PROTECT, related_name="receipts"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReceiptStatus.choices, default=ReceiptStatus.DRAFT
    )
    posting_date = models.DateField(_("receipt date"))
    delivery_note = models.CharField(_("delivery note"), max_length=60, blank=True)
    note = models.TextField(_("notes"), blank=True)
    posting = models.OneToOneField(
        "inventory.Posting", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("purchase receipt")
        verbose_name_plural = _("purchase receipts")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["order", "status"]), models.Index(fields=["status", "-posting_date"])]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("purchasing:receipt_detail", args=[self.pk])


class PurchaseReceiptLine(models.Model):
    """Quantities in the order line's unit; received = accepted + rejected. unit_cost is the
    order price per base unit; value is what the accepted goods entered stock with (accepted × order
    price, to the fen), amount and tax what the supplier is owed for them."""

    receipt = models.ForeignKey(PurchaseReceipt, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        PurchaseOrderLine,
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        related_name="receipt_lines",
    )
    location = models.ForeignKey(
        "inventory.Location", verbose_name=_("put-away location"), on_delete=models.PROTECT, related_name="+"
    )
    batch_no = models.CharField(_("batch number"), max_length=40, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    production_date = models.DateField(_("production date"), null=True, blank=True)
    batch = models.ForeignKey(
        "inventory.Batch",
        verbose_name=_("batch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_qty = models.DecimalField(_("received"), **QTY, default=Decimal("0"))
    accepted_qty = models.DecimalField(_("accepted"), **QTY, default=Decimal("0"))
    rejected_qty = models.DecimalField(_("rejected"), **QTY, default=Decimal("0"))
    reject_reason = models.CharField(
        _("reject reason"), max_length=12, choices=RejectReason.choices, blank=True
    )
    accepted_base_qty = models.DecimalField(_("accepted (base unit)"), **QTY, default=Decimal("0"))
    rejected_base_qty = models.DecimalField(_("rejected (base unit)"), **QTY, default=Decimal("0"))
    unit_cost = models.DecimalField(
        _("unit cost (base unit)"), max_digits=18, decimal_places=6, default=Decimal("0")
    )
    value = models.DecimalField(_("stock value"), **MONEY, default=Decimal("0"))
    amount = models.DecimalField(_("amount excluding tax"), **MONEY, default=Decimal("0"))
    tax = models.DecimalField(_("tax"), **MONEY, default=Decimal("0"))
    returned_base_qty = models.DecimalField(_("returned (base unit)"), **QTY, default=Decimal("0"))
    returned_value = models.DecimalField(_("returned stock value"), **MONEY, default=Decimal("0"))

    class Meta:
        verbose_name = _("receipt line")
        verbose_name_plural = _("receipt lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(received_qty=F("accepted_qty") + F("rejected_qty")),
                name="receiptline_received_is_sum",
            ),
            models.CheckConstraint(
                condition=Q(accepted_qty__gte=0, rejected_qty__gte=0), name="receiptline_qty_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(rejected_qty=0) | ~Q(reject_reason=""), name="receiptline_reject_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(returned_base_qty__gte=0, returned_base_qty__lte=F("accepted_base_qty")),
                name="receiptline_returned_within_accepted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_line.item} × {self.received_qty}"


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


class ReturnReason(models.TextChoices):
    DEFECTIVE = "defective", _("Defective")
    DAMAGED = "damaged", _("Damaged")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    SURPLUS = "surplus", _("Surplus")
    EXPIRED = "expired", _("Expired or short shelf life")
    OTHER = "other", _("Other")


class PurchaseReturn(models.Model):
    """Goods sent back to the supplier from one posted receipt (采购退货). Stock leaves at the cost
    it came in with; the amount (at the order price, tax included) is what the supplier is no
    longer owed."""

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    receipt = models.ForeignKey(
        PurchaseReceipt, verbose_name=_("receipt"), on_delete=models.PROTECT, related_name="returns"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReturnStatus.choices, default=ReturnStatus.DRAFT
    )
    posting_date = models.DateField(_("return date"))
    reason = models.CharField(_("reason"), max_length=12, choices=ReturnReason.choices)
    note = models.TextField(_("notes"), blank=True)
    amount = models.DecimalField(_("amount incl. tax"), **MONEY, default=Decimal("0"))
    posting = models.OneToOneField(
        "inventory.Posting", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("return to supplier")
        verbose_name_plural = _("returns to supplier")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("purchasing:return_detail", args=[self.pk])


class PurchaseReturnLine(models.Model):
    purchase_return = models.ForeignKey(PurchaseReturn, on_delete=models.CASCADE, related_name="lines")
    receipt_line = models.ForeignKey(
        PurchaseReceiptLine,
        verbose_name=_("receipt line"),
        on_delete=models.PROTECT,
        related_name="return_lines",
    )
    qty = models.DecimalField(_("quantity"), **QTY)
    base_qty = models.DecimalField(_("quantity in base unit"), **QTY)
    value = models.DecimalField(_("cost value"), **MONEY)
    amount = models.DecimalField(_("amount incl. tax"), **MONEY)

    class Meta:
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(qty__gt=0), name="returnline_qty_positive"),
            models.CheckConstraint(condition=Q(base_qty__gt=0), name="returnline_base_qty_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_line} × {self.qty}"


# Payables (应付账款): what is owed to suppliers, payments (付款单) and allocations (核销) ------------
# The shapes and the rules are settlement's, shared with the receivables of sales.

from settlement import models as settlement  # noqa: E402


class PayableEntry(settlement.Entry):
    """A line of a supplier's account: goods received (owed), goods returned and payments
    (credits), a reversed payment (owed again)."""

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="payable_entries"
    )

    class Meta(settlement.Entry.Meta):
        verbose_name = _("payable")
        verbose_name_plural = _("payables")
        constraints = settlement.Entry.constraints_for("payable")
        indexes = [models.Index(fields=["supplier", "date"], name="payable_supplier_date")]


class SupplierPayment(settlement.Payment):
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="payments"
    )

    class Meta(settlement.Payment.Meta):
        verbose_name = _("payment to supplier")
        verbose_name_plural = _("payments to suppliers")
        constraints = settlement.Payment.constraints_for("supplierpayment")
        permissions = [("reverse_supplierpayment", _("Can reverse payments to suppliers"))]

    def get_absolute_url(self) -> str:
        return reverse("purchasing:payment_detail", args=[self.pk])


class PayableAllocation(settlement.Allocation):
    debit = models.ForeignKey(
        PayableEntry,
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        related_name="allocations_as_debit",
    )
    credit = models.ForeignKey(
        PayableEntry, verbose_name=_("credit"), on_delete=models.PROTECT, related_name="allocations_as_credit"
    )

    class Meta(settlement.Allocation.Meta):
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = settlement.Allocation.constraints_for("payablealloc")
