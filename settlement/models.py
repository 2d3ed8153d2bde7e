"""Abstract models of one side's book of money owed: entries (what is owed and what settles it),
payments, and allocations (核销) between a debit and a credit entry.

An entry is either a debit (a posted document: goods received or shipped; a reversed payment) or
a credit (goods returned; money paid or received). `allocated` caches the sum of the entry's
active allocations, so what is still open is `amount − allocated` and a party's open balance is
Σ open debits − Σ open credits (Σ debits − Σ credits: every allocation takes the same sum off
one of each). Entries, payments and allocations are never edited or deleted: a payment is
reversed by a debit entry that settles it, an allocation is undone by stamping it.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 18, "decimal_places": 2}
ZERO = Decimal("0")


class EntryKind(models.TextChoices):
    DOCUMENT = "document", _("Goods")
    RETURN = "return", _("Returned goods")
    PAYMENT = "payment", _("Payment")
    REVERSAL = "reversal", _("Payment reversed")


DEBIT_KINDS = (EntryKind.DOCUMENT, EntryKind.REVERSAL)
CREDIT_KINDS = (EntryKind.RETURN, EntryKind.PAYMENT)


class Method(models.TextChoices):
    BANK = "bank", _("Bank transfer")
    CASH = "cash", _("Cash")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    OTHER = "other", _("Other")


class PaymentStatus(models.TextChoices):
    POSTED = "posted", _("Posted")
    REVERSED = "reversed", _("Reversed")


class Entry(models.Model):
    """One line of a party's account. The concrete model adds `party` (a ForeignKey)."""

    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices)
    is_debit = models.BooleanField(_("debit"))
    source_type = models.CharField(_("source"), max_length=20)
    source_id = models.PositiveBigIntegerField(_("source id"))
    number = models.CharField(_("number"), max_length=30)
    date = models.DateField(_("date"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    allocated = models.DecimalField(_("allocated"), **MONEY, default=ZERO)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.number} {self.amount}"

    @property
    def open_amount(self) -> Decimal:
        return self.amount - self.allocated

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.is_debit else -self.amount

    @classmethod
    def constraints_for(cls, prefix: str) -> list:
        return [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "kind"], name=f"{prefix}_one_per_source"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name=f"{prefix}_amount_positive"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0, allocated__lte=F("amount")),
                name=f"{prefix}_allocated_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(is_debit=True, kind__in=DEBIT_KINDS) | Q(is_debit=False, kind__in=CREDIT_KINDS),
                name=f"{prefix}_side_matches_kind",
            ),
        ]


class Payment(models.Model):
    """Money paid to a supplier (付款单) or received from a customer (收款单). Posted when
    recorded; never edited — a mistake is reversed. The concrete model adds `party`."""

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    date = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.BANK)
    reference = models.CharField(
        _("reference"), max_length=60, blank=True, help_text=_("Bank slip, transaction or cheque number.")
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    note = models.CharField(_("notes"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.POSTED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reversed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversal_date = models.DateField(_("reversal date"), null=True, blank=True)
    reversal_reason = models.CharField(_("reason for the reversal"), max_length=200, blank=True)

    class Meta:
        abstract = True
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def constraints_for(cls, prefix: str) -> list:
        return [
            models.CheckConstraint(condition=Q(amount__gt=0), name=f"{prefix}_amount_positive"),
            models.CheckConstraint(
                condition=Q(status=PaymentStatus.POSTED)
                | Q(reversed_at__isnull=False, reversal_date__isnull=False),
                name=f"{prefix}_reversal_recorded",
            ),
        ]


class Allocation(models.Model):
    """A sum of a credit entry set against a debit entry (核销). Undone by stamping, never deleted.
    The concrete model adds `debit` and `credit` (ForeignKeys to its entry model)."""

    amount = models.DecimalField(_("amount"), **MONEY)
    date = models.DateField(_("date"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("allocated by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("allocated at"), auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_on = models.DateField(_("undone on"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["date", "id"]

    @property
    def active(self) -> bool:
        return self.undone_at is None

    @classmethod
    def constraints_for(cls, prefix: str) -> list:
        return [
            models.CheckConstraint(condition=Q(amount__gt=0), name=f"{prefix}_amount_positive"),
            models.CheckConstraint(
                condition=Q(undone_at__isnull=True, undone_on__isnull=True)
                | Q(undone_at__isnull=False, undone_on__isnull=False, undone_on__gte=F("date")),
                name=f"{prefix}_undone_after",
            ),
        ]
