"""Suppliers and what they sell us: supplier items with prices and quantity breaks."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
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
