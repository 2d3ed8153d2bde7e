"""Customers and the price levels they buy at."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

MONEY = {"max_digits": 18, "decimal_places": 2}


class PriceLevel(models.Model):
    """A named price list a customer buys at (零售价, 批发价, 经销价 …)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price level")
        verbose_name_plural = _("price levels")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:pricelevel_detail", args=[self.pk])


class Channel(models.TextChoices):
    STORE = "store", _("Store")
    ECOMMERCE = "ecommerce", _("E-commerce")
    DISTRIBUTION = "distribution", _("Distribution")
    WHOLESALE = "wholesale", _("Wholesale")
    OTHER = "other", _("Other")


class Customer(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.STORE)
    price_level = models.ForeignKey(
        PriceLevel,
        verbose_name=_("price level"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    contact_person = models.CharField(_("contact person"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    tax_id = models.CharField(_("tax ID"), max_length=30, blank=True)
    credit_limit = models.DecimalField(
        _("credit limit"),
        **MONEY,
        default=Decimal("0"),
        help_text=_("0 means no credit: orders need approval."),
    )
    payment_terms_days = models.PositiveIntegerField(_("payment terms (days)"), default=30)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["code"]
        permissions = [
            ("import_customer", _("Can import customers")),
            ("export_customer", _("Can export customers")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(credit_limit__gte=0), name="customer_credit_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:customer_detail", args=[self.pk])


# Sales price lists (销售价格) -------------------------------------------------------------------

PRICE = {"max_digits": 18, "decimal_places": 4}


class SalesPrice(models.Model):
    """What customers on a price level pay for an item, per one sales unit, excluding tax.
    Quantity breaks (SalesPriceBreak) lower it from a quantity upward."""

    item = models.ForeignKey(
        "inventory.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="sales_prices"
    )
    price_level = models.ForeignKey(
        PriceLevel, verbose_name=_("price level"), on_delete=models.PROTECT, related_name="sales_prices"
    )
    unit = models.ForeignKey(
        "inventory.Unit", verbose_name=_("sales unit"), on_delete=models.PROTECT, related_name="+"
    )
    price = models.DecimalField(_("unit price excl. tax"), **PRICE)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sales price")
        verbose_name_plural = _("sales prices")
        ordering = ["price_level__code", "item__sku"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "price_level", "unit"],
                name="salesprice_unique",
                violation_error_message=_(
                    "This price level already has a price for this item in this unit: edit that one."
                ),
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="salesprice_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.price_level} · {self.item}"

    def get_absolute_url(self) -> str:
        return reverse("sales:salesprice_detail", args=[self.pk])


class SalesPriceBreak(models.Model):
    """From `min_qty` (in the sales price's unit) upward, the unit price is `price`."""

    sales_price = models.ForeignKey(SalesPrice, on_delete=models.CASCADE, related_name="price_breaks")
    min_qty = models.DecimalField(_("from quantity"), max_digits=18, decimal_places=4)
    price = models.DecimalField(_("unit price excl. tax"), **PRICE)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price break")
        verbose_name_plural = _("price breaks")
        ordering = ["min_qty"]
        constraints = [
            models.UniqueConstraint(fields=["sales_price", "min_qty"], name="salespricebreak_unique_qty"),
            models.CheckConstraint(condition=Q(min_qty__gt=0), name="salespricebreak_qty_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="salespricebreak_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"≥ {self.min_qty.normalize():f}: {self.price}"


# Sales orders (销售订单), shipments (发货) and customer returns (销售退货) ----------------------------

QTY = {"max_digits": 18, "decimal_places": 4}
RATE = {"max_digits": 5, "decimal_places": 2}


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting credit approval")
    CONFIRMED = "confirmed", _("Confirmed")
    PARTIAL = "partial", _("Partially shipped")
    SHIPPED = "shipped", _("Shipped")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (OrderStatus.CONFIRMED, OrderStatus.PARTIAL)  # goods still to ship


class SalesOrder(models.Model):
    """An order from one customer, shipped from one warehouse. Totals are kept on the header.
    confirmed_at and shipped_at give the order's processing time (confirmed → fully shipped)."""

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.DRAFT
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        verbose_name=_("shipping warehouse"),
        on_delete=models.PROTECT,
        related_name="sales_orders",
    )
    order_date = models.DateField(_("order date"))
    requested_date = models.DateField(_("requested delivery date"), null=True, blank=True)
    reference = models.CharField(_("customer reference"), max_length=60, blank=True)
    note = models.TextField(_("notes"), blank=True)
    total_net = models.DecimalField(_("amount excluding tax"), **MONEY, default=Decimal("0"))
    total_tax = models.DecimalField(_("tax"), **MONEY, default=Decimal("0"))
    total = models.DecimalField(_("total"), **MONEY, default=Decimal("0"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("credit approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("approve_salesorder", _("Can approve sales orders over the credit limit")),
            ("ship_salesorder", _("Can ship sales orders")),
            ("return_salesorder", _("Can take back goods from customers")),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["warehouse", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                # rounded to the fen: SQLite (the default database) adds decimals as floats, and
                # 3281.20 + 318.35 is 3599.5499999… there
                condition=Q(total=Round(F("total_net") + F("total_tax"), 2)),
                name="so_total_is_sum",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("sales:order_detail", args=[self.pk])

    @property
    def processing_time(self):
        """Confirmed → fully shipped, once both happened."""
        if self.confirmed_at and self.shipped_at:
            return self.shipped_at - self.confirmed_at
        return None


class SalesOrderLine(models.Model):
    """A line in the sales unit; base_qty is what leaves stock. amount = qty × price less the
    discount, to the fen; tax on the amount. shipped_base_qty is kept by the shipping service."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(
        "inventory.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "inventory.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    factor = models.DecimalField(
        _("base units per unit"), max_digits=18, decimal_places=6, default=Decimal("1")
    )
    qty = models.DecimalField(_("quantity"), **QTY)
    base_qty = models.DecimalField(_("quantity in base unit"), **QTY)
    price = models.DecimalField(_("unit price excl. tax"), **PRICE)
    list_price = models.DecimalField(_("price list price"), **PRICE, null=True, blank=True)
    discount = models.DecimalField(_("discount (%)"), **RATE, default=Decimal("0"))
    tax_rate = models.DecimalField(_("tax rate (%)"), **RATE, default=Decimal("13"))
    amount = models.DecimalField(_("amount excluding tax"), **MONEY)
    tax = models.DecimalField(_("tax"), **MONEY)
    allow_backorder = models.BooleanField(
        _("backorder allowed"), default=False, help_text=_("Confirm even if not all of it is available now.")
    )
    shipped_base_qty = models.DecimalField(_("shipped (base unit)"), **QTY, default=Decimal("0"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("sales order line")
        verbose_name_plural = _("sales order lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(qty__gt=0), name="soline_qty_positive"),
            models.CheckConstraint(condition=Q(base_qty__gt=0), name="soline_base_qty_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="soline_price_not_negative"),
            models.CheckConstraint(
                condition=Q(discount__gte=0, discount__lte=100), name="soline_discount_range"
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="soline_tax_rate_range"
            ),
            models.CheckConstraint(
                condition=Q(shipped_base_qty__gte=0, shipped_base_qty__lte=F("base_qty")),
                name="soline_shipped_within_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} × {self.qty}"

    @property
    def open_base_qty(self) -> Decimal:
        return self.base_qty - self.shipped_base_qty


class SalesOrderEvent(models.Model):
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="events")
    old_status = models.CharField(_("from"), max_length=10, choices=OrderStatus.choices, blank=True)
    new_status = models.CharField(_("to"), max_length=10, choices=OrderStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order} {self.old_status} → {self.new_status}"


class DocStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


class Shipment(models.Model):
    """Goods picked and sent for one order (发货单): outbound moves at the moving average, which is
    the cost of goods sold kept on each line for margin reports."""

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    order = models.ForeignKey(
        SalesOrder, verbose_name=_("sales order"), on_delete=models.PROTECT, related_name="shipments"
    )
    status = models.CharField(_("status"), max_length=10, choices=DocStatus.choices, default=DocStatus.DRAFT)
    posting_date = models.DateField(_("shipping date"))
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
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["order", "status"])]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("sales:shipment_detail", args=[self.pk])


class ShipmentLine(models.Model):
    """One pick: base quantity from a location and batch for an order line. cost is the value
    that left stock (COGS); amount and tax are what the customer is charged for it."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        SalesOrderLine, verbose_name=_("order line"), on_delete=models.PROTECT, related_name="shipment_lines"
    )
    location = models.ForeignKey(
        "inventory.Location", verbose_name=_("location"), on_delete=models.PROTECT, related_name="+"
    )
    batch = models.ForeignKey(
        "inventory.Batch",
        verbose_name=_("batch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    base_qty = models.DecimalField(_("quantity in base unit"), **QTY)
    cost = models.DecimalField(_("cost of goods sold"), **MONEY, default=Decimal("0"))
    amount = models.DecimalField(_("amount excluding tax"), **MONEY, default=Decimal("0"))
    tax = models.DecimalField(_("tax"), **MONEY, default=Decimal("0"))
    returned_base_qty = models.DecimalField(_("returned (base unit)"), **QTY, default=Decimal("0"))

    class Meta:
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(base_qty__gt=0), name="shipline_qty_positive"),
            models.CheckConstraint(
                condition=Q(returned_base_qty__gte=0, returned_base_qty__lte=F("base_qty")),
                name="shipline_returned_within_shipped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_line.item} × {self.base_qty}"


class CustomerReturn(models.Model):
    """Goods a customer sends back from one shipment (销售退货): per line restocked (back into a
    location at the cost they left with) or scrapped (no stock comes back); the amount with tax is
    credited to the customer either way."""

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.PROTECT, related_name="returns"
    )
    status = models.CharField(_("status"), max_length=10, choices=DocStatus.choices, default=DocStatus.DRAFT)
    posting_date = models.DateField(_("return date"))
    reason = models.CharField(_("reason"), max_length=200)
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

    class Meta:
        verbose_name = _("customer return")
        verbose_name_plural = _("customer returns")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("sales:return_detail", args=[self.pk])


class CustomerReturnLine(models.Model):
    customer_return = models.ForeignKey(CustomerReturn, on_delete=models.CASCADE, related_name="lines")
    shipment_line = models.ForeignKey(
        ShipmentLine, verbose_name=_("shipment line"), on_delete=models.PROTECT, related_name="return_lines"
    )
    base_qty = models.DecimalField(_("quantity in base unit"), **QTY)
    restock = models.BooleanField(
        _("restock"), default=True, help_text=_("Back into stock; otherwise scrapped.")
    )
    location = models.ForeignKey(
        "inventory.Location",
        verbose_name=_("restock location"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cost = models.DecimalField(_("cost value"), **MONEY, default=Decimal("0"))
    amount = models.DecimalField(_("amount incl. tax"), **MONEY, default=Decimal("0"))

    class Meta:
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(base_qty__gt=0), name="custreturnline_qty_positive"),
            models.CheckConstraint(
                condition=Q(restock=False) | Q(location__isnull=False),
                name="custreturnline_restock_has_location",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_line} × {self.base_qty}"


# Receivables (应收账款): what customers owe, money received (收款单) and allocations (核销) ---------
# The shapes and the rules are settlement's, shared with the payables of purchasing.

from settlement import models as settlement  # noqa: E402


class ReceivableEntry(settlement.Entry):
    """A line of a customer's account: goods shipped (owed), goods taken back and money
    received (credits), a reversed receipt of money (owed again)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="receivable_entries"
    )

    class Meta(settlement.Entry.Meta):
        verbose_name = _("receivable")
        verbose_name_plural = _("receivables")
        constraints = settlement.Entry.constraints_for("receivable")
        indexes = [models.Index(fields=["customer", "date"], name="receivable_customer_date")]


class CustomerPayment(settlement.Payment):
    """Money received from a customer (收款单)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="payments"
    )

    class Meta(settlement.Payment.Meta):
        verbose_name = _("receipt of money")
        verbose_name_plural = _("receipts of money")
        constraints = settlement.Payment.constraints_for("customerpayment")
        permissions = [("reverse_customerpayment", _("Can reverse receipts of money"))]

    def get_absolute_url(self) -> str:
        return reverse("sales:payment_detail", args=[self.pk])


class ReceivableAllocation(settlement.Allocation):
    debit = models.ForeignKey(
        ReceivableEntry,
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        related_name="allocations_as_debit",
    )
    credit = models.ForeignKey(
        ReceivableEntry,
        verbose_name=_("credit"),
        on_delete=models.PROTECT,
        related_name="allocations_as_credit",
    )

    class Meta(settlement.Allocation.Meta):
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = settlement.Allocation.constraints_for("receivablealloc")
