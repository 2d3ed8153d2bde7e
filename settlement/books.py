"""A Book is one side's ledger of money owed: payables (purchasing: what we owe suppliers) or
receivables (sales: what customers owe us). Each app builds its Book from its concrete models and
registers it when it is ready; the services, selectors, checks and views of this app take a Book
and never import purchasing or sales."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, eq=False)  # one instance per side: hashed and compared by identity
class Book:
    key: str  # "payables" | "receivables": the URL names' prefix too
    namespace: str  # the owning app's URL namespace
    party_field: str  # "supplier" | "customer"
    entry_model: Any
    payment_model: Any
    allocation_model: Any
    payment_prefix: str  # document numbers of payments: PAY-2026-000001
    view_perm: str  # sees the book (balances, statements, payments)
    record_perm: str  # records and allocates payments
    reverse_perm: str  # reverses a payment
    labels: dict[str, Any] = field(default_factory=dict)  # lazily translated words of this side
    # {(source_type, source_id, kind): (party_id, amount)} of every posted document that must
    # have an entry: what check_ledger compares the entries with.
    expected_documents: Callable[[], dict[tuple[str, int, str], tuple[int, Decimal]]] | None = None
    # the URL of an entry's source document for a user, or None (not theirs to open)
    source_url: Callable[[Any, str, int], str | None] | None = None

    @property
    def party_model(self):
        return self.entry_model._meta.get_field(self.party_field).related_model

    def label(self, name: str) -> str:
        return str(self.labels[name])

    def url_name(self, suffix: str) -> str:
        return f"{self.namespace}:{self.key}_{suffix}"

    def payment_url_name(self, suffix: str) -> str:
        return f"{self.namespace}:payment_{suffix}"


_BOOKS: dict[str, Book] = {}


def register(book: Book) -> None:
    _BOOKS[book.key] = book


def books() -> list[Book]:
    return list(_BOOKS.values())


def get(key: str) -> Book:
    return _BOOKS[key]
