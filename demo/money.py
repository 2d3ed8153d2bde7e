"""Money of the demo company: what it paid its suppliers for the goods received, and what its
customers paid for the goods shipped, recorded by the finance clerk after the purchasing and
sales demo.

build_money(purchasing, sales, today) is pure: from the purchasing and sales plans and a fixed
seed it plans the payments —

- to suppliers: most older receipts paid, some in full (one payment covering two delivery notes),
  one half, one cold-chain delivery only three tenths, so that supplier is overdue; a payment
  made to the wrong supplier, reversed the next day with the reason, and made again to the right
  one; and a prepayment on the order still waiting for its goods, not yet allocated;
- from customers: most shipments paid, some in part (a distributor whose rest is overdue), net of
  goods taken back, one cash customer who paid before the goods left, one overpayment whose rest
  is left as the customer's credit; a store whose shipment is overdue has not paid at all.

The amounts follow the documents the services posted: each payment settles a share of what is
open on its documents when it is recorded (after a return, the rest). post_money() records them
through settlement.services (record_payment with its allocations, reverse_payment) in date
order, as the finance clerk; nothing here writes entries or allocations itself."""

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model

from purchasing import payables
from purchasing.models import PayableEntry, PurchaseOrder, PurchaseReceipt, ReceiptStatus, Supplier
from sales import receivables
from sales.models import Customer, DocStatus, ReceivableEntry, Shipment
from settlement.models import EntryKind, Method
from settlement.services import AllocationInput, record_payment, reverse_payment

from . import data
from .catalog import SEED
from .purchasing import APPROVED, PurchasingPlan
from .sales import SalesPlan

FINANCE = next(username for username, _name, role, *_rest in data.USERS if role == "finance")
PAYABLES, RECEIVABLES = "payables", "receivables"
BOOKS = {PAYABLES: payables.BOOK, RECEIVABLES: receivables.BOOK}
BANK, WECHAT, ALIPAY = Method.BANK, Method.WECHAT, Method.ALIPAY
CENT = Decimal("0.01")
ZERO = Decimal(0)


@dataclass(frozen=True)
class DocRef:
    """A posted document a payment is allocated to, found by what the plans know of it."""

    source: str  # "receipt" | "shipment"
    party: str  # supplier or customer code
    order: str  # the order's reference: the supplier's order number, the customer's purchase order
    index: int = 0  # the order's n-th receipt or shipment, by date


@dataclass(frozen=True)
class PaymentPlan:
    book: str  # PAYABLES | RECEIVABLES
    party: str
    day: date
    method: str
    reference: str
    settles: tuple[tuple[DocRef, Decimal], ...] = ()  # allocated: that share of what is open on each
    amount_of: tuple[tuple[DocRef, Decimal], ...] = ()  # the amount, when it is not what settles adds up to
    round_to: Decimal | None = None  # the amount rounded up to this; the rest stays a credit
    prepay: str = ""  # payables: paid ahead on this purchase order (its reference), nothing allocated
    prepay_share: Decimal = ZERO
    note: str = ""
    reversed_on: date | None = None
    reversal_reason: str = ""


@dataclass(frozen=True)
class MoneyPlan:
    payments: tuple[PaymentPlan, ...]


# supplier, its receipts (indices, by date), paid this many days after the last of them, share, note
SUPPLIER_PAYMENTS = (
    ("S014", (0,), 27, "1", "货款结清"),
    ("S001", (0,), 25, "1", ""),
    ("S005", (0,), 20, "0.5", "先付一半，余款下月付清"),
    ("S003", (0, 1), 18, "1", "两张送货单合并付款"),
    ("S011", (0,), 8, "0.3", "冷链货款先付三成，余款对账后支付"),
)
# The payment meant for WRONG_PAYEE[0]'s receipt recorded against WRONG_PAYEE[1]'s by mistake.
WRONG_PAYEE = ("S004", "S010")
PREPAID_SUPPLIER, PREPAID_SHARE = "S016", Decimal("0.3")

# customer, its shipments (indices), paid this many days after the last of them (or of a return
# from them; None: with the order, before the goods left), share, method, note[, round up to]
CUSTOMER_PAYMENTS = (
    ("K021", (0,), 30, "0.5", BANK, "按合同先付五成"),
    ("K004", (0,), 25, "1", BANK, ""),
    ("K016", (0,), 28, "1", BANK, "扣除退货后结清"),
    ("K029", (0,), 5, "1", WECHAT, ""),
    ("K022", (0,), 30, "0.6", BANK, ""),
    ("K011", (0,), None, "1", WECHAT, "现款客户，下单即付款"),
    ("K005", (0,), 30, "1", BANK, ""),
    ("K036", (0,), 20, "1", BANK, "多付部分留作下次货款", "1000"),
    ("K017", (0,), 12, "1", ALIPAY, "扣除退货后结清"),
    ("K023", (0,), 10, "1", BANK, "第一批货款"),
    ("K008", (0,), 2, "1", ALIPAY, ""),
)


def build_money(purchasing: PurchasingPlan, sales: SalesPlan, today: date, seed: str = SEED) -> MoneyPlan:
    rng = random.Random(f"{seed}:money")
    payments: list[PaymentPlan] = []

    def reference(method: str, day: date) -> str:
        if method == WECHAT:
            return f"4200{day:%y%m%d}{rng.randint(10**9, 10**10 - 1)}"
        if method == ALIPAY:
            return f"{day:%Y%m%d}2200{rng.randint(10**9, 10**10 - 1)}"
        return f"HD{day:%y%m%d}{rng.randint(100000, 999999)}"  # the bank's transfer slip

    # -- to suppliers ---------------------------------------------------------------------------
    receipts = defaultdict(list)  # supplier -> [(day, DocRef)] by date, then as planned
    for order in purchasing.orders:
        for n, receipt in enumerate(order.receipts):
            ref = DocRef("receipt", order.supplier, order.reference, n)
            receipts[order.supplier].append((receipt.posting_date, ref))
    for supplier in receipts:
        receipts[supplier].sort(key=lambda r: r[0])

    def receipt(supplier: str, n: int):
        found = receipts.get(supplier, [])
        return found[n] if n < len(found) else None

    for supplier, which, after, share, note in SUPPLIER_PAYMENTS:
        docs = [receipt(supplier, n) for n in which]
        if None in docs:
            continue
        day = min(today, max(d for d, _ref in docs) + timedelta(days=after))
        payments.append(
            PaymentPlan(
                PAYABLES,
                supplier,
                day,
                BANK,
                reference(BANK, day),
                settles=tuple((ref, Decimal(share)) for _day, ref in docs),
                note=note,
            )
        )
    meant, wrong = (receipt(code, 0) for code in WRONG_PAYEE)
    if meant and wrong:
        day = min(today - timedelta(days=1), max(meant[0], wrong[0]) + timedelta(days=2))
        if day >= max(meant[0], wrong[0]):
            right_ref = meant[1]
            names = {code: name for code, name, *_rest in data.SUPPLIERS}
            payments.append(
                PaymentPlan(
                    PAYABLES,
                    WRONG_PAYEE[1],
                    day,
                    BANK,
                    reference(BANK, day),
                    settles=((wrong[1], Decimal(1)),),
                    amount_of=((right_ref, Decimal(1)),),
                    reversed_on=day + timedelta(days=1),
                    reversal_reason=f"付款对象选错：此款应付{names[WRONG_PAYEE[0]]}，冲销后重新登记",
                )
            )
            day += timedelta(days=1)
            payments.append(
                PaymentPlan(
                    PAYABLES,
                    WRONG_PAYEE[0],
                    day,
                    BANK,
                    reference(BANK, day),
                    settles=((right_ref, Decimal(1)),),
                    note="重新登记：原误付款项已冲销",
                )
            )
    for order in purchasing.orders:
        if order.supplier == PREPAID_SUPPLIER and order.status == APPROVED and order.reference:
            day = min(today, order.order_date + timedelta(days=1))
            payments.append(
                PaymentPlan(
                    PAYABLES,
                    PREPAID_SUPPLIER,
                    day,
                    BANK,
                    reference(BANK, day),
                    prepay=order.reference,
                    prepay_share=PREPAID_SHARE,
                    note=f"预付{PREPAID_SHARE * 100:.0f}%货款，到货后核销",
                )
            )
            break

    # -- from customers -------------------------------------------------------------------------
    orders = {order.customer: order for order in sales.orders}
    for customer, which, after, share, method, note, *round_to in CUSTOMER_PAYMENTS:
        order = orders.get(customer)
        if order is None or any(n >= len(order.shipments) for n in which):
            continue
        if after is None:
            day = order.order_date
        else:
            last = max(order.shipments[n].posting_date for n in which)
            last = max([last, *(r.posting_date for r in order.returns if r.shipment in which)])
            day = min(today, last + timedelta(days=after))
        payments.append(
            PaymentPlan(
                RECEIVABLES,
                customer,
                day,
                method,
                reference(method, day),
                settles=tuple(
                    (DocRef("shipment", customer, order.reference, n), Decimal(share)) for n in which
                ),
                round_to=Decimal(round_to[0]) if round_to else None,
                note=note,
            )
        )
    return MoneyPlan(tuple(payments))


# -- writing it ----------------------------------------------------------------------------------


def post_money(plan: MoneyPlan) -> dict[str, int]:
    """Record the planned payments and reversals through the settlement services, in date order,
    as the finance clerk. Returns "supplier payments", "customer payments" and "reversed"."""
    user = get_user_model().objects.get(username=FINANCE)
    suppliers = {s.code: s for s in Supplier.objects.all()}
    customers = {c.code: c for c in Customer.objects.all()}
    steps = []
    for n, payment in enumerate(plan.payments):
        steps.append((payment.day, 1, n))
        if payment.reversed_on:
            steps.append((payment.reversed_on, 0, n))  # a reversal comes before that day's payments
    steps.sort()
    recorded = {}
    counts: dict[str, int] = defaultdict(int)
    for day, kind, n in steps:
        planned = plan.payments[n]
        book = BOOKS[planned.book]
        if kind == 0:
            reverse_payment(
                book, payment_id=recorded[n].pk, user=user, reason=planned.reversal_reason, day=day
            )
            counts["reversed"] += 1
            continue
        party = (suppliers if planned.book == PAYABLES else customers)[planned.party]
        allocations = [(_entry(ref), share) for ref, share in planned.settles]
        shares = [_share(entry, share) for entry, share in allocations]
        if planned.prepay:
            order = PurchaseOrder.objects.get(supplier=party, reference=planned.prepay)
            amount = (order.total * planned.prepay_share / 100).to_integral_value(rounding=ROUND_DOWN) * 100
        elif planned.amount_of:
            amount = sum((_share(_entry(ref), share) for ref, share in planned.amount_of), ZERO)
        else:
            amount = sum(shares, ZERO)
        if planned.round_to:
            amount = Decimal(math.floor(amount / planned.round_to) + 1) * planned.round_to
        lines, left = [], amount
        for (entry, _planned_share), wanted in zip(allocations, shares, strict=True):
            take = min(wanted, left)
            if take > 0:
                lines.append(AllocationInput(entry.pk, take))
                left -= take
        recorded[n] = record_payment(
            book,
            party=party,
            day=day,
            method=planned.method,
            amount=amount,
            user=user,
            reference=planned.reference,
            note=planned.note,
            allocations=lines,
        )
        counts["supplier payments" if planned.book == PAYABLES else "customer payments"] += 1
    return dict(counts)


def _entry(ref: DocRef):
    """The debit entry the document's posting made."""
    if ref.source == "receipt":
        receipt = PurchaseReceipt.objects.filter(
            order__supplier__code=ref.party, order__reference=ref.order, status=ReceiptStatus.POSTED
        ).order_by("posting_date", "pk")[ref.index]
        return PayableEntry.objects.get(
            source_type=payables.RECEIPT, source_id=receipt.pk, kind=EntryKind.DOCUMENT
        )
    shipment = Shipment.objects.filter(
        order__customer__code=ref.party, order__reference=ref.order, status=DocStatus.POSTED
    ).order_by("posting_date", "pk")[ref.index]
    return ReceivableEntry.objects.get(
        source_type=receivables.SHIPMENT, source_id=shipment.pk, kind=EntryKind.DOCUMENT
    )


def _share(entry, share: Decimal) -> Decimal:
    """That share of what is open on the entry now, to the fen."""
    entry.refresh_from_db(fields=["allocated"])
    return (entry.open_amount * share).quantize(CENT, rounding=ROUND_HALF_UP)
