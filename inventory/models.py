"""Master data of the goods side: units, categories, items, warehouses, locations, batches.

Quantities are Decimal(18, 4) in the item's base unit. Nothing here runs workflows: writes go
through forms and services; the database enforces what must always hold (constraints)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

QTY = {"max_digits": 18, "decimal_places": 4}
ZERO = Decimal("0")


class Unit(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=40)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inventory:unit_detail", args=[self.pk])


class Category(models.Model):
    """A node of the item category tree. `path` (names from the root) is kept by
    services.category_save so lists sort and show the tree without recursive queries."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("full path"), max_length=500, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="category_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.path or self.name

    def get_absolute_url(self) -> str:
        return reverse("inventory:category_detail", args=[self.pk])


class ItemType(models.TextChoices):
    RAW_MATERIAL = "raw", _("Raw material")
    SEMI_FINISHED = "semi", _("Semi-finished good")
    FINISHED = "finished", _("Finished good")
    SPARE_PART = "spare", _("Spare part")
    MERCHANDISE = "merchandise", _("Merchandise")


class Tracking(models.TextChoices):
    NONE = "none", _("No batches")
    BATCH = "batch", _("Batch")
    BATCH_EXPIRY = "batch_expiry", _("Batch and expiry date")


class AbcClass(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class Item(models.Model):
    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    spec = models.CharField(_("specification"), max_length=120, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="items"
    )
    item_type = models.CharField(
        _("item type"), max_length=20, choices=ItemType.choices, default=ItemType.MERCHANDISE
    )
    base_unit = models.ForeignKey(
        Unit, verbose_name=_("base unit"), on_delete=models.PROTECT, related_name="+"
    )
    tracking = models.CharField(_("tracking"), max_length=20, choices=Tracking.choices, default=Tracking.NONE)
    safety_stock = models.DecimalField(_("safety stock"), **QTY, default=ZERO)
    reorder_point = models.DecimalField(_("reorder point"), **QTY, default=ZERO)
    min_stock = models.DecimalField(_("minimum stock"), **QTY, default=ZERO)
    max_stock = models.DecimalField(
        _("maximum stock"), **QTY, default=ZERO, help_text=_("0 means no maximum.")
    )
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"), default=0)
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Written by the ABC report (reports:report_abc_apply) through inventory.services.abc, one
    # UPDATE per class: a derived figure, so it is kept out of the change history.
    abc_class = models.CharField(
        _("ABC class"), max_length=1, choices=AbcClass.choices, blank=True, editable=False
    )
    abc_classified_at = models.DateTimeField(_("ABC classified at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at", "abc_class", "abc_classified_at"])

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["sku"]
        permissions = [
            ("import_item", _("Can import items")),
            ("export_item", _("Can export items")),
        ]
        indexes = [models.Index(fields=["category", "sku"]), models.Index(fields=["name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(safety_stock__gte=0, reorder_point__gte=0, min_stock__gte=0, max_stock__gte=0),
                name="item_stock_levels_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(max_stock=0) | Q(max_stock__gte=F("min_stock")), name="item_max_not_below_min"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("inventory:item_detail", args=[self.pk])

    @property
    def tracks_batches(self) -> bool:
        return self.tracking != Tracking.NONE

    @property
    def tracks_expiry(self) -> bool:
        return self.tracking == Tracking.BATCH_EXPIRY


def unit_factor(item: "Item", unit_id: int) -> Decimal | None:
    """Base units per `unit_id` for the item (1 for its base unit); None when it has no such unit."""
    if unit_id == item.base_unit_id:
        return Decimal("1")
    conversion = item.units.filter(unit_id=unit_id).first()
    return conversion.factor if conversion else None


class ItemUnit(models.Model):
    """A unit other than the base unit an item is bought or sold in: 1 箱 = 24 瓶 is factor 24."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    factor = models.DecimalField(_("base units per unit"), max_digits=18, decimal_places=6)
    is_purchase_default = models.BooleanField(_("default purchase unit"), default=False)
    is_sales_default = models.BooleanField(_("default sales unit"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("unit conversion")
        verbose_name_plural = _("unit conversions")
        constraints = [
            models.UniqueConstraint(fields=["item", "unit"], name="itemunit_unique_unit"),
            models.CheckConstraint(condition=Q(factor__gt=0), name="itemunit_factor_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.unit} = {self.factor.normalize():f} {self.item.base_unit}"


class ItemBarcode(models.Model):
    """A barcode printed on the item or on a pack of it (then `unit` says which pack)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="barcodes")
    barcode = models.CharField(_("barcode"), max_length=64, unique=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for the base unit."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("barcode")
        verbose_name_plural = _("barcodes")

    def __str__(self) -> str:
        return self.barcode


class Warehouse(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    address = models.CharField(_("address"), max_length=200, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("staff"), blank=True, related_name="warehouses"
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["code"]
        permissions = [("view_all_warehouses", _("Can see every warehouse"))]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inventory:warehouse_detail", args=[self.pk])


class LocationKind(models.TextChoices):
    ZONE = "zone", _("Zone")
    AISLE = "aisle", _("Aisle")
    BIN = "bin", _("Bin")
    TRANSIT = "transit", _("In transit")


class Location(models.Model):
    """A place in a warehouse: zone → aisle → bin. `path` is kept by services.location_save."""

    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="locations"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent location"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=LocationKind.choices, default=LocationKind.BIN)
    path = models.CharField(_("full path"), max_length=300, editable=False, default="")
    capacity = models.DecimalField(_("capacity"), **QTY, null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    last_counted_at = models.DateTimeField(_("last counted at"), null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["last_counted_at"])

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["warehouse__code", "path"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="location_code_unique_in_warehouse"),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0), name="location_capacity_positive"
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="location_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse.code}:{self.code}"

    def get_absolute_url(self) -> str:
        return reverse("inventory:location_detail", args=[self.pk])


class Batch(models.Model):
    """A batch (lot) of one item. The supplier of a batch is recorded on the purchasing receipt
    that brought it in, so inventory does not depend on purchasing."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="batches")
    batch_no = models.CharField(_("batch number"), max_length=40)
    production_date = models.DateField(_("production date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    first_received_at = models.DateTimeField(_("first received at"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["item__sku", "expiry_date", "batch_no"]
        constraints = [
            models.UniqueConstraint(fields=["item", "batch_no"], name="batch_unique_per_item"),
            models.CheckConstraint(
                condition=Q(expiry_date__isnull=True)
                | Q(production_date__isnull=True)
                | Q(expiry_date__gte=F("production_date")),
                name="batch_expiry_not_before_production",
            ),
        ]
        indexes = [models.Index(fields=["expiry_date"])]

    def __str__(self) -> str:
        return f"{self.item.sku} / {self.batch_no}"

    def get_absolute_url(self) -> str:
        return reverse("inventory:batch_detail", args=[self.pk])


# The stock ledger (DESIGN.md §2) ------------------------------------------------------------
# Written only by inventory.services.posting; everything here is append-only or a cache of it.

MONEY_STORED = {"max_digits": 18, "decimal_places": 2}
UNIT_COST = {"max_digits": 18, "decimal_places": 6}


class DocumentSequence(models.Model):
    """The last number handed out per document prefix and year (PO-2026-000123). Numbers are
    allocated when a document is created, under a row lock, never on the posting path."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="docseq_unique_prefix_year")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class Posting(models.Model):
    """One posted document. Unique per (doc_type, doc_id): a second attempt to post the same
    document fails at the database, whatever the race, so posting is idempotent."""

    doc_type = models.CharField(_("document type"), max_length=20)
    doc_id = models.BigIntegerField(_("document id"))
    doc_number = models.CharField(_("document number"), max_length=40)
    posted_at = models.DateTimeField(_("posted at"))
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("posted by"), on_delete=models.PROTECT, related_name="+"
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "doc_id"], name="posting_once_per_document"),
        ]

    def __str__(self) -> str:
        return self.doc_number


class ItemValuation(models.Model):
    """Per item: quantity and value on hand across all warehouses, the moving weighted average
    cost, and the head of the item's tamper-evident hash chain. Postings lock this row first,
    so postings of one item serialize here and the chain needs no lock of its own."""

    item = models.OneToOneField(Item, on_delete=models.PROTECT, primary_key=True, related_name="valuation")
    qty = models.DecimalField(_("quantity"), **QTY, default=ZERO)
    value = models.DecimalField(_("value"), **MONEY_STORED, default=ZERO)
    avg_cost = models.DecimalField(_("average cost"), **UNIT_COST, default=ZERO)
    chain_seq = models.PositiveBigIntegerField(default=0)
    chain_head = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = _("item valuation")
        verbose_name_plural = _("item valuations")
        constraints = [models.CheckConstraint(condition=Q(qty__gte=0), name="valuation_qty_not_negative")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.qty} / {self.value}"


class StockBalance(models.Model):
    """On hand, its value and reserved per item × location × batch: a cache of the ledger kept in
    the same transaction as the moves. Invariants: on_hand == SUM(StockMove.qty) and value ==
    SUM(StockMove.value) for the same key (so an item's balances' values add up to its
    valuation's value, and a warehouse's stock value is a sum over balances)."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="balances")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="balances")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="balances")
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="balances")
    on_hand = models.DecimalField(_("on hand"), **QTY, default=ZERO)
    reserved = models.DecimalField(_("reserved"), **QTY, default=ZERO)
    # db_default: the posting function's INSERT of new keys, and bulk inserts, leave it to the table
    value = models.DecimalField(_("value"), **MONEY_STORED, default=ZERO, db_default=ZERO)
    last_moved_at = models.DateTimeField(_("last moved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [
            # The last line of defence: the service checks availability first.
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="balance_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="balance_reserved_not_negative"),
            models.UniqueConstraint(
                fields=["item", "location", "batch"],
                condition=Q(batch__isnull=False),
                name="balance_unique_with_batch",
            ),
            models.UniqueConstraint(
                fields=["item", "location"],
                condition=Q(batch__isnull=True),
                name="balance_unique_without_batch",
            ),
        ]
        indexes = [models.Index(fields=["warehouse", "item"]), models.Index(fields=["item", "warehouse"])]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.location_id}/{self.batch_id or '-'}: {self.on_hand}"

    @property
    def available(self):
        return self.on_hand - self.reserved


class Reservation(models.Model):
    """Stock promised to a document line (a confirmed sales order): the detail of
    StockBalance.reserved. Invariant: for every balance, reserved == SUM(Reservation.qty).
    Written only by inventory.services.reservations, in the transaction that changes the balance;
    a reservation is deleted when it is released or shipped (it is a commitment, not history)."""

    balance = models.ForeignKey(StockBalance, on_delete=models.PROTECT, related_name="reservations")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    doc_type = models.CharField(max_length=30)
    doc_id = models.BigIntegerField()
    line_ref = models.BigIntegerField()
    qty = models.DecimalField(_("reserved"), **QTY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        constraints = [
            models.CheckConstraint(condition=Q(qty__gt=0), name="reservation_qty_positive"),
            models.UniqueConstraint(
                fields=["doc_type", "line_ref", "balance"], name="reservation_unique_per_key"
            ),
        ]
        indexes = [models.Index(fields=["doc_type", "doc_id"]), models.Index(fields=["item", "warehouse"])]

    def __str__(self) -> str:
        return f"{self.doc_type}#{self.doc_id}/{self.line_ref}: {self.qty} @ {self.balance_id}"


class StockMove(models.Model):
    """The append-only ledger: one row per (item, location, batch) change. Never updated or
    deleted (a database trigger refuses both); a mistake is corrected by a reversing posting.

    `seq` numbers the item's moves 1, 2, 3 …; `hash` = sha256(previous hash + this move's
    content), so check_ledger can prove no posted row was altered or removed."""

    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="moves")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="moves")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="moves")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="moves")
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="moves")
    qty = models.DecimalField(_("quantity"), **QTY)
    unit_cost = models.DecimalField(_("unit cost"), **UNIT_COST)
    value = models.DecimalField(_("value"), **MONEY_STORED)
    line_ref = models.BigIntegerField(null=True, blank=True)
    moved_at = models.DateTimeField(_("moved at"))
    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        constraints = [
            models.UniqueConstraint(fields=["item", "seq"], name="move_unique_item_seq"),
            models.CheckConstraint(condition=~Q(qty=0), name="move_qty_not_zero"),
        ]
        indexes = [
            models.Index(fields=["item", "warehouse", "moved_at"]),
            models.Index(fields=["location", "item"]),
            models.Index(fields=["moved_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}#{self.seq}: {self.qty}"


# Warehouse documents (入库单, 出库单, 调拨单, 报损/报溢) ----------------------------------------


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("Goods receipt")
    ISSUE = "issue", _("Goods issue")
    TRANSFER = "transfer", _("Transfer")
    LOSS = "loss", _("Stock loss")
    GAIN = "gain", _("Stock gain")


DOCUMENT_PREFIX = {"receipt": "GR", "issue": "GI", "transfer": "TR", "loss": "SL", "gain": "SG"}
NEEDS_APPROVAL = {DocumentKind.LOSS, DocumentKind.GAIN}


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    IN_TRANSIT = "in_transit", _("In transit")
    POSTED = "posted", _("Posted")
    REVERSED = "reversed", _("Reversed")
    CANCELLED = "cancelled", _("Cancelled")


class AdjustmentReason(models.TextChoices):
    DAMAGED = "damaged", _("Damaged")
    EXPIRED = "expired", _("Expired")
    LOST = "lost", _("Lost or stolen")
    FOUND = "found", _("Found")
    SAMPLE = "sample", _("Samples and own use")
    OTHER = "other", _("Other")


class StockDocument(models.Model):
    """A warehouse document. Posted documents are never edited: a mistake is corrected by a
    linked reversing document (红字冲销) of the same kind."""

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="documents"
    )
    to_warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("to warehouse"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incoming_documents",
        help_text=_("For transfers between warehouses."),
    )
    posting_date = models.DateField(_("posting date"))
    reason = models.CharField(_("reason"), max_length=10, choices=AdjustmentReason.choices, blank=True)
    reference = models.CharField(
        _("reference"),
        max_length=60,
        blank=True,
        help_text=_("Department, production order, delivery note …"),
    )
    note = models.TextField(_("note"), blank=True)
    reversal_of = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    posting = models.OneToOneField(Posting, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # A transfer between warehouses posts twice: shipped into transit, then received.
    arrival_posting = models.OneToOneField(
        Posting, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stock document")
        verbose_name_plural = _("stock documents")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("post_stockdocument", _("Can post stock documents")),
            ("approve_stockdocument", _("Can approve stock losses and gains")),
            ("reverse_stockdocument", _("Can reverse posted stock documents")),
            ("view_stock_value", _("Can see stock costs and values")),
        ]
        indexes = [models.Index(fields=["warehouse", "status", "-created_at"])]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("inventory:stockdocument_detail", args=[self.pk])

    @property
    def needs_approval(self) -> bool:
        return self.kind in NEEDS_APPROVAL


class StockDocumentLine(models.Model):
    """A line as the clerk entered it (unit and quantity) and in base units for the ledger."""

    document = models.ForeignKey(StockDocument, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="+"
    )
    to_location = models.ForeignKey(
        Location,
        verbose_name=_("to location"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    batch = models.ForeignKey(
        Batch, verbose_name=_("batch"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    qty = models.DecimalField(_("quantity"), **QTY)
    factor = models.DecimalField(
        _("base units per unit"), max_digits=18, decimal_places=6, default=Decimal("1")
    )
    base_qty = models.DecimalField(_("quantity in base unit"), **QTY)
    unit_cost = models.DecimalField(
        _("unit cost"),
        **UNIT_COST,
        null=True,
        blank=True,
        help_text=_("Per entered unit. Receipts need it; gains default to the average cost."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("document line")
        verbose_name_plural = _("document lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(qty__gt=0), name="docline_qty_positive"),
            models.CheckConstraint(condition=Q(base_qty__gt=0), name="docline_base_qty_positive"),
            models.CheckConstraint(condition=Q(factor__gt=0), name="docline_factor_positive"),
            models.CheckConstraint(
                condition=Q(unit_cost__isnull=True) | Q(unit_cost__gte=0), name="docline_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} × {self.qty}"


# Stocktake (盘点) --------------------------------------------------------------------------


class CountStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COUNTING = "counting", _("Counting")
    SUBMITTED = "submitted", _("Awaiting approval")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


class StockCount(models.Model):
    """A stocktake of a scope (warehouse, optionally a location subtree and a category).

    Starting it snapshots the book quantity of every balance in scope (a line each) and remembers
    the last move id, so that moves posted while counting are accounted for: the variance of a
    line is counted − (snapshot + moves of its key between the snapshot and the count).
    Variances above the thresholds need a manager's approval; posting writes the adjustments."""

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=CountStatus.choices, default=CountStatus.DRAFT
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="counts"
    )
    location = models.ForeignKey(
        Location,
        verbose_name=_("location"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Count only this location and the locations under it."),
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Count only items of this category and its subcategories."),
    )
    blind = models.BooleanField(
        _("blind count"), default=True, help_text=_("Counters do not see the book quantity.")
    )
    qty_threshold = models.DecimalField(
        _("quantity threshold"),
        **QTY,
        default=ZERO,
        help_text=_("A line whose variance exceeds this quantity needs a manager's approval."),
    )
    value_threshold = models.DecimalField(
        _("value threshold"),
        **MONEY_STORED,
        default=ZERO,
        help_text=_("A line whose variance exceeds this value needs a manager's approval."),
    )
    snapshot_move_id = models.BigIntegerField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    posting = models.OneToOneField(Posting, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
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
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("count_stockcount", _("Can count stock")),
            ("approve_stockcount", _("Can approve stocktake variances")),
        ]
        indexes = [models.Index(fields=["warehouse", "status", "-created_at"])]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("inventory:stockcount_detail", args=[self.pk])


class StockCountLine(models.Model):
    """One item × location × batch to count: its book quantity at the snapshot and what was found.
    Lines for stock found where the book had none are added while counting (snapshot 0)."""

    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="+"
    )
    batch = models.ForeignKey(
        Batch, verbose_name=_("batch"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    snapshot_qty = models.DecimalField(_("book quantity"), **QTY, default=ZERO)
    unit_cost = models.DecimalField(_("unit cost"), **UNIT_COST, default=ZERO)
    counted_qty = models.DecimalField(_("counted quantity"), **QTY, null=True, blank=True)
    moved_qty = models.DecimalField(
        _("moved while counting"), **QTY, default=ZERO, help_text=_("Net moves between snapshot and count.")
    )
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("counted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    counted_at = models.DateTimeField(_("counted at"), null=True, blank=True)
    count_move_id = models.BigIntegerField(null=True, blank=True, editable=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("count line")
        verbose_name_plural = _("count lines")
        ordering = ["location__path", "item__sku", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["count", "item", "location", "batch"],
                condition=Q(batch__isnull=False),
                name="countline_unique_with_batch",
            ),
            models.UniqueConstraint(
                fields=["count", "item", "location"],
                condition=Q(batch__isnull=True),
                name="countline_unique_without_batch",
            ),
            models.CheckConstraint(
                condition=Q(counted_qty__isnull=True) | Q(counted_qty__gte=0),
                name="countline_counted_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count_id}: {self.item_id}@{self.location_id}"

    @property
    def expected_qty(self) -> Decimal:
        return self.snapshot_qty + self.moved_qty

    @property
    def variance(self) -> Decimal | None:
        return None if self.counted_qty is None else self.counted_qty - self.expected_qty


# Period close (月结) ------------------------------------------------------------------------


class PeriodClose(models.Model):
    """A closed month. Postings dated into it (or any earlier month) are refused; its summaries
    hold each item × warehouse's quantity and value at the month's end."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    end_date = models.DateField(_("last day"))
    closed_at = models.DateTimeField(_("closed at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("closed by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("closed period")
        verbose_name_plural = _("closed periods")
        ordering = ["-end_date"]
        permissions = [
            ("close_period", _("Can close a month")),
            ("reopen_period", _("Can reopen a closed month")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="period_unique_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="period_month_1_12"),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


class PeriodSummary(models.Model):
    """Quantity and value of an item in a warehouse at the end of a closed month."""

    period = models.ForeignKey(PeriodClose, on_delete=models.CASCADE, related_name="summaries")
    # indexed by the covering index below (item first), not by an index of its own
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", db_index=False)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    qty = models.DecimalField(_("quantity"), **QTY)
    value = models.DecimalField(_("value"), **MONEY_STORED)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "item", "warehouse"], name="summary_unique_key"),
        ]
        # Reports over a year read 12 months' rows grouped per item: in item order, from the index
        # alone (PostgreSQL; an index-only scan instead of a heap fetch per row in period order).
        indexes = [
            models.Index(
                fields=["item", "period"], include=["warehouse", "qty", "value"], name="summary_by_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.item_id}@{self.warehouse_id}: {self.qty}"


class PeriodConsumption(models.Model):
    """Quantity and value an item consumed from a warehouse during a closed month (cost of goods
    sold: sales shipments and goods issues less customer returns, inventory.services.periods.
    consumption_q), positive when stock went out. A row for every item × warehouse with such
    moves in the month, even when they net to zero, and only for those: an item sold out at the
    month's end has consumption but no PeriodSummary row, so this is a table of its own."""

    period = models.ForeignKey(PeriodClose, on_delete=models.CASCADE, related_name="consumption")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", db_index=False)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    qty = models.DecimalField(_("quantity"), **QTY)
    value = models.DecimalField(_("value"), **MONEY_STORED)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "item", "warehouse"], name="consumption_unique_key"),
        ]
        indexes = [  # as PeriodSummary's
            models.Index(
                fields=["item", "period"], include=["warehouse", "qty", "value"], name="consumption_by_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.item_id}@{self.warehouse_id}: {self.qty} consumed"


class PeriodEvent(models.Model):
    """Who closed or reopened which month, and when: reopening is an audited administrator act."""

    class Action(models.TextChoices):
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.action}"
