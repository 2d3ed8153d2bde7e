"""Every service that posts to the ledger as the outermost transaction is run again as a whole on a
deadlock or serialization failure (inventory.services.retry): the stock documents, the stocktake,
the opening stock, purchase receipts and returns, sales shipments and customer returns. The
retry itself is proved on real deadlocks in test_posting_faults.py; this keeps a new or rewritten
posting service from dropping it."""

import pytest

from inventory.services import documents, opening, stocktake
from inventory.services.retry import retry_on_conflict
from purchasing import services as purchasing
from sales import services as sales

RETRYING = retry_on_conflict(lambda: None).__code__  # the code of the wrapper that retries
POSTING_SERVICES = [
    documents.document_post,
    documents.document_receive,
    documents.document_approve,
    documents.document_reverse,
    stocktake.count_approve,
    opening.opening_stock_post,
    purchasing.receipt_post,
    purchasing.return_post,
    sales.shipment_post,
    sales.return_post,
]


@pytest.mark.parametrize("service", POSTING_SERVICES, ids=lambda f: f"{f.__module__}.{f.__name__}")
def test_each_posting_service_is_retried_on_a_conflict(service):
    assert service.__code__ is RETRYING, f"{service.__qualname__} is not wrapped by retry_on_conflict"
