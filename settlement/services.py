"""Every write to a book of money owed: entries from posted documents, payments, allocations
(核销), undoing an allocation and reversing a payment.

Lock order: the payment row (when there is one), then the one credit entry the operation works
on, then the debit entries in id order, then allocation rows. Two users allocating the same payment both lock its entry first, so the second sees what the
first allocated and cannot take it past the amount; the database check allocated ≤ amount is the
last line of defence. Callers from the posting services run inside their own transaction; the
functions here are atomic themselves, so the views may call them directly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.formatting import fmt_money
from inventory.exceptions import AlreadyPosted, DomainError
from inventory.pricing import MAX_MONEY
from inventory.services import next_number

from .books import Book
from .models import ZERO, EntryKind, Method, PaymentStatus

FEN = Decimal("0.01")


class SettlementError(DomainError):
    pass


@dataclass(frozen=True)
class AllocationInput:
    debit_id: int
    amount: Decimal


def checked_money(value, *, what: str) -> Decimal:
    """A positive amount to the fen, or a SettlementError that names `what`."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise SettlementError(
            _("%(what)s: %(value)s is not an amount.") % {"what": what, "value": value}
        ) from None
    if not amount.is_finite():
        raise SettlementError(_("%(what)s: %(value)s is not an amount.") % {"what": what, "value": value})
    if amount <= 0:
        raise SettlementError(_("%(what)s must be greater than zero.") % {"what": what})
    # Size before places: quantizing 10^30 to the fen needs more digits than the decimal context
    # has, and raises InvalidOperation instead of a message.
    if amount >= MAX_MONEY:
        raise SettlementError(_("%(what)s is too large.") % {"what": what})
    if amount != amount.quantize(FEN):
        raise SettlementError(_("%(what)s: amounts are to the fen (two decimal places).") % {"what": what})
    return amount.quantize(FEN)


# Entries from posted documents ----------------------------------------------------------------------


def add_document(
    book: Book, *, party, source_type: str, source_id: int, number: str, day: date, amount: Decimal
):
    """What a posted document (goods received or shipped) makes owed, due after the party's
    payment terms. Nothing when the amount is zero (everything rejected, say). Call it inside the
    posting transaction."""
    if amount <= 0:
        return None
    return book.entry_model.objects.create(
        **{book.party_field: party},
        kind=EntryKind.DOCUMENT,
        is_debit=True,
        source_type=source_type,
        source_id=source_id,
        number=number,
        date=day,
        due_date=day + timedelta(days=party.payment_terms_days),
        amount=amount,
    )


def add_return(
    book: Book,
    *,
    party,
    source_type: str,
    source_id: int,
    number: str,
    day: date,
    amount: Decimal,
    against: tuple[str, int] | None,
    user,
):
    """A credit for goods sent back, set at once against what is still open of the document they
    came from (`against`: its source type and id); the rest stays as a credit to allocate later.
    Call it inside the posting transaction."""
    if amount <= 0:
        return None
    credit = book.entry_model.objects.create(
        **{book.party_field: party},
        kind=EntryKind.RETURN,
        is_debit=False,
        source_type=source_type,
        source_id=source_id,
        number=number,
        date=day,
        amount=amount,
    )
    if against is not None:
        origin = book.entry_model.objects.filter(
            source_type=against[0], source_id=against[1], kind=EntryKind.DOCUMENT
        ).first()
        if origin is not None:
            entries = _lock(book, credit.pk, [origin.pk])
            share = min(entries[origin.pk].open_amount, amount)
            if share > 0:
                _write_allocations(
                    book,
                    entries[credit.pk],
                    [(entries[origin.pk], share)],
                    day=max(day, origin.date),
                    user=user,
                )
    return credit


# Payments -----------------------------------------------------------------------------------------


@transaction.atomic
def record_payment(
    book: Book,
    *,
    party,
    day: date,
    method: str,
    amount,
    user,
    reference: str = "",
    note: str = "",
    allocations: list[AllocationInput] = (),
):
    """Record money paid or received (posted at once) and allocate it to open documents; what is
    not allocated stays as a prepayment."""
    amount = checked_money(amount, what=_("The amount"))
    if day > timezone.localdate():
        raise SettlementError(_("The date cannot be in the future."))
    if method not in Method.values:
        raise SettlementError(_("Choose how the money was paid."))
    payment = book.payment_model.objects.create(
        **{book.party_field: party},
        number=next_number(book.payment_prefix, year=day.year),
        date=day,
        method=method,
        reference=reference.strip(),
        note=note.strip(),
        amount=amount,
        created_by=user,
    )
    credit = book.entry_model.objects.create(
        **{book.party_field: party},
        kind=EntryKind.PAYMENT,
        is_debit=False,
        source_type="payment",
        source_id=payment.pk,
        number=payment.number,
        date=day,
        amount=amount,
    )
    if allocations:
        allocate(
            book, credit_id=credit.pk, lines=allocations, user=user, day=max(day, _latest(book, allocations))
        )
    return payment


def _latest(book: Book, lines: list[AllocationInput]) -> date:
    dates = book.entry_model.objects.filter(pk__in=[ln.debit_id for ln in lines]).values_list(
        "date", flat=True
    )
    return max(dates, default=date.min)


def payment_entry(book: Book, payment):
    return book.entry_model.objects.get(source_type="payment", source_id=payment.pk, kind=EntryKind.PAYMENT)


@transaction.atomic
def allocate(book: Book, *, credit_id: int, lines: list[AllocationInput], user, day: date | None = None):
    """Set a credit (a payment or returned goods) against open debits of the same party, each up to
    what is open on it and all together up to what is left of the credit. All or nothing."""
    if not lines:
        raise SettlementError(_("Enter an amount against at least one document."))
    wanted: dict[int, Decimal] = {}
    for ln in lines:
        amount = checked_money(ln.amount, what=_("The amount to allocate"))
        wanted[ln.debit_id] = wanted.get(ln.debit_id, ZERO) + amount
    entries = _lock(book, credit_id, wanted)
    credit = entries.get(credit_id)
    if credit is None or credit.is_debit:
        raise SettlementError(_("Only a payment or returned goods can be allocated."))
    pairs = []
    for debit_id, amount in wanted.items():
        debit = entries.get(debit_id)
        if debit is None or not debit.is_debit or _party_id(book, debit) != _party_id(book, credit):
            raise SettlementError(_("Allocate only to open documents of the same party."))
        if amount > debit.open_amount:
            raise SettlementError(
                _("%(number)s has %(open)s open; %(wanted)s cannot be allocated to it.")
                % {"number": debit.number, "open": fmt_money(debit.open_amount), "wanted": fmt_money(amount)}
            )
        pairs.append((debit, amount))
    total = sum(wanted.values(), ZERO)
    if total > credit.open_amount:
        raise SettlementError(
            _("%(number)s has %(left)s left to allocate; %(wanted)s is more than that.")
            % {"number": credit.number, "left": fmt_money(credit.open_amount), "wanted": fmt_money(total)}
        )
    day = day or timezone.localdate()
    if day > timezone.localdate():
        raise SettlementError(_("The date cannot be in the future."))
    earliest = max([credit.date, *(d.date for d, _a in pairs)])
    if day < earliest:
        raise SettlementError(
            _("An allocation cannot be dated before its documents (%(day)s).") % {"day": earliest.isoformat()}
        )
    return _write_allocations(book, credit, pairs, day=day, user=user)


def _party_id(book: Book, entry) -> int:
    return getattr(entry, f"{book.party_field}_id")


def _lock(book: Book, credit_id: int, debit_ids) -> dict:
    """The credit entry, then the debits in id order: every writer locks in this order, and each
    works on one credit, so two of them cannot wait on each other."""
    manager = book.entry_model.objects.select_for_update()
    entries = {e.pk: e for e in manager.filter(pk=credit_id)}
    entries.update({e.pk: e for e in manager.filter(pk__in=set(debit_ids) - {credit_id}).order_by("pk")})
    return entries


def _write_allocations(book: Book, credit, pairs, *, day: date, user) -> list:
    rows = [
        book.allocation_model(debit=debit, credit=credit, amount=amount, date=day, created_by=user)
        for debit, amount in pairs
    ]
    book.allocation_model.objects.bulk_create(rows)
    for debit, amount in pairs:
        debit.allocated += amount
        credit.allocated += amount
    book.entry_model.objects.bulk_update([credit, *(d for d, _a in pairs)], ["allocated"])
    return rows


@transaction.atomic
def unallocate(book: Book, *, allocation_id: int, user, day: date | None = None):
    """Undo an allocation (反核销): both entries are open again by its amount. The allocation
    stays, stamped with who undid it and when."""
    Allocation = book.allocation_model
    found = Allocation.objects.filter(pk=allocation_id).values_list("debit_id", "credit_id").first()
    if found is None:
        raise SettlementError(_("No such allocation."))
    entries = _lock(book, found[1], [found[0]])
    allocation = Allocation.objects.select_for_update().get(pk=allocation_id)
    if allocation.undone_at is not None:
        raise AlreadyPosted(_("This allocation has already been undone."))
    credit = entries[allocation.credit_id]
    if credit.kind == EntryKind.PAYMENT and entries[allocation.debit_id].kind == EntryKind.REVERSAL:
        raise SettlementError(_("A reversal stays set against the payment it reverses."))
    day = day or timezone.localdate()
    if day > timezone.localdate():
        raise SettlementError(_("The date cannot be in the future."))
    _undo(book, [allocation], entries, day=day, user=user)
    return allocation


def _undo(book: Book, allocations, entries, *, day: date, user) -> None:
    now = timezone.now()
    for a in allocations:
        if day < a.date:
            raise SettlementError(
                _("An allocation cannot be undone before the day it was made (%(day)s).")
                % {"day": a.date.isoformat()}
            )
        a.undone_by, a.undone_at, a.undone_on = user, now, day
        entries[a.debit_id].allocated -= a.amount
        entries[a.credit_id].allocated -= a.amount
    book.allocation_model.objects.bulk_update(allocations, ["undone_by", "undone_at", "undone_on"])
    touched = {a.debit_id for a in allocations} | {a.credit_id for a in allocations}
    book.entry_model.objects.bulk_update([entries[i] for i in touched], ["allocated"])


@transaction.atomic
def reverse_payment(book: Book, *, payment_id: int, user, reason: str, day: date | None = None):
    """A payment recorded by mistake is reversed, never edited: its allocations are undone and a
    debit entry of the same amount (dated the day of the reversal) settles it, so the statement
    shows both and the balance is as if it had not been paid."""
    Payment = book.payment_model
    payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None:
        raise SettlementError(_("No such payment."))
    if payment.status == PaymentStatus.REVERSED:
        raise AlreadyPosted(_("%(number)s has already been reversed.") % {"number": payment.number})
    if not reason.strip():
        raise SettlementError(_("Say why the payment is reversed."))
    day = day or timezone.localdate()
    if day < payment.date or day > timezone.localdate():
        raise SettlementError(
            _("The reversal date must lie between the payment date %(day)s and today.")
            % {"day": payment.date.isoformat()}
        )
    credit = payment_entry(book, payment)
    entries = _lock(book, credit.pk, [])  # from here on nobody allocates or undoes this credit
    active = list(book.allocation_model.objects.filter(credit=credit, undone_at__isnull=True).order_by("pk"))
    entries.update(_lock(book, credit.pk, [a.debit_id for a in active]))
    active = list(
        book.allocation_model.objects.select_for_update().filter(pk__in=[a.pk for a in active]).order_by("pk")
    )
    _undo(book, active, entries, day=day, user=user)
    reversal = book.entry_model.objects.create(
        **{book.party_field: getattr(payment, book.party_field)},
        kind=EntryKind.REVERSAL,
        is_debit=True,
        source_type="payment",
        source_id=payment.pk,
        number=payment.number,
        date=day,
        amount=payment.amount,
    )
    _write_allocations(book, entries[credit.pk], [(reversal, payment.amount)], day=day, user=user)
    payment.status = PaymentStatus.REVERSED
    payment.reversed_by, payment.reversed_at = user, timezone.now()
    payment.reversal_date, payment.reversal_reason = day, reason.strip()
    payment.save()
    return payment
