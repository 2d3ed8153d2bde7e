"""Customers and the price levels they buy at."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
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
