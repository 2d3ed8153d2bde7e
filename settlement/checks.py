"""The invariants of every book, checked on a live database by `check_ledger`:

- each entry's cached `allocated` equals the sum of its active allocations;
- every allocation sets a credit against a debit of the same party, dated no earlier than either;
- for every party: open balance == documents − allocations (Σ open debits from the cache equals
  Σ debits − Σ active allocations; likewise for credits);
- every posted document that makes money owed has its entry with the document's amount, and no
  entry lacks its document;
- every payment has its credit entry with its amount, and exactly the reversed ones a reversal."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Q, Sum

from .books import Book, books
from .models import ZERO, EntryKind, PaymentStatus


def all_differences() -> list[str]:
    problems: list[str] = []
    for book in books():
        problems += book_differences(book)
    return problems


def book_differences(book: Book) -> list[str]:
    return (
        _allocated_cache(book)
        + _allocation_pairs(book)
        + _party_balances(book)
        + _documents(book)
        + _payments(book)
    )


def _allocated_cache(book: Book) -> list[str]:
    active = book.allocation_model.objects.filter(undone_at__isnull=True)
    sums: dict[int, Decimal] = defaultdict(Decimal)
    for column in ("debit_id", "credit_id"):
        for entry_id, total in active.values_list(column).annotate(total=Sum("amount")).order_by():
            sums[entry_id] += total
    problems = []
    entries = book.entry_model.objects.filter(Q(allocated__gt=0) | Q(pk__in=list(sums)))
    for entry_id, number, allocated in entries.values_list("pk", "number", "allocated"):
        if allocated != sums.get(entry_id, ZERO):
            problems.append(
                f"{book.key} entry {entry_id} ({number}): allocated {allocated} != allocations {sums.get(entry_id, ZERO)}"
            )
    return problems


def _allocation_pairs(book: Book) -> list[str]:
    party = book.party_field
    wrong = book.allocation_model.objects.filter(
        Q(debit__is_debit=False)
        | Q(credit__is_debit=True)
        | ~Q(**{f"debit__{party}_id": F(f"credit__{party}_id")})
        | Q(date__lt=F("debit__date"))
        | Q(date__lt=F("credit__date"))
    )
    return [
        f"{book.key} allocation {pk}: not a credit set against a debit of the same party on or after both"
        for pk in wrong.values_list("pk", flat=True)
    ]


def _party_balances(book: Book) -> list[str]:
    """Per party and side: Σ amount − Σ active allocations == Σ (amount − allocated)."""
    party = f"{book.party_field}_id"
    open_from_cache = {
        (row[party], row["is_debit"]): (row["total"], row["left"])
        for row in book.entry_model.objects.values(party, "is_debit")
        .annotate(total=Sum("amount"), left=Sum(F("amount") - F("allocated")))
        .order_by()
    }
    allocated: dict[tuple[int, bool], Decimal] = defaultdict(Decimal)
    active = book.allocation_model.objects.filter(undone_at__isnull=True)
    for party_id, total in active.values_list(f"debit__{party}").annotate(total=Sum("amount")).order_by():
        allocated[(party_id, True)] += total
    for party_id, total in active.values_list(f"credit__{party}").annotate(total=Sum("amount")).order_by():
        allocated[(party_id, False)] += total
    problems = []
    for key in set(open_from_cache) | set(allocated):
        amount, left = open_from_cache.get(key, (ZERO, ZERO))
        if amount - allocated.get(key, ZERO) != left:
            side = "documents" if key[1] else "credits"
            problems.append(
                f"{book.key} {book.party_field} {key[0]}: open {side} {left} != {amount} − allocations "
                f"{allocated.get(key, ZERO)}"
            )
    return problems


def _documents(book: Book) -> list[str]:
    if book.expected_documents is None:
        return []
    expected = book.expected_documents()
    actual = {
        (source_type, source_id, kind): (party_id, amount)
        for source_type, source_id, kind, party_id, amount in book.entry_model.objects.filter(
            kind__in=(EntryKind.DOCUMENT, EntryKind.RETURN)
        ).values_list("source_type", "source_id", "kind", f"{book.party_field}_id", "amount")
    }
    problems = []
    for key in sorted(set(expected) | set(actual)):
        if expected.get(key) != actual.get(key):
            problems.append(
                f"{book.key} {key[0]} {key[1]} ({key[2]}): document says {expected.get(key)}, entry says {actual.get(key)}"
            )
    return problems


def _payments(book: Book) -> list[str]:
    party = f"{book.party_field}_id"
    entries = {
        (source_id, kind): (party_id, amount)
        for source_id, kind, party_id, amount in book.entry_model.objects.filter(
            source_type="payment"
        ).values_list("source_id", "kind", party, "amount")
    }
    problems = []
    for pk, number, party_id, amount, status in book.payment_model.objects.values_list(
        "pk", "number", party, "amount", "status"
    ):
        if entries.pop((pk, EntryKind.PAYMENT), None) != (party_id, amount):
            problems.append(f"{book.key} payment {number}: no credit entry of {amount}")
        reversal = entries.pop((pk, EntryKind.REVERSAL), None)
        if (status == PaymentStatus.REVERSED) != (reversal == (party_id, amount)):
            problems.append(f"{book.key} payment {number} ({status}): reversal entry {reversal}")
    problems += [f"{book.key} entry of payment id {key[0]} ({key[1]}) without its payment" for key in entries]
    return problems
