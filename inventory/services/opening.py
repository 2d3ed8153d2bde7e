"""Opening stock (期初库存): the stock a company starts JXC with, posted as ordinary goods receipts
so it shows on stock cards, carries its cost into the moving average and can be reversed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from django.utils.translation import pgettext

from ..models import DocumentKind, StockDocument, Warehouse
from .documents import LineInput, document_create, document_post, document_set_lines
from .retry import retry_on_conflict


@retry_on_conflict
def opening_stock_post(
    *, lines: Mapping[Warehouse, Sequence[LineInput]], user, posting_date: date | None = None
) -> list[StockDocument]:
    """One posted goods receipt per warehouse (reference 期初), in warehouse code order, all in
    one transaction: any DomainError (a closed month, a batch rule, an already posted number)
    leaves nothing behind — no document, no batch, no move.

    Callers check the user's right to post in each warehouse (clerks only in theirs). Locks are
    those of document_post/post_moves: document header, then valuations, then balances."""
    reference = pgettext("document reference", "Opening stock")
    documents = []
    for warehouse in sorted(lines, key=lambda w: w.code):
        doc = document_create(
            kind=DocumentKind.RECEIPT,
            warehouse=warehouse,
            user=user,
            posting_date=posting_date,
            reference=reference,
        )
        document_set_lines(document=doc, lines=list(lines[warehouse]))
        documents.append(document_post(document_id=doc.pk, user=user))
    return documents
