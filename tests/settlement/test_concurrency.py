"""Two cashiers working on the same payment at the same moment, on PostgreSQL: every thread has
its own connection and transaction, and a barrier starts them together, so the row locks of
settlement.services decide who wins exactly as they would in production.

The figures: a payment of 1,000.00 to a supplier with two receipts of 800.00 each (8 × 100.00,
tax-exempt). Whatever the order, a payment is never allocated past its amount, a document never
past its own, a reversed payment keeps nothing allocated to documents, and check_ledger is clean."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from inventory.exceptions import AlreadyPosted
from inventory.ledger_check import ledger_differences
from purchasing import services as purchasing
from purchasing.models import PayableAllocation, PayableEntry
from purchasing.payables import BOOK as PAYABLES
from settlement.models import EntryKind, PaymentStatus
from settlement.selectors import party_balance
from settlement.services import (
    AllocationInput,
    SettlementError,
    allocate,
    payment_entry,
    record_payment,
    reverse_payment,
    unallocate,
)
from tests.factories import ItemFactory, LocationFactory, SupplierFactory, UserFactory, WarehouseFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

JOIN_TIMEOUT = 60  # seconds; a thread still alive after this is a hang (a deadlock), and the test fails
ROUNDS = 3
OK = "ok"


def D(text) -> Decimal:
    return Decimal(str(text))


class Worker(threading.Thread):
    """Runs `work` in its own thread (hence its own database connection); keeps OK or what it raised."""

    def __init__(self, work, barrier):
        super().__init__(daemon=True)
        self.work, self.barrier, self.result = work, barrier, None

    def run(self):
        try:
            self.barrier.wait()
            self.work()
            self.result = OK
        except BaseException as exc:  # noqa: BLE001 - the test inspects whatever happened
            self.result = exc
        finally:
            connection.close()


def together(*works):
    barrier = threading.Barrier(len(works), timeout=10)
    workers = [Worker(work, barrier) for work in works]
    for w in workers:
        w.start()
    for w in workers:
        w.join(JOIN_TIMEOUT)
        assert not w.is_alive(), "a thread hung: deadlock?"
    return [w.result for w in workers]


@pytest.fixture
def shop(roles):
    wh = WarehouseFactory(code="SH", name="上海总仓")
    LocationFactory(warehouse=wh, code="A-01", path="A-01")
    return {
        "wh": wh,
        "bolt": ItemFactory(sku="BOLT", name="螺栓"),
        "supplier": SupplierFactory(code="HDWJ", name="华东五金"),
        "buyer": UserFactory(username="lina", roles=["purchasing"]),
        "clerk": UserFactory(username="wangqiang", roles=["warehouse_clerk"]),
        "liu": UserFactory(username="liu", roles=["finance"]),
        "zhao": UserFactory(username="zhao", roles=["finance"]),
    }


def two_receipts(shop):
    """Two receipts of 8 × 100.00 (0% tax) = 800.00 each; their payable entries."""
    po = purchasing.order_create(supplier=shop["supplier"], warehouse=shop["wh"], user=shop["buyer"])
    bolt = shop["bolt"]
    purchasing.order_set_lines(
        order_id=po.pk,
        lines=[
            purchasing.OrderLineInput(
                item=bolt, unit_id=bolt.base_unit_id, qty=D(16), price=D("100.00"), tax_rate=D(0)
            )
        ],
    )
    purchasing.order_submit(order_id=po.pk, user=shop["buyer"])  # 1,600.00: approved at once
    entries = []
    for _ in range(2):
        receipt = purchasing.receipt_create(order_id=po.pk, user=shop["clerk"])
        line = receipt.lines.get()
        purchasing.receipt_set_lines(
            receipt_id=receipt.pk,
            lines=[purchasing.ReceiptLineInput(line.order_line_id, line.location_id, D(8))],
        )
        purchasing.receipt_post(receipt_id=receipt.pk, user=shop["clerk"])
        entries.append(PayableEntry.objects.get(source_type="receipt", source_id=receipt.pk))
    assert [e.amount for e in entries] == [D("800.00"), D("800.00")]
    return entries


def paid(shop, amount="1000.00"):
    payment = record_payment(
        PAYABLES,
        party=shop["supplier"],
        day=timezone.localdate(),
        method="bank",
        amount=D(amount),
        user=shop["liu"],
    )
    return payment, payment_entry(PAYABLES, payment)


def allocating(shop, user, credit, debit, amount="800.00"):
    return lambda: allocate(
        PAYABLES, credit_id=credit.pk, lines=[AllocationInput(debit.pk, D(amount))], user=shop[user]
    )


def fresh(entry):
    entry.refresh_from_db()
    return entry


def test_two_cashiers_allocating_the_same_payment_at_once_cannot_take_it_past_its_amount(shop):
    for _ in range(ROUNDS):
        first, second = two_receipts(shop)
        payment, credit = paid(shop)
        results = together(allocating(shop, "liu", credit, first), allocating(shop, "zhao", credit, second))
        # 800.00 + 800.00 > 1,000.00: exactly one goes through, the other sees the 200.00 left
        assert results.count(OK) == 1
        [refused] = [r for r in results if r != OK]
        assert isinstance(refused, SettlementError), refused
        assert refused.message == f"{payment.number} has 200.00 left to allocate; 800.00 is more than that."
        assert fresh(credit).allocated == D("800.00")
        assert sorted([fresh(first).allocated, fresh(second).allocated]) == [D("0.00"), D("800.00")]
        assert PayableAllocation.objects.filter(credit=credit).count() == 1
        assert ledger_differences() == []
    # three rounds: 3 × 1,600.00 owed − 3 × 1,000.00 paid
    assert party_balance(PAYABLES, shop["supplier"]) == D("1800.00")


def test_two_payments_allocated_to_one_document_at_once_cannot_take_it_past_its_amount(shop):
    for _ in range(ROUNDS):
        document, _other = two_receipts(shop)
        _p1, one = paid(shop, "800.00")
        _p2, two = paid(shop, "800.00")
        results = together(allocating(shop, "liu", one, document), allocating(shop, "zhao", two, document))
        assert results.count(OK) == 1
        [refused] = [r for r in results if r != OK]
        assert isinstance(refused, SettlementError), refused
        assert refused.message == f"{document.number} has 0.00 open; 800.00 cannot be allocated to it."
        assert fresh(document).allocated == D("800.00")
        assert sorted([fresh(one).allocated, fresh(two).allocated]) == [D("0.00"), D("800.00")]
        assert ledger_differences() == []


def test_allocating_while_the_payment_is_reversed_ends_consistent_either_way(shop):
    for _ in range(ROUNDS + 1):
        document, _other = two_receipts(shop)
        before = party_balance(PAYABLES, shop["supplier"])
        payment, credit = paid(shop)
        allocated, reversed_ = together(
            allocating(shop, "liu", credit, document),
            lambda p=payment: reverse_payment(PAYABLES, payment_id=p.pk, user=shop["zhao"], reason="错付"),
        )
        assert reversed_ == OK  # the reversal never loses
        if allocated == OK:  # allocated first, then undone by the reversal
            [undone] = PayableAllocation.objects.filter(debit=document)
            assert (undone.amount, undone.active) == (D("800.00"), False)
        else:  # reversed first: nothing is left to allocate
            assert isinstance(allocated, SettlementError), allocated
            assert (
                allocated.message == f"{payment.number} has 0.00 left to allocate; 800.00 is more than that."
            )
            assert not PayableAllocation.objects.filter(debit=document).exists()
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.REVERSED
        assert fresh(document).allocated == D("0.00")
        reversal = PayableEntry.objects.get(
            source_type="payment", source_id=payment.pk, kind=EntryKind.REVERSAL
        )
        assert (fresh(credit).allocated, reversal.allocated) == (D("1000.00"), D("1000.00"))
        assert PayableAllocation.objects.get(credit=credit, undone_at__isnull=True).debit_id == reversal.pk
        # the payment and its reversal cancel out: owed what was owed before the payment
        assert party_balance(PAYABLES, shop["supplier"]) == before
        assert ledger_differences() == []


def test_undoing_one_allocation_twice_at_once_undoes_it_once(shop):
    document, _other = two_receipts(shop)
    _payment, credit = paid(shop)
    [allocation] = allocate(
        PAYABLES, credit_id=credit.pk, lines=[AllocationInput(document.pk, D("800.00"))], user=shop["liu"]
    )
    results = together(
        *(
            lambda u=u: unallocate(PAYABLES, allocation_id=allocation.pk, user=shop[u])
            for u in ("liu", "zhao")
        )
    )
    assert results.count(OK) == 1
    [twice] = [r for r in results if r != OK]
    assert isinstance(twice, AlreadyPosted) and twice.message == "This allocation has already been undone."
    assert PayableAllocation.objects.get().undone_by in (shop["liu"], shop["zhao"])
    assert (fresh(document).allocated, fresh(credit).allocated) == (D("0.00"), D("0.00"))
    assert ledger_differences() == []
