"""Money owed (往来账) through the service layer, on PostgreSQL, with figures worked by hand:
payables from posted receipts and returns to the supplier, receivables from shipments and
customer returns, payments allocated in part, to several documents and later as a prepayment,
the refusals that write nothing, undoing an allocation, reversing a payment, statements with
their opening and closing balances, ageing buckets today and as of an earlier day, the credit
limit counting the open receivable, and check_ledger catching a book tampered with by raw SQL.

Dates are counted back from today (T); customers have 30 days' terms, the supplier 45."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from inventory.exceptions import AlreadyPosted
from inventory.ledger_check import ledger_differences
from inventory.services import MoveLine, post_moves
from purchasing import services as purchasing
from purchasing.models import PayableAllocation, PayableEntry, ReceiptStatus, SupplierPayment
from purchasing.payables import BOOK as PAYABLES
from sales import services as sales
from sales.models import (
    CustomerPayment,
    OrderStatus,
    ReceivableAllocation,
    ReceivableEntry,
)
from sales.receivables import BOOK as RECEIVABLES
from settlement.models import EntryKind, PaymentStatus
from settlement.selectors import balances, bucket_of, open_credits, open_debits, party_balance, statement
from settlement.services import (
    AllocationInput,
    SettlementError,
    allocate,
    payment_entry,
    record_payment,
    reverse_payment,
    unallocate,
)
from tests.factories import (
    CustomerFactory,
    ItemFactory,
    LocationFactory,
    SupplierFactory,
    UserFactory,
    WarehouseFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the acceptance runs on PostgreSQL"),
]


def D(text) -> Decimal:
    return Decimal(str(text))


def T(days_back: int = 0):
    return timezone.localdate() - timedelta(days=days_back)


@pytest.fixture
def people(roles):
    return {
        "buyer": UserFactory(username="lina", roles=["purchasing"]),
        "boss": UserFactory(username="zhang", roles=["manager"]),
        "clerk": UserFactory(username="wangqiang", roles=["warehouse_clerk"]),
        "seller": UserFactory(username="chenchen", roles=["sales"]),
        "cashier": UserFactory(username="liukuaiji", roles=["finance"]),
    }


N = [0]


@pytest.fixture
def shop(people):
    wh = WarehouseFactory(code="SH", name="上海总仓")
    bin_a = LocationFactory(warehouse=wh, code="A-01", path="A-01")
    wh.members.add(people["clerk"])
    water = ItemFactory(sku="WATER", name="矿泉水")
    N[0] += 1
    post_moves(  # 1,000 bottles at ¥1.00 to sell from
        doc_type="test-in",
        doc_id=N[0],
        doc_number=f"IN-{N[0]}",
        lines=[MoveLine(water.pk, bin_a.pk, D(1000), None, unit_cost=D("1.00"))],
        user=people["clerk"],
    )
    return {
        "wh": wh,
        "bin": bin_a,
        "water": water,
        "bolt": ItemFactory(sku="BOLT", name="螺栓"),
        "nut": ItemFactory(sku="NUT", name="螺母"),
        "supplier": SupplierFactory(code="HDWJ", name="华东五金", payment_terms_days=45),
        "customer": CustomerFactory(code="K001", name="城东超市", payment_terms_days=30),
        "other": CustomerFactory(code="K002", name="城西超市", payment_terms_days=30),
    }


# Building documents through the real services ---------------------------------------------------


def buy(shop, people, lines, *, day):
    """An approved purchase order dated `day`; lines: (item, qty, price, tax rate %)."""
    po = purchasing.order_create(
        supplier=shop["supplier"], warehouse=shop["wh"], user=people["buyer"], order_date=day
    )
    purchasing.order_set_lines(
        order_id=po.pk,
        lines=[
            purchasing.OrderLineInput(item=i, unit_id=i.base_unit_id, qty=D(q), price=D(p), tax_rate=D(r))
            for i, q, p, r in lines
        ],
    )
    purchasing.order_submit(order_id=po.pk, user=people["buyer"])
    po.refresh_from_db()
    return po


def receive(shop, people, po, counts, *, day):
    """Post a receipt dated `day`; counts: {item: (accepted, rejected)}."""
    receipt = purchasing.receipt_create(order_id=po.pk, user=people["clerk"], posting_date=day)
    by_item = {ln.order_line.item_id: ln for ln in receipt.lines.select_related("order_line")}
    purchasing.receipt_set_lines(
        receipt_id=receipt.pk,
        lines=[
            purchasing.ReceiptLineInput(
                order_line_id=by_item[item.pk].order_line_id,
                location_id=shop["bin"].pk,
                accepted_qty=D(accepted),
                rejected_qty=D(rejected),
                reject_reason="damaged" if D(rejected) else "",
            )
            for item, (accepted, rejected) in counts.items()
        ],
    )
    purchasing.receipt_post(receipt_id=receipt.pk, user=people["clerk"])
    receipt.refresh_from_db()
    return receipt


def send_back(people, receipt, item, qty, *, day):
    line = receipt.lines.get(order_line__item=item)
    ret = purchasing.return_create(
        receipt_id=receipt.pk,
        user=people["buyer"],
        reason="wrong size",
        lines=[purchasing.ReturnLineInput(line.pk, D(qty))],
        posting_date=day,
    )
    return purchasing.return_post(return_id=ret.pk, user=people["clerk"])


def sales_order(shop, people, qty, price, *, day, customer=None, rate="13"):
    so = sales.order_create(
        customer=customer or shop["customer"], warehouse=shop["wh"], user=people["seller"], order_date=day
    )
    sales.order_set_lines(
        order_id=so.pk,
        lines=[
            sales.SalesLineInput(
                item=shop["water"],
                unit_id=shop["water"].base_unit_id,
                qty=D(qty),
                price=D(price),
                tax_rate=D(rate),
            )
        ],
    )
    sales.order_confirm(order_id=so.pk, user=people["seller"])
    so.refresh_from_db()
    return so


def ship(shop, people, so, *, day, qty=None):
    """Post a shipment of the order dated `day`: all that is open, or `qty`."""
    shipment = sales.shipment_create(order_id=so.pk, user=people["clerk"], posting_date=day)
    if qty is not None:
        line = so.lines.get()
        sales.shipment_set_picks(
            shipment_id=shipment.pk, picks=[sales.PickInput(line.pk, shop["bin"].pk, D(qty))]
        )
    sales.shipment_post(shipment_id=shipment.pk, user=people["clerk"])
    shipment.refresh_from_db()
    return shipment


def sell(shop, people, qty, price, *, day, customer=None, rate="13"):
    """An order confirmed and shipped in full on `day`; returns its receivable."""
    so = sales_order(shop, people, qty, price, day=day, customer=customer, rate=rate)
    return entry(RECEIVABLES, "shipment", ship(shop, people, so, day=day).pk)


def entry(book, source_type, source_id, kind=EntryKind.DOCUMENT):
    return book.entry_model.objects.get(source_type=source_type, source_id=source_id, kind=kind)


def fresh(obj):
    obj.refresh_from_db()
    return obj


def pay(people, party, amount, *, day, book=RECEIVABLES, to=()):
    """Record money received (or paid) on `day`, allocated {entry: amount}."""
    payment = record_payment(
        book,
        party=party,
        day=day,
        method="bank",
        amount=D(amount),
        user=people["cashier"],
        allocations=[AllocationInput(e.pk, D(a)) for e, a in to],
    )
    return payment, payment_entry(book, payment)


# 1. Payables from receipts and returns to the supplier -------------------------------------------


def test_a_posted_receipt_is_owed_at_the_order_price_with_tax_and_rejected_units_are_not(shop, people):
    bolt, nut, supplier = shop["bolt"], shop["nut"], shop["supplier"]
    po = buy(shop, people, [(bolt, 10, "12.3456", 13), (nut, 5, "2.50", 9)], day=T(20))
    receipt = receive(shop, people, po, {bolt: (7, 3), nut: (5, 0)}, day=T(20))
    owed = entry(PAYABLES, "receipt", receipt.pk)
    # bolts: 7 accepted × 12.3456 = 86.4192 → 86.42; 13% = 11.2346 → 11.23; 97.65
    #        (the 3 rejected, 3 × 12.3456 = 37.04 + tax, are not owed)
    # nuts:  5 × 2.50 = 12.50; 9% = 1.125 → 1.13 (half up); 13.63
    # in all 97.65 + 13.63 = 111.28, due 45 days after the receipt date
    assert (owed.kind, owed.is_debit, owed.supplier, owed.number) == (
        EntryKind.DOCUMENT,
        True,
        supplier,
        receipt.number,
    )
    assert (owed.amount, owed.allocated, owed.date, owed.due_date) == (
        D("111.28"),
        D("0"),
        T(20),
        T(20) + timedelta(45),
    )
    assert party_balance(PAYABLES, supplier) == D("111.28")

    # a delivery refused in full: the receipt posts, nothing is owed for it
    po2 = buy(shop, people, [(nut, 4, "2.50", 9)], day=T(10))
    refused = receive(shop, people, po2, {nut: (0, 4)}, day=T(10))
    assert refused.status == ReceiptStatus.POSTED
    assert not PayableEntry.objects.filter(source_type="receipt", source_id=refused.pk).exists()
    assert PayableEntry.objects.count() == 1
    assert party_balance(PAYABLES, supplier) == D("111.28")
    assert ledger_differences() == []


def test_a_return_to_supplier_is_credited_against_its_receipt_or_kept_as_a_credit_once_paid(shop, people):
    bolt, supplier = shop["bolt"], shop["supplier"]
    po = buy(shop, people, [(bolt, 10, "12.3456", 13)], day=T(20))
    receipt = receive(shop, people, po, {bolt: (10, 0)}, day=T(20))
    owed = entry(PAYABLES, "receipt", receipt.pk)
    # 10 × 12.3456 = 123.456 → 123.46; 13% = 16.0498 → 16.05; 139.51
    assert owed.amount == D("139.51")

    first = send_back(people, receipt, bolt, 2, day=T(17))
    credit = entry(PAYABLES, "return", first.pk, EntryKind.RETURN)
    # 2 × 12.3456 = 24.6912 → 24.69; 13% = 3.2097 → 3.21; 27.90, set at once against the receipt
    assert (credit.is_debit, credit.amount, credit.allocated, credit.date, credit.due_date) == (
        False,
        D("27.90"),
        D("27.90"),
        T(17),
        None,
    )
    allocation = PayableAllocation.objects.get()
    assert (allocation.debit, allocation.credit, allocation.amount, allocation.date) == (
        owed,
        credit,
        D("27.90"),
        T(17),
    )
    assert fresh(owed).open_amount == D("111.61")  # 139.51 − 27.90
    assert party_balance(PAYABLES, supplier) == D("111.61")

    # 100.00 is paid: 11.61 open. A return of 1 bolt (12.3456 → 12.35; 13% = 1.6055 → 1.61;
    # 13.96) settles those 11.61 and leaves 2.35 as a credit
    payment, _paid = pay(people, supplier, "100.00", day=T(5), book=PAYABLES, to=[(owed, "100.00")])
    assert payment.number.startswith(f"PAY-{T(5).year}-") and fresh(owed).open_amount == D("11.61")
    second = send_back(people, receipt, bolt, 1, day=T(4))
    credit2 = entry(PAYABLES, "return", second.pk, EntryKind.RETURN)
    assert (credit2.amount, credit2.allocated, fresh(owed).open_amount) == (D("13.96"), D("11.61"), D("0.00"))
    # the receipt is settled in full: a later return has nothing to be set against and stays a credit
    third = send_back(people, receipt, bolt, 1, day=T(3))
    credit3 = entry(PAYABLES, "return", third.pk, EntryKind.RETURN)
    assert (credit3.amount, credit3.allocated) == (D("13.96"), D("0"))
    assert not PayableAllocation.objects.filter(credit=credit3).exists()
    assert PayableAllocation.objects.count() == 3  # first return, payment, second return
    assert [(e, e.open_amount) for e in open_credits(PAYABLES, supplier)] == [
        (credit2, D("2.35")),
        (credit3, D("13.96")),
    ]
    assert list(open_debits(PAYABLES, supplier)) == []
    # 139.51 − 27.90 − 100.00 − 13.96 − 13.96 = −16.31: the supplier owes us 2.35 + 13.96
    assert party_balance(PAYABLES, supplier) == D("-16.31")
    assert ledger_differences() == []


# 2. Receivables from shipments and customer returns ----------------------------------------------


def test_each_shipment_is_owed_with_tax_and_a_customer_return_is_credited_against_it(shop, people):
    customer = shop["customer"]
    so = sales_order(shop, people, 40, "3.3333", day=T(12))
    # the order: 40 × 3.3333 = 133.332 → 133.33; 13% = 17.3329 → 17.33; 150.66
    assert so.total == D("150.66")
    first = ship(shop, people, so, day=T(12), qty=15)
    second = ship(shop, people, so, day=T(8))
    one, two = entry(RECEIVABLES, "shipment", first.pk), entry(RECEIVABLES, "shipment", second.pk)
    # 15 of 40: 133.33 × 15/40 = 49.99875 → 50.00; 17.33 × 15/40 = 6.49875 → 6.50; 56.50
    # the last 25 take what is left: 133.33 − 50.00 = 83.33; 17.33 − 6.50 = 10.83; 94.16
    assert (one.amount, one.date, one.due_date, one.customer) == (
        D("56.50"),
        T(12),
        T(12) + timedelta(30),
        customer,
    )
    assert (two.amount, two.date, two.due_date) == (D("94.16"), T(8), T(8) + timedelta(30))
    assert one.amount + two.amount == so.total

    line = second.lines.get()
    ret = sales.return_post(
        shipment_id=second.pk,
        user=people["seller"],
        reason="破损",
        lines=[sales.ReturnLineInput(line.pk, D(5), restock=True, location_id=shop["bin"].pk)],
        posting_date=T(6),
    )
    credit = entry(RECEIVABLES, "return", ret.pk, EntryKind.RETURN)
    # 5 of the 25 shipped: 94.16 × 5/25 = 18.832 → 18.83, set against the second shipment only
    assert (credit.amount, credit.allocated, credit.date) == (D("18.83"), D("18.83"), T(6))
    allocation = ReceivableAllocation.objects.get()
    assert (allocation.debit, allocation.credit, allocation.amount) == (two, credit, D("18.83"))
    assert (fresh(one).open_amount, fresh(two).open_amount) == (D("56.50"), D("75.33"))  # 94.16 − 18.83
    assert party_balance(RECEIVABLES, customer) == D("131.83")  # 56.50 + 75.33
    assert ledger_differences() == []


# 3. Payments and allocation --------------------------------------------------------------------


def two_shipments_and_a_payment(shop, people):
    """A: 10 × 100.00 + 13% = 1,130.00 (T−30); B: 5 × 100.00 + 13% = 565.00 (T−20); 1,500.00
    received on T−10, 1,130.00 of it to A and 200.00 to B."""
    a = sell(shop, people, 10, "100", day=T(30))
    b = sell(shop, people, 5, "100", day=T(20))
    assert (a.amount, b.amount) == (D("1130.00"), D("565.00"))
    assert party_balance(RECEIVABLES, shop["customer"]) == D("1695.00")
    payment, credit = pay(people, shop["customer"], "1500.00", day=T(10), to=[(a, "1130.00"), (b, "200.00")])
    return a, b, payment, credit


def state():
    """Everything a refused operation must leave as it was."""
    return (
        CustomerPayment.objects.count(),
        ReceivableEntry.objects.count(),
        list(ReceivableEntry.objects.order_by("pk").values_list("pk", "allocated")),
        list(
            ReceivableAllocation.objects.order_by("pk").values_list("pk", "amount", "undone_at", "undone_on")
        ),
    )


def test_a_payment_allocated_in_part_to_several_documents_leaves_a_prepayment(shop, people):
    customer = shop["customer"]
    a, b, payment, credit = two_shipments_and_a_payment(shop, people)
    assert payment.number.startswith(f"RCV-{T(10).year}-") and payment.status == PaymentStatus.POSTED
    assert (credit.kind, credit.is_debit, credit.amount, credit.allocated, credit.date, credit.number) == (
        EntryKind.PAYMENT,
        False,
        D("1500.00"),
        D("1330.00"),  # 1,130.00 + 200.00
        T(10),
        payment.number,
    )
    rows = list(
        ReceivableAllocation.objects.order_by("debit__date").values_list("debit", "credit", "amount", "date")
    )
    assert rows == [(a.pk, credit.pk, D("1130.00"), T(10)), (b.pk, credit.pk, D("200.00"), T(10))]
    assert (fresh(a).open_amount, fresh(b).open_amount) == (D("0.00"), D("365.00"))
    assert list(open_debits(RECEIVABLES, customer)) == [b]
    assert [(e, e.open_amount) for e in open_credits(RECEIVABLES, customer)] == [(credit, D("170.00"))]
    # 1,695.00 − 1,500.00 = 195.00 = B's 365.00 open less the 170.00 paid ahead
    assert party_balance(RECEIVABLES, customer) == D("195.00")

    # a new shipment C (2 × 100.00 + 13% = 226.00) later takes the prepayment
    c = sell(shop, people, 2, "100", day=T(5))
    assert c.amount == D("226.00")
    rows = allocate(
        RECEIVABLES, credit_id=credit.pk, lines=[AllocationInput(c.pk, D("170.00"))], user=people["cashier"]
    )
    assert [(r.debit_id, r.amount, r.date) for r in rows] == [(c.pk, D("170.00"), T())]
    assert (fresh(c).open_amount, fresh(credit).open_amount) == (D("56.00"), D("0.00"))
    assert list(open_credits(RECEIVABLES, customer)) == []
    assert party_balance(RECEIVABLES, customer) == D("421.00")  # 365.00 + 56.00
    assert ledger_differences() == []


def test_allocating_too_much_or_to_the_wrong_document_is_refused_and_writes_nothing(shop, people):
    a, b, payment, credit = two_shipments_and_a_payment(shop, people)  # B 365.00 open; 170.00 left
    theirs = sell(shop, people, 1, "100", day=T(10), customer=shop["other"])  # 113.00 owed by 城西超市
    before = state()

    def refused(lines, credit_id=credit.pk, day=None):
        with pytest.raises(SettlementError) as error:
            allocate(
                RECEIVABLES,
                credit_id=credit_id,
                lines=[AllocationInput(e.pk, amount) for e, amount in lines],
                user=people["cashier"],
                day=day,
            )
        assert state() == before
        return error.value.message

    assert refused([(b, "366.00")]) == f"{b.number} has 365.00 open; 366.00 cannot be allocated to it."
    # two lines to the same document count together: 200.00 + 200.00 = 400.00 > 365.00
    assert (
        refused([(b, "200.00"), (b, "200.00")])
        == f"{b.number} has 365.00 open; 400.00 cannot be allocated to it."
    )
    assert refused([(a, "0.01")]) == f"{a.number} has 0.00 open; 0.01 cannot be allocated to it."
    # within B's 365.00 but more than the 170.00 left on the payment
    assert (
        refused([(b, "170.01")]) == f"{payment.number} has 170.00 left to allocate; 170.01 is more than that."
    )
    assert refused([(theirs, "10.00")]) == "Allocate only to open documents of the same party."
    assert refused([(credit, "10.00")]) == "Allocate only to open documents of the same party."
    assert refused([(b, "10.00")], credit_id=a.pk) == "Only a payment or returned goods can be allocated."
    assert (
        refused([(b, "10.00")], day=T(11))
        == f"An allocation cannot be dated before its documents ({T(10).isoformat()})."
    )
    assert refused([(b, "10.001")]) == "The amount to allocate: amounts are to the fen (two decimal places)."
    assert refused([(b, "0")]) == "The amount to allocate must be greater than zero."
    assert refused([(b, "-5.00")]) == "The amount to allocate must be greater than zero."
    assert refused([(b, "abc")]) == "The amount to allocate: abc is not an amount."
    assert refused([]) == "Enter an amount against at least one document."

    # a payment whose allocation is refused is not recorded either
    for amount, lines, message in [
        ("99.999", [], "The amount: amounts are to the fen (two decimal places)."),
        ("0.00", [], "The amount must be greater than zero."),
        ("-10.00", [], "The amount must be greater than zero."),
        (
            "100.00",
            [(b, "100.01")],
            f"RCV-{T().year}-000002 has 100.00 left to allocate; 100.01 is more than that.",
        ),
        ("100.00", [(theirs, "50.00")], "Allocate only to open documents of the same party."),
    ]:
        with pytest.raises(SettlementError) as error:
            pay(people, shop["customer"], amount, day=T(), to=lines)
        assert error.value.message == message
        assert state() == before
    with pytest.raises(SettlementError, match="cannot be in the future"):
        pay(people, shop["customer"], "1.00", day=T(-1))
    with pytest.raises(SettlementError, match="Choose how the money was paid"):
        record_payment(
            RECEIVABLES, party=shop["customer"], day=T(), method="gold", amount="1.00", user=people["cashier"]
        )
    assert state() == before
    assert ledger_differences() == []


# 4. Undoing an allocation; reversing a payment ---------------------------------------------------


def test_undoing_an_allocation_opens_both_entries_again_once(shop, people):
    a, b, payment, credit = two_shipments_and_a_payment(shop, people)
    to_b = ReceivableAllocation.objects.get(debit=b)
    with pytest.raises(SettlementError) as error:
        unallocate(RECEIVABLES, allocation_id=to_b.pk, user=people["cashier"], day=T(11))
    assert (
        error.value.message
        == f"An allocation cannot be undone before the day it was made ({T(10).isoformat()})."
    )
    undone = unallocate(RECEIVABLES, allocation_id=to_b.pk, user=people["cashier"])
    assert (undone.undone_by, undone.undone_on, undone.active) == (people["cashier"], T(), False)
    # B: 565.00 open again; the payment: 1,500.00 − 1,130.00 = 370.00 left
    assert (fresh(b).open_amount, fresh(credit).open_amount, fresh(a).open_amount) == (
        D("565.00"),
        D("370.00"),
        D("0.00"),
    )
    assert party_balance(RECEIVABLES, shop["customer"]) == D("195.00")  # the balance does not move
    before = state()
    with pytest.raises(AlreadyPosted, match="already been undone"):
        unallocate(RECEIVABLES, allocation_id=to_b.pk, user=people["cashier"])
    with pytest.raises(SettlementError, match="No such allocation"):
        unallocate(RECEIVABLES, allocation_id=to_b.pk + 1000, user=people["cashier"])
    assert state() == before
    assert ledger_differences() == []


def test_reversing_a_payment_undoes_its_allocations_and_owes_it_again(shop, people):
    customer = shop["customer"]
    a, b, payment, credit = two_shipments_and_a_payment(shop, people)
    before = state()
    for kwargs, message in [
        ({"reason": "  "}, "Say why the payment is reversed."),
        (
            {"reason": "x", "day": T(11)},
            f"The reversal date must lie between the payment date {T(10).isoformat()} and today.",
        ),
        (
            {"reason": "x", "day": T(-1)},
            f"The reversal date must lie between the payment date {T(10).isoformat()} and today.",
        ),
    ]:
        with pytest.raises(SettlementError) as error:
            reverse_payment(RECEIVABLES, payment_id=payment.pk, user=people["boss"], **kwargs)
        assert error.value.message == message
        assert state() == before

    reverse_payment(RECEIVABLES, payment_id=payment.pk, user=people["boss"], reason=" 重复录入 ", day=T(2))
    payment.refresh_from_db()
    assert (payment.status, payment.reversed_by, payment.reversal_date, payment.reversal_reason) == (
        PaymentStatus.REVERSED,
        people["boss"],
        T(2),
        "重复录入",
    )
    # both allocations undone on the reversal day; A and B fully open again
    assert set(
        ReceivableAllocation.objects.filter(debit__in=[a, b]).values_list("debit", "amount", "undone_on")
    ) == {
        (a.pk, D("1130.00"), T(2)),
        (b.pk, D("200.00"), T(2)),
    }
    assert (fresh(a).open_amount, fresh(b).open_amount) == (D("1130.00"), D("565.00"))
    # a debit of 1,500.00 dated the reversal day settles the payment's credit in full
    reversal = entry(RECEIVABLES, "payment", payment.pk, EntryKind.REVERSAL)
    assert (reversal.is_debit, reversal.amount, reversal.allocated, reversal.date, reversal.number) == (
        True,
        D("1500.00"),
        D("1500.00"),
        T(2),
        payment.number,
    )
    settles = ReceivableAllocation.objects.get(debit=reversal)
    assert (settles.credit_id, settles.amount, settles.date, settles.active) == (
        credit.pk,
        D("1500.00"),
        T(2),
        True,
    )
    assert fresh(credit).allocated == D("1500.00")
    assert party_balance(RECEIVABLES, customer) == D("1695.00")  # as before the payment
    assert [e.pk for e in open_debits(RECEIVABLES, customer)] == [a.pk, b.pk]
    assert list(open_credits(RECEIVABLES, customer)) == []

    before = state()
    with pytest.raises(AlreadyPosted) as error:
        reverse_payment(RECEIVABLES, payment_id=payment.pk, user=people["boss"], reason="again")
    assert error.value.message == f"{payment.number} has already been reversed."
    with pytest.raises(SettlementError, match="A reversal stays set against the payment it reverses."):
        unallocate(RECEIVABLES, allocation_id=settles.pk, user=people["boss"])
    with pytest.raises(SettlementError) as error:
        allocate(
            RECEIVABLES, credit_id=credit.pk, lines=[AllocationInput(b.pk, D("1.00"))], user=people["cashier"]
        )
    assert error.value.message == f"{payment.number} has 0.00 left to allocate; 1.00 is more than that."
    assert state() == before
    assert ledger_differences() == []


# 5. Statements -----------------------------------------------------------------------------------


def test_a_statement_shows_the_opening_balance_each_entry_with_the_running_balance_and_the_closing(
    shop, people
):
    customer = shop["customer"]
    s1 = sell(shop, people, 10, "100", day=T(60))  # 1,130.00
    pay(people, customer, "500.00", day=T(31), to=[(s1, "500.00")])
    so = sales_order(shop, people, 5, "100", day=T(30))
    shipment = ship(shop, people, so, day=T(30))
    s2 = entry(RECEIVABLES, "shipment", shipment.pk)  # 565.00
    p2, _credit = pay(people, customer, "800.00", day=T(20), to=[(s1, "630.00"), (s2, "170.00")])
    ret = sales.return_post(  # 1 of 5: 565.00 × 1/5 = 113.00
        shipment_id=shipment.pk,
        user=people["seller"],
        reason="破损",
        lines=[sales.ReturnLineInput(shipment.lines.get().pk, D(1), restock=False)],
        posting_date=T(15),
    )
    reverse_payment(RECEIVABLES, payment_id=p2.pk, user=people["boss"], reason="退票", day=T(10))
    s3 = sell(shop, people, 2, "100", day=T(9))  # 226.00, after the period

    st = statement(RECEIVABLES, customer, start=T(30), end=T(10))
    # before T−30: 1,130.00 shipped − 500.00 received (on T−31, the day before the start) = 630.00
    assert st.opening == D("630.00")
    assert [(ln.entry.kind, ln.entry.date, ln.debit, ln.credit, ln.balance) for ln in st.lines] == [
        (EntryKind.DOCUMENT, T(30), D("565.00"), D("0"), D("1195.00")),  # 630 + 565 (the start day counts)
        (EntryKind.PAYMENT, T(20), D("0"), D("800.00"), D("395.00")),  # − 800
        (EntryKind.RETURN, T(15), D("0"), D("113.00"), D("282.00")),  # − 113 (set against S2)
        (EntryKind.REVERSAL, T(10), D("800.00"), D("0"), D("1082.00")),  # + 800 (the end day counts)
    ]
    assert entry(RECEIVABLES, "return", ret.pk, EntryKind.RETURN).allocated == D("113.00")
    # debits 565 + 800 = 1,365.00; credits 800 + 113 = 913.00; 630 + 1,365 − 913 = 1,082.00
    assert (st.debits, st.credits, st.closing) == (D("1365.00"), D("913.00"), D("1082.00"))

    rest = statement(RECEIVABLES, customer, start=T(9), end=T())
    assert (rest.opening, [ln.entry for ln in rest.lines], rest.closing) == (D("1082.00"), [s3], D("1308.00"))
    assert rest.closing == party_balance(RECEIVABLES, customer)
    # what is open today adds up to the same: S1 1,130 − 500 = 630 (P2's 630 undone by the
    # reversal), S2 565 − 113 = 452 (P2's 170 undone), S3 226: 1,308.00
    assert sum((e.open_amount for e in open_debits(RECEIVABLES, customer)), D(0)) == D("1308.00")
    assert statement(RECEIVABLES, shop["other"], start=T(30), end=T()).lines == []
    assert ledger_differences() == []


# 6. Ageing ---------------------------------------------------------------------------------------


def test_bucket_bounds():
    assert [bucket_of(d) for d in (0, 30, 31, 60, 61, 90, 91, 400)] == [0, 0, 1, 1, 2, 2, 3, 3]


def test_ageing_today_and_as_of_an_earlier_day(shop, people):
    customer, cashier = shop["customer"], people["cashier"]
    d120 = sell(shop, people, 10, "100", day=T(120))  # 1,130.00, due T−90
    d75 = sell(shop, people, 2, "100", day=T(75))  # 226.00, due T−45
    d45 = sell(shop, people, 5, "100", day=T(45))  # 565.00, due T−15
    sell(shop, people, 10, "100", day=T(10))  # 1,130.00, due T+20
    pay(people, customer, "1000.00", day=T(100), to=[(d120, "1000.00")])  # allocated on T−100
    _p2, credit = pay(people, customer, "500.00", day=T(50))  # paid ahead
    first = allocate(
        RECEIVABLES,
        credit_id=credit.pk,
        lines=[AllocationInput(d75.pk, D("226.00"))],
        user=cashier,
        day=T(45),
    )
    allocate(
        RECEIVABLES,
        credit_id=credit.pk,
        lines=[AllocationInput(d45.pk, D("200.00"))],
        user=cashier,
        day=T(20),
    )
    unallocate(RECEIVABLES, allocation_id=first[0].pk, user=cashier, day=T(5))  # undone on T−5

    # today: D10 1,130.00 (10 days), D45 565 − 200 = 365.00 (45), D75 226.00 again (75),
    # D120 1,130 − 1,000 = 130.00 (120); 500 − 200 = 300.00 paid ahead
    [row] = balances(RECEIVABLES)
    assert row.party == customer
    assert row.buckets == [D("1130.00"), D("365.00"), D("226.00"), D("130.00")]
    assert (row.open, row.credit, row.balance) == (D("1851.00"), D("300.00"), D("1551.00"))
    assert row.overdue == D("721.00")  # past due: 365 + 226 + 130 (D10 is due in 20 days)
    assert row.balance == party_balance(RECEIVABLES, customer)  # 3,051.00 shipped − 1,500.00 received

    # yesterday, from the allocations' history rather than the cached figures: the same
    [yesterday] = balances(RECEIVABLES, as_of=T(1))
    assert (yesterday.buckets, yesterday.credit, yesterday.overdue) == (row.buckets, row.credit, row.overdue)

    # as of T−30: D10 not shipped yet; the 200.00 to D45 (made T−20) does not count yet; the
    # 226.00 to D75 (undone T−5) still does. D120 is exactly 90 days old then: 61–90.
    [then] = balances(RECEIVABLES, as_of=T(30))
    assert then.buckets == [D("565.00"), D("0"), D("130.00"), D("0")]  # D45 (15 days), D120 (90)
    assert then.credit == D("274.00")  # 500.00 − 226.00
    assert then.balance == D("421.00")  # (1,130 + 226 + 565) − (1,000 + 500)
    assert then.overdue == D("130.00")  # D120, due T−90; D45 not due before T−15
    assert balances(RECEIVABLES, as_of=T(121)) == []
    assert balances(RECEIVABLES, party_ids=[shop["other"].pk]) == []
    assert ledger_differences() == []


# 7. Credit limit ---------------------------------------------------------------------------------


def test_the_open_receivable_counts_against_the_credit_limit_and_money_received_frees_it(shop, people):
    customer = shop["customer"]
    customer.credit_limit = D("10000.00")
    customer.save()
    # 100 × 70.7965 = 7,079.65; 13% = 920.3545 → 920.35; 8,000.00
    first = sales_order(shop, people, 100, "70.7965", day=T(3))
    assert (first.total, first.status) == (D("8000.00"), OrderStatus.CONFIRMED)
    assert sales.customer_exposure(customer) == D("8000.00")  # on order, not shipped
    shipment = ship(shop, people, first, day=T(3))
    owed = entry(RECEIVABLES, "shipment", shipment.pk)
    assert owed.amount == D("8000.00")
    assert sales.customer_exposure(customer) == D("8000.00")  # now shipped and unpaid

    # 100 × 22.1239 = 2,212.39; 13% = 287.6107 → 287.61; 2,500.00; 8,000 + 2,500 > 10,000
    second = sales_order(shop, people, 100, "22.1239", day=T())
    assert (second.total, second.status) == (D("2500.00"), OrderStatus.PENDING)
    assert second.events.last().note == "Credit limit 10,000.00; with this order 10,500.00."
    assert sales.customer_exposure(customer) == D("8000.00")  # a pending order reserves nothing

    pay(people, customer, "3000.00", day=T(), to=[(owed, "3000.00")])
    assert sales.customer_exposure(customer) == D("5000.00")  # 8,000.00 − 3,000.00
    third = sales_order(shop, people, 100, "22.1239", day=T())
    assert third.status == OrderStatus.CONFIRMED  # 5,000 + 2,500 = 7,500 ≤ 10,000
    assert sales.customer_exposure(customer) == D("7500.00")
    fourth = sales_order(shop, people, 100, "22.1239", day=T())
    assert fourth.status == OrderStatus.CONFIRMED  # 7,500 + 2,500 = 10,000.00: at the limit, not over
    fifth = sales_order(shop, people, 1, "1.00", day=T())
    assert fifth.status == OrderStatus.PENDING  # 10,000.00 + 1.13 is over
    assert fifth.events.last().note == "Credit limit 10,000.00; with this order 10,001.13."
    assert ledger_differences() == []


# 8. check_ledger catches a tampered book ---------------------------------------------------------


def raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_tables_tampered_with_below_are_the_books():
    assert (ReceivableEntry._meta.db_table, ReceivableAllocation._meta.db_table) == (
        "sales_receivableentry",
        "sales_receivableallocation",
    )
    assert PayableEntry._meta.db_table == "purchasing_payableentry"


def test_an_allocated_figure_changed_behind_the_books_back_is_reported(shop, people):
    a, b, payment, credit = two_shipments_and_a_payment(shop, people)
    assert ledger_differences() == []
    raw("UPDATE sales_receivableentry SET allocated = 250.00 WHERE id = %s", [b.pk])  # really 200.00
    customer = shop["customer"].pk
    assert ledger_differences() == [
        f"receivables entry {b.pk} ({b.number}): allocated 250.00 != allocations 200.00",
        # debits: 1,695.00 − 1,330.00 allocated = 365.00, but the cache says 0 + 315 open
        f"receivables customer {customer}: open documents 315.00 != 1695.00 − allocations 1330.00",
    ]


def test_a_deleted_allocation_is_reported_on_both_entries_and_both_sides(shop, people):
    a, b, payment, credit = two_shipments_and_a_payment(shop, people)
    raw("DELETE FROM sales_receivableallocation WHERE debit_id = %s", [b.pk])
    customer = shop["customer"].pk
    assert sorted(ledger_differences()) == sorted(
        [
            f"receivables entry {b.pk} ({b.number}): allocated 200.00 != allocations 0",
            f"receivables entry {credit.pk} ({payment.number}): allocated 1330.00 != allocations 1130.00",
            f"receivables customer {customer}: open documents 365.00 != 1695.00 − allocations 1130.00",
            f"receivables customer {customer}: open credits 170.00 != 1500.00 − allocations 1130.00",
        ]
    )


def test_an_amount_changed_behind_the_books_back_is_reported(shop, people):
    a, b, payment, credit = two_shipments_and_a_payment(shop, people)
    shipment_id, customer = a.source_id, shop["customer"].pk
    raw("UPDATE sales_receivableentry SET amount = 1131.00 WHERE id = %s", [a.pk])
    assert ledger_differences() == [
        f"receivables shipment {shipment_id} (document): document says ({customer}, Decimal('1130.00')), "
        f"entry says ({customer}, Decimal('1131.00'))"
    ]
    raw("UPDATE sales_receivableentry SET amount = 1130.00 WHERE id = %s", [a.pk])
    raw("UPDATE sales_receivableentry SET amount = 1400.00 WHERE id = %s", [credit.pk])
    assert ledger_differences() == [f"receivables payment {payment.number}: no credit entry of 1500.00"]


def test_a_tampered_payable_is_reported_too(shop, people):
    po = buy(shop, people, [(shop["bolt"], 10, "10.00", 13)], day=T(5))
    receipt = receive(shop, people, po, {shop["bolt"]: (10, 0)}, day=T(5))
    owed = entry(PAYABLES, "receipt", receipt.pk)  # 100.00 + 13.00
    payment, _credit = pay(people, shop["supplier"], "50.00", day=T(), book=PAYABLES, to=[(owed, "50.00")])
    assert SupplierPayment.objects.count() == 1 and ledger_differences() == []
    raw("UPDATE purchasing_payableentry SET allocated = 0 WHERE id = %s", [owed.pk])
    supplier = shop["supplier"].pk
    assert ledger_differences() == [
        f"payables entry {owed.pk} ({receipt.number}): allocated 0.00 != allocations 50.00",
        f"payables supplier {supplier}: open documents 113.00 != 113.00 − allocations 50.00",
    ]


def test_an_allocation_or_its_undoing_cannot_be_dated_in_the_future(shop, people):
    a, b, payment, credit = two_shipments_and_a_payment(shop, people)
    c = sell(shop, people, 10, "10.00", day=T(1))  # 100.00 + 13.00 tax
    before = state()
    with pytest.raises(SettlementError, match="The date cannot be in the future."):
        allocate(
            RECEIVABLES,
            credit_id=credit.pk,
            lines=[AllocationInput(c.pk, D("50.00"))],
            user=people["cashier"],
            day=T(-1),
        )
    to_b = ReceivableAllocation.objects.get(debit=b)
    with pytest.raises(SettlementError, match="The date cannot be in the future."):
        unallocate(RECEIVABLES, allocation_id=to_b.pk, user=people["cashier"], day=T(-1))
    assert state() == before


def test_the_data_migrations_give_documents_posted_before_the_books_the_same_entries(shop, people):
    """Databases that had posted receipts, returns and shipments before the books existed get
    them from purchasing 0004 / sales 0005: the same entries and return allocations the posting
    services write now; running them again adds nothing."""
    import importlib

    from django.apps import apps

    po = buy(shop, people, [(shop["bolt"], 10, "12.3456", "13")], day=T(20))
    receipt = receive(shop, people, po, {shop["bolt"]: (10, 0)}, day=T(20))
    send_back(people, receipt, shop["bolt"], 2, day=T(15))
    so = sales_order(shop, people, 40, "3.3333", day=T(12))
    shipment = ship(shop, people, so, day=T(12))
    line = shipment.lines.get()
    sales.return_post(
        shipment_id=shipment.pk,
        user=people["seller"],
        reason="broken",
        lines=[sales.ReturnLineInput(line.pk, D(5), restock=False)],
        posting_date=T(10),
    )

    def books():
        return [
            (
                list(
                    model.objects.order_by("source_type", "source_id", "kind").values_list(
                        "source_type",
                        "source_id",
                        "kind",
                        "number",
                        "date",
                        "due_date",
                        "amount",
                        "allocated",
                    )
                ),
                list(
                    alloc.objects.order_by("debit__source_type", "debit__source_id").values_list(
                        "debit__number", "credit__number", "amount", "date", "created_by"
                    )
                ),
            )
            for model, alloc in ((PayableEntry, PayableAllocation), (ReceivableEntry, ReceivableAllocation))
        ]

    posted = books()
    assert [len(p[0]) for p in posted] == [2, 2] and [len(p[1]) for p in posted] == [1, 1]
    for model, alloc in ((PayableEntry, PayableAllocation), (ReceivableEntry, ReceivableAllocation)):
        alloc.objects.all().delete()
        model.objects.all().delete()
    for name in (
        "purchasing.migrations.0004_payables_backfill",
        "sales.migrations.0005_receivables_backfill",
    ):
        importlib.import_module(name).forwards(apps, None)
    assert books() == posted
    for name in (
        "purchasing.migrations.0004_payables_backfill",
        "sales.migrations.0005_receivables_backfill",
    ):
        importlib.import_module(name).forwards(apps, None)
    assert books() == posted
    assert ledger_differences() == []
