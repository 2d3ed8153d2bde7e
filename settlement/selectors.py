"""Reads of a book of money owed: open balances with ageing (账龄), a party's open documents and
credits, and statements (对账单).

Ageing counts the days from the document's date to the as-of date: 0–30, 31–60, 61–90 and over 90
days; "overdue" is what is open past its due date (the date plus the party's payment terms). What a
party has paid ahead or returned and not yet allocated is its credit; the balance is what is open
less that credit. As of today the cached `allocated` of each entry is read; as of an earlier day,
the allocations made by then and not undone by then."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.utils import timezone

from .books import Book
from .models import ZERO

BUCKETS = (30, 60, 90)  # upper bounds (days) of the first three buckets; the last is open-ended


def bucket_of(age_days: int) -> int:
    """0: 0–30 days, 1: 31–60, 2: 61–90, 3: over 90."""
    for n, bound in enumerate(BUCKETS):
        if age_days <= bound:
            return n
    return len(BUCKETS)


@dataclass
class PartyBalance:
    party: object
    buckets: list[Decimal] = field(default_factory=lambda: [ZERO] * (len(BUCKETS) + 1))
    credit: Decimal = ZERO  # paid ahead or returned, not yet allocated
    overdue: Decimal = ZERO

    @property
    def open(self) -> Decimal:
        return sum(self.buckets, ZERO)

    @property
    def balance(self) -> Decimal:
        return self.open - self.credit


def open_entries(book: Book, *, as_of: date | None = None, party_ids=None) -> list[tuple]:
    """(entry, open amount as of the day) of every entry with something open on that day."""
    today = timezone.localdate()
    as_of = as_of or today
    entries = book.entry_model.objects.filter(date__lte=as_of)
    if party_ids is not None:
        entries = entries.filter(**{f"{book.party_field}_id__in": party_ids})
    if as_of >= today:
        return [(e, e.amount - e.allocated) for e in entries.exclude(allocated=F("amount"))]
    active = book.allocation_model.objects.filter(date__lte=as_of).filter(
        Q(undone_on__isnull=True) | Q(undone_on__gt=as_of)
    )
    done: dict[int, Decimal] = defaultdict(Decimal)
    for column in ("debit_id", "credit_id"):
        for entry_id, total in active.values_list(column).annotate(total=Sum("amount")).order_by():
            done[entry_id] += total
    result = []
    for e in entries:
        left = e.amount - done.get(e.pk, ZERO)
        if left:
            result.append((e, left))
    return result


def balances(book: Book, *, as_of: date | None = None, party_ids=None) -> list[PartyBalance]:
    """Each party with something open on the day, by name."""
    as_of = as_of or timezone.localdate()
    rows: dict[int, PartyBalance] = {}
    found = open_entries(book, as_of=as_of, party_ids=party_ids)
    parties = book.party_model.objects.in_bulk({getattr(e, f"{book.party_field}_id") for e, _ in found})
    for e, left in found:
        party_id = getattr(e, f"{book.party_field}_id")
        row = rows.setdefault(party_id, PartyBalance(parties[party_id]))
        if e.is_debit:
            row.buckets[bucket_of((as_of - e.date).days)] += left
            if e.due_date and e.due_date < as_of:
                row.overdue += left
        else:
            row.credit += left
    return sorted(rows.values(), key=lambda r: (str(r.party), r.party.pk))


def totals(rows: list[PartyBalance]) -> PartyBalance:
    total = PartyBalance(None)
    for r in rows:
        total.buckets = [a + b for a, b in zip(total.buckets, r.buckets, strict=True)]
        total.credit += r.credit
        total.overdue += r.overdue
    return total


def party_balance(book: Book, party) -> Decimal:
    """What the party owes (receivables) or is owed (payables) now: Σ debits − Σ credits."""
    sums = book.entry_model.objects.filter(**{book.party_field: party}).aggregate(
        debit=Sum("amount", filter=Q(is_debit=True)), credit=Sum("amount", filter=Q(is_debit=False))
    )
    return (sums["debit"] or ZERO) - (sums["credit"] or ZERO)


def open_debits(book: Book, party):
    return (
        book.entry_model.objects.filter(**{book.party_field: party}, is_debit=True)
        .exclude(allocated=F("amount"))
        .order_by("date", "id")
    )


def open_credits(book: Book, party):
    return (
        book.entry_model.objects.filter(**{book.party_field: party}, is_debit=False)
        .exclude(allocated=F("amount"))
        .order_by("date", "id")
    )


@dataclass
class StatementLine:
    entry: object
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass
class Statement:
    party: object
    start: date
    end: date
    opening: Decimal
    lines: list[StatementLine]
    debits: Decimal
    credits: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debits - self.credits


def statement(book: Book, party, *, start: date, end: date) -> Statement:
    """The party's account for a period (对账单): the balance before `start`, every document,
    return, payment and reversal dated in the period with the running balance, and the closing
    balance. Positive balances are owed by the customer (receivables) or to the supplier
    (payables)."""
    entries = book.entry_model.objects.filter(**{book.party_field: party})
    before = entries.filter(date__lt=start).aggregate(
        debit=Sum("amount", filter=Q(is_debit=True)), credit=Sum("amount", filter=Q(is_debit=False))
    )
    opening = (before["debit"] or ZERO) - (before["credit"] or ZERO)
    running = opening
    lines = []
    debits = credits = ZERO
    for e in entries.filter(date__gte=start, date__lte=end).order_by("date", "id"):
        debit = e.amount if e.is_debit else ZERO
        credit = ZERO if e.is_debit else e.amount
        running += debit - credit
        debits += debit
        credits += credit
        lines.append(StatementLine(e, debit, credit, running))
    return Statement(party, start, end, opening, lines, debits, credits)
