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
    inbound_batch,
)
from .master import category_save, location_save
from .numbering import next_number
from .opening import opening_stock_post
from .periods import PeriodClosed, period_close, period_reopen, stock_as_of
from .posting import MoveLine, post_moves, reverse_posting
from .stocktake import (
    count_approve,
    count_cancel,
    count_create,
    count_record,
    count_return,
    count_start,
    count_submit,
)

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
    "inbound_batch",
    "location_save",
    "next_number",
    "opening_stock_post",
    "period_close",
    "period_reopen",
    "PeriodClosed",
    "stock_as_of",
    "post_moves",
    "reverse_posting",
    "count_approve",
    "count_cancel",
    "count_create",
    "count_record",
    "count_return",
    "count_start",
    "count_submit",
]
