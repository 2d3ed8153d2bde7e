"""Every write to inventory data. Stock is written only by `posting`; nothing else touches
moves, balances or valuations."""

from .documents import (
    LineInput,
    document_approve,
    document_cancel,
    document_create,
    document_post,
    document_receive,
    document_return_to_draft,
    document_reverse,
    document_set_lines,
    document_submit,
)
from .master import category_save, location_save
from .numbering import next_number
from .periods import PeriodClosed, period_close, period_reopen, stock_as_of
from .posting import MoveLine, post_moves, reverse_posting

__all__ = [
    "LineInput",
    "MoveLine",
    "category_save",
    "document_approve",
    "document_cancel",
    "document_create",
    "document_post",
    "document_receive",
    "document_return_to_draft",
    "document_reverse",
    "document_set_lines",
    "document_submit",
    "location_save",
    "next_number",
    "period_close",
    "period_reopen",
    "PeriodClosed",
    "stock_as_of",
    "post_moves",
    "reverse_posting",
]
