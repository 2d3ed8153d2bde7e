"""What managers are told and what they download: stock alerts raised by the scheduled scan, and
Excel exports built by Celery workers.

Alerts: one open alert per (item, warehouse, kind) — a partial unique index, so running the scan
twice, or on two workers at once, cannot duplicate one; an alert resolves itself when its condition
clears; acknowledging hides it from the bell without resolving it. Exports: one row per requested
file, with its progress, status and the reason it failed; the file goes through Django's storage
API (a shared object store can replace the local folder)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

QTY = {"max_digits": 18, "decimal_places": 4}


class AlertKind(models.TextChoices):
    BELOW_SAFETY = "below_safety", _("Below safety stock")
    BELOW_REORDER = "below_reorder", _("Below reorder point")
    ABOVE_MAX = "above_max", _("Above maximum stock")
    EXPIRING = "expiring", _("Batches expiring soon")
    EXPIRED = "expired", _("Expired batches on hand")
    UNSERVED = "unserved", _("Confirmed orders that cannot be served")


class AlertStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("alert status", "Open")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("alert status", "Acknowledged")
    RESOLVED = "resolved", pgettext_lazy("alert status", "Resolved")


ACTIVE = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class Alert(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    item = models.ForeignKey(
        "inventory.Item", verbose_name=_("item"), on_delete=models.CASCADE, related_name="+"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    qty = models.DecimalField(_("quantity"), **QTY)  # what was measured (on hand, expiring, short …)
    threshold = models.DecimalField(_("threshold"), **QTY, null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)  # batches, orders … for the message
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen at"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "warehouse", "kind"],
                condition=Q(status__in=ACTIVE),
                name="alert_one_active_per_item_warehouse_kind",
            ),
            models.CheckConstraint(
                condition=Q(status=AlertStatus.RESOLVED, resolved_at__isnull=False)
                | Q(status__in=ACTIVE, resolved_at__isnull=True),
                name="alert_resolved_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "warehouse"], name="alert_status_warehouse")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.item_id} · {self.warehouse_id}"


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportJob(models.Model):
    """One Excel file a user asked for: built by a Celery task, downloaded by that user only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="exports"
    )
    report = models.CharField(_("report"), max_length=40)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True, max_length=300)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(_("task"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_at_most_100"),
        ]
        # who opens which reports (and exports them): given to the roles by accounts 0010
        permissions = [
            (
                "view_stock_reports",
                _("Can see stock reports (valuation, turnover, ABC, ageing, slow-moving)"),
            ),
            ("view_purchase_reports", _("Can see purchase reports")),
            ("view_sales_reports", _("Can see sales reports")),
            ("view_margin_reports", _("Can see gross margin")),
        ]

    def __str__(self) -> str:
        return self.filename or f"{self.report} #{self.pk}"
