"""The buying side of the demo company as it stands today: the purchase orders of the last five
weeks, their receipts and a return to a supplier, after the year of stock history.

build_purchasing(plan, history, today) is pure, like demo.catalog and demo.history: from the
catalogue plan, the history (which says where each item is kept), a fixed seed and today's date it
plans fifteen orders, each telling one story of the buying cycle —

- eight received in full: on time, early, late, one with a case refused at the dock as damaged
  (the supplier sends a replacement a few days later), three big enough for the manager's
  approval, and one of which two cases are sent back later (a return to the supplier);
- two partly received, the rest overdue (a backorder);
- one closed short: the supplier delivered part of it and stopped making the rest;
- one cancelled after approval, one approved and waiting for its goods, one above the approval
  threshold waiting for the manager, and one draft the buyer has not submitted yet.

post_purchasing() writes them through purchasing.services — order_create, order_set_lines (prices
from the suppliers' price lists), order_submit, order_approve, order_cancel, receipt_create,
receipt_set_lines, receipt_post, order_close, return_create, return_post — in date order, as the
demo's buyer (orders, returns), manager (approvals) and each warehouse's clerk (receipts). Nothing
here writes orders, receipts, moves or balances itself. The batches the receipts bring in are
created by load_demo with the history's batches (dated on the day of their first receipt, which
the receiving service cannot know); their numbers follow the history's conventions: the
production date, as 20261102 for goods with a shelf life and L261102 for the others."""

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

from inventory.models import Item, Location, Unit, Warehouse
from purchasing.models import OrderStatus, PurchaseOrder, Supplier
from purchasing.services import (
    OrderLineInput,
    ReceiptLineInput,
    ReturnLineInput,
    order_approve,
    order_cancel,
    order_close,
    order_create,
    order_set_lines,
    order_submit,
    receipt_create,
    receipt_post,
    receipt_set_lines,
    return_create,
    return_post,
)

from . import data
from .catalog import SEED, BatchPlan, Plan
from .history import CLERK, MANAGER, RETURNS_BINS, History

BUYER = next(username for username, _name, role, *_rest in data.USERS if role == "purchasing")
REDUCED_RATE_FAMILIES = {"DAI", "DAF", "GRN", "RAW"}  # farm produce and dairy: 9 % VAT
REDUCED_RATE = Decimal("9")
MIN_SHELF_LIFE = 150  # days; nothing received here is close to its expiry date today
CENT = Decimal("0.01")

DRAFT, SUBMITTED, APPROVED = OrderStatus.DRAFT, OrderStatus.SUBMITTED, OrderStatus.APPROVED
PARTIAL, RECEIVED = OrderStatus.PARTIAL, OrderStatus.RECEIVED
CLOSED, CANCELLED = OrderStatus.CLOSED, OrderStatus.CANCELLED


@dataclass(frozen=True)
class OrderLinePlan:
    sku: str
    unit: str  # the supplier item's unit (cases, mostly); priced from the supplier's price list
    qty: Decimal
    factor: Decimal  # base units per `unit`
    location: str  # the bin the item is kept in, in the order's warehouse
    tax_rate: Decimal | None = None  # None: the default rate


@dataclass(frozen=True)
class ReceiptLinePlan:
    line: int  # index into the order's lines
    accepted: Decimal  # in the order line's unit
    rejected: Decimal = Decimal(0)
    reject_reason: str = ""
    batch_no: str = ""
    production_date: date | None = None
    expiry_date: date | None = None


@dataclass(frozen=True)
class ReceiptPlan:
    posting_date: date
    delivery_note: str
    lines: tuple[ReceiptLinePlan, ...]


@dataclass(frozen=True)
class ReturnPlan:
    receipt: int  # index into the order's receipts
    posting_date: date
    reason: str  # purchasing.models.ReturnReason
    lines: tuple[tuple[int, Decimal], ...]  # (index into the order's lines, quantity in its unit)
    note: str = ""


@dataclass(frozen=True)
class OrderPlan:
    status: str  # what the order ends as
    supplier: str
    warehouse: str
    order_date: date
    expected_date: date
    lines: tuple[OrderLinePlan, ...]
    reference: str = ""
    note: str = ""
    receipts: tuple[ReceiptPlan, ...] = ()
    returns: tuple[ReturnPlan, ...] = ()
    ended_on: date | None = None  # cancelled or closed on
    end_note: str = ""


@dataclass(frozen=True)
class PurchasingPlan:
    orders: tuple[OrderPlan, ...]
    batches: tuple[BatchPlan, ...]  # the batches the receipts bring in that the history has not
    stock_in: dict[str, Decimal]  # sku -> base units received less returned


@dataclass(frozen=True)
class _Story:
    status: str
    supplier: str
    warehouse: str
    ordered: int  # days before today
    lines: int
    value: int  # roughly, in yuan including tax
    late: int = 0  # days the (first) delivery came after the expected date
    damaged: bool = False  # a case refused at the dock as damaged; the supplier replaces it
    returned: bool = False  # two cases sent back to the supplier a few days later
    note: str = ""
    end_note: str = ""


STORIES = (
    _Story(CLOSED, "S014", "SH01", 35, 3, 3000,
           end_note="供应商该系列停产，余量不再供货，结案"),
    _Story(RECEIVED, "S001", "SH01", 33, 4, 6000),
    _Story(RECEIVED, "S005", "SZ01", 31, 3, 4500, late=-1),
    _Story(RECEIVED, "S007", "SZ01", 29, 4, 16000, late=1, note="设备部年度检修备件"),
    _Story(RECEIVED, "S003", "SH01", 27, 5, 8500, late=3),
    _Story(PARTIAL, "S012", "SZ01", 26, 3, 22000, late=1, note="分装车间下月生产用料"),
    _Story(RECEIVED, "S003", "HZ01", 24, 3, 5000, damaged=True),
    _Story(CANCELLED, "S015", "SH01", 22, 2, 2500,
           end_note="供应商报价上调，取消本单，改日重新询价"),
    _Story(RECEIVED, "S011", "SH01", 21, 3, 7000, note="冷链到货，收货时测温"),
    _Story(RECEIVED, "S004", "SH01", 18, 4, 8000, late=2, returned=True),
    _Story(PARTIAL, "S001", "SH01", 13, 4, 7000),
    _Story(RECEIVED, "S010", "SH01", 12, 3, 13000),
    _Story(APPROVED, "S016", "SZ01", 3, 3, 3000),
    _Story(SUBMITTED, "S003", "SH01", 1, 6, 28000, note="旺季备货，金额超出审批额度，请张总审批"),
    _Story(DRAFT, "S009", "SZ01", 0, 3, 2000, note="待供应商确认报价后提交"),
)  # fmt: skip


def build_purchasing(plan: Plan, history: History, today: date, seed: str = SEED) -> PurchasingPlan:
    return _Planner(plan, history, today, random.Random(f"{seed}:purchasing")).run()


def _bins(history: History) -> dict[tuple[str, str], str]:
    """(sku, warehouse) -> the bin the item was last put away in there (returns zone aside)."""
    bins = {}
    for doc in history.documents:
        for line in doc.lines:
            if doc.kind == "receipt":
                where = line.location
            elif doc.kind == "transfer" and line.to_location:
                where = line.to_location
            else:
                continue
            if not (where[0] == "SH01" and where[1] in RETURNS_BINS):
                bins[(line.sku, where[0])] = where[1]
    return bins


class _Planner:
    def __init__(self, plan: Plan, history: History, today: date, rng: random.Random):
        self.rng = rng
        self.today = today
        self.history = history
        self.items = {p.sku: p for p in plan.items}
        self.factors = {(u.sku, u.unit): u.factor for u in plan.item_units}
        self.offers = defaultdict(list)  # supplier -> its supplier items
        for si in plan.supplier_items:
            self.offers[si.supplier].append(si)
        self.lead = {code: lead for code, _n, _c, _p, _a, _t, lead, _r in data.SUPPLIERS}
        self.bins = _bins(history)
        self.known_batches = {(b.sku, b.batch_no) for b in history.batches}
        self.batches: dict[tuple[str, str], BatchPlan] = {}
        self.used: set[str] = set()
        self.stock_in: dict[str, Decimal] = defaultdict(Decimal)

    def run(self) -> PurchasingPlan:
        orders = [self._order(story) for story in STORIES]
        orders.sort(key=lambda o: o.order_date)
        return PurchasingPlan(
            orders=tuple(orders),
            batches=tuple(sorted(self.batches.values(), key=lambda b: (b.sku, b.batch_no))),
            stock_in=dict(self.stock_in),
        )

    # -- dates ---------------------------------------------------------------------------------

    def _weekday(self, day: date) -> date:
        """Orders are written Monday to Friday (a weekend day moves back to the Friday)."""
        return day - timedelta(days=max(0, day.weekday() - 4))

    def _delivery_day(self, day: date, earliest: date) -> date:
        """Suppliers deliver Monday to Saturday; never before `earliest`, nor after yesterday."""
        if day.weekday() == 6:
            day += timedelta(days=1)
        day = min(max(day, earliest), self.today - timedelta(days=1))
        return day - timedelta(days=1) if day.weekday() == 6 and day > earliest else day

    # -- an order ------------------------------------------------------------------------------

    def _order(self, story: _Story) -> OrderPlan:
        rng = self.rng
        today = self.today
        order_date = today if story.status == DRAFT else self._weekday(today - timedelta(days=story.ordered))
        expected = order_date + timedelta(days=self.lead[story.supplier])
        lines = self._lines(story)
        if story.status == SUBMITTED:
            lines = self._above_threshold(story.supplier, lines)
        prefix = data.SUPPLIER_SKU_PREFIX[story.supplier]
        reference = "" if story.status == DRAFT else f"{prefix}-SO{order_date:%y%m%d}{rng.randint(10, 99)}"
        receipts, returns, ended_on = [], [], None
        if story.status in (RECEIVED, PARTIAL, CLOSED):
            first = self._delivery_day(expected + timedelta(days=story.late), order_date)
            receipts = self._receipts(story, lines, first, prefix)
        if story.returned:
            returns = [self._return(lines, receipts[0])]
        if story.status == CLOSED:
            ended_on = self._weekday(receipts[-1].posting_date + timedelta(days=14))
        if story.status == CANCELLED:
            ended_on = self._weekday(order_date + timedelta(days=1))
        return OrderPlan(
            status=story.status,
            supplier=story.supplier,
            warehouse=story.warehouse,
            order_date=order_date,
            expected_date=expected,
            lines=tuple(lines),
            reference=reference,
            note=story.note,
            receipts=tuple(receipts),
            returns=tuple(returns),
            ended_on=ended_on,
            end_note=story.end_note,
        )

    def _lines(self, story: _Story) -> list[OrderLinePlan]:
        """Items the supplier sells that are kept in the warehouse, not yet on another demo order
        and with a long shelf life: the preferred supplier's first. Goods still to come are the
        ones running low; goods already received are ones whose stock stayed healthy (the stock
        history's shortages are left for the alerts to show)."""
        rng = self.rng
        received = story.status in (RECEIVED, PARTIAL, CLOSED)
        candidates = []
        for si in self.offers[story.supplier]:
            item = self.items[si.sku]
            if (si.sku, story.warehouse) not in self.bins or si.sku in self.used:
                continue
            if item.shelf_life_days and item.shelf_life_days < MIN_SHELF_LIFE:
                continue
            on_hand = self.history.on_hand.get(si.sku, Decimal(0))
            if received and on_hand <= item.safety_stock:
                continue
            wanted = received or on_hand <= item.reorder_point
            candidates.append((not si.is_preferred, not wanted, rng.random(), si))
        candidates.sort(key=lambda c: c[:3])
        chosen = [c[-1] for c in candidates[: story.lines]]
        chosen.sort(key=lambda si: si.sku)
        lines = []
        for si in chosen:
            self.used.add(si.sku)
            item = self.items[si.sku]
            share = Decimal(story.value) / len(chosen) * Decimal(str(round(rng.uniform(0.7, 1.3), 2)))
            net = share / Decimal("1.13")
            qty = _packs(net / si.price, si.pack_qty, si.min_order_qty)
            factor = Decimal(1) if si.unit == item.base_unit else self.factors[(si.sku, si.unit)]
            family = si.sku.split("-")[0]
            lines.append(
                OrderLinePlan(
                    sku=si.sku,
                    unit=si.unit,
                    qty=qty,
                    factor=factor,
                    location=self.bins[(si.sku, story.warehouse)],
                    tax_rate=REDUCED_RATE if family in REDUCED_RATE_FAMILIES else None,
                )
            )
        if len(lines) < story.lines:
            raise AssertionError(f"{story.supplier} has too few items kept in {story.warehouse}")
        return lines

    def _total(self, supplier: str, lines: list[OrderLinePlan]) -> Decimal:
        """The order's total including tax, as order_set_lines computes it from the price list."""
        offers = {(si.sku, si.unit): si for si in self.offers[supplier]}
        total = Decimal(0)
        for line in lines:
            si = offers[(line.sku, line.unit)]
            price = si.price
            for qty, break_price in si.breaks:
                if line.qty >= qty:
                    price = break_price
            amount = (line.qty * price).quantize(CENT, rounding=ROUND_HALF_UP)
            rate = settings.PURCHASE_DEFAULT_TAX_RATE if line.tax_rate is None else line.tax_rate
            total += amount + (amount * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        return total

    def _above_threshold(self, supplier: str, lines: list[OrderLinePlan]) -> list[OrderLinePlan]:
        """The order waiting for the manager must need the manager: add cases until it does."""
        while self._total(supplier, lines) <= settings.PURCHASE_APPROVAL_THRESHOLD * Decimal("1.2"):
            lines = [_with(line, qty=line.qty + max(1, line.qty // 4)) for line in lines]
        return lines

    # -- receiving -----------------------------------------------------------------------------

    def _receipts(
        self, story: _Story, lines: list[OrderLinePlan], day: date, prefix: str
    ) -> list[ReceiptPlan]:
        rng = self.rng
        note = f"送货单 {prefix}{day:%y%m%d}{rng.randint(10, 99)}"
        counted = []  # (line index, accepted, rejected, reason)
        if story.status == RECEIVED:
            counted = [(n, line.qty, Decimal(0), "") for n, line in enumerate(lines)]
            if story.damaged:  # a case crushed in the van
                n = next(n for n, line in enumerate(lines) if line.factor > 1 and line.qty > 1)
                counted[n] = (n, lines[n].qty - 1, Decimal(1), "damaged")
        else:  # the supplier is short: a line comes in part, on bigger orders another not at all
            missing = {0} if story.status == CLOSED or len(lines) >= 4 else set()
            short = 1 if missing else 0
            for n, line in enumerate(lines):
                if n in missing:
                    continue
                qty = line.qty
                if n == short:
                    qty = min(max(Decimal(1), (line.qty * Decimal("0.6")).to_integral_value()), line.qty)
                    if qty == line.qty:
                        raise AssertionError(f"{line.sku}: {line.qty} cannot be delivered in part")
                counted.append((n, qty, Decimal(0), ""))
        first = ReceiptPlan(
            day,
            note,
            tuple(self._received(lines[n], acc, day, rej, reason, n) for n, acc, rej, reason in counted),
        )
        receipts = [first]
        refused = [(n, rej) for n, _acc, rej, _reason in counted if rej]
        if refused:  # the replacement, from the same lot
            later = self._delivery_day(day + timedelta(days=rng.randint(3, 5)), day)
            rows = []
            for n, qty in refused:
                batch = next(r for r in first.lines if r.line == n)
                self.stock_in[lines[n].sku] += qty * lines[n].factor
                rows.append(
                    ReceiptLinePlan(
                        n, qty, batch_no=batch.batch_no, production_date=batch.production_date,
                        expiry_date=batch.expiry_date,
                    )
                )  # fmt: skip
            receipts.append(
                ReceiptPlan(later, f"补发 送货单 {prefix}{later:%y%m%d}{rng.randint(10, 99)}", tuple(rows))
            )
        return receipts

    def _received(self, line: OrderLinePlan, accepted, day: date, rejected, reason, n) -> ReceiptLinePlan:
        """A received line with the lot it came in, if the item is tracked by batch."""
        rng = self.rng
        item = self.items[line.sku]
        self.stock_in[line.sku] += accepted * line.factor
        batch_no, made, expiry = "", None, None
        if item.tracking != data.NONE:
            shelf = item.shelf_life_days
            if shelf:
                made = day - timedelta(days=rng.randint(2, max(2, min(45, shelf // 6))))
                batch_no, expiry = f"{made:%Y%m%d}", made + timedelta(days=shelf)
            else:
                made = day - timedelta(days=rng.randint(5, 60))
                batch_no = f"L{made:%y%m%d}"
            if (line.sku, batch_no) not in self.known_batches:
                self.batches.setdefault(
                    (line.sku, batch_no), BatchPlan(line.sku, batch_no, made, expiry, day)
                )
        return ReceiptLinePlan(n, accepted, rejected, reason, batch_no, made, expiry)

    def _return(self, lines: list[OrderLinePlan], receipt: ReceiptPlan) -> ReturnPlan:
        """Two cases of the largest line turn out to leak: sent back a few days after receiving."""
        row = max(receipt.lines, key=lambda r: (r.accepted, -r.line))
        qty = min(Decimal(2), row.accepted)
        self.stock_in[lines[row.line].sku] -= qty * lines[row.line].factor
        day = self._delivery_day(receipt.posting_date + timedelta(days=3), receipt.posting_date)
        return ReturnPlan(0, day, "defective", ((row.line, qty),), note="上架时发现瓶盖渗漏，供应商同意退货")


def _packs(qty: Decimal, pack: Decimal, minimum: Decimal) -> Decimal:
    """At least the minimum order, in whole packs."""
    pack = pack if pack > 0 else Decimal(1)
    packs = max(1, math.ceil(max(qty, minimum) / pack))
    return (pack * packs).quantize(Decimal("0.0001"))


def _with(line: OrderLinePlan, *, qty: Decimal) -> OrderLinePlan:
    return OrderLinePlan(line.sku, line.unit, qty, line.factor, line.location, line.tax_rate)


# -- writing it ----------------------------------------------------------------------------------


def post_purchasing(plan: PurchasingPlan) -> dict[str, int]:
    """Create the planned orders, receipts and returns through the purchasing services, in date
    order (so numbers follow dates), as the buyer, the manager and the warehouses' clerks, with
    the site's language active (as for a user of the site: the status notes the services write
    are stored in it). The receipts' batches must exist already (load_demo creates them). Returns
    how many orders end in each status, plus "receipts" and "returns"."""
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in={BUYER, MANAGER, *CLERK.values()})}
    suppliers = {s.code: s for s in Supplier.objects.filter(code__in={o.supplier for o in plan.orders})}
    warehouses = {w.code: w for w in Warehouse.objects.all()}
    locations = {
        (wh, code): pk for wh, code, pk in Location.objects.values_list("warehouse__code", "code", "pk")
    }
    units = dict(Unit.objects.values_list("code", "pk"))
    items = Item.objects.in_bulk({line.sku for o in plan.orders for line in o.lines}, field_name="sku")
    # One step per day and kind: orders are written before goods arrive, returns and closing last.
    steps = []
    for n, order in enumerate(plan.orders):
        steps.append((order.order_date, 0, n, 0))
        steps += [(r.posting_date, 1, n, k) for k, r in enumerate(order.receipts)]
        steps += [(r.posting_date, 2, n, k) for k, r in enumerate(order.returns)]
        if order.ended_on:
            steps.append((order.ended_on, 3, n, 0))
    steps.sort()
    orders: dict[int, PurchaseOrder] = {}
    line_ids: dict[int, list[int]] = {}
    receipts: dict[tuple[int, int], int] = {}
    counts: dict[str, int] = defaultdict(int)
    with translation.override(settings.LANGUAGE_CODE):
        for day, kind, n, k in steps:
            planned = plan.orders[n]
            buyer, clerk = users[BUYER], users[CLERK[planned.warehouse]]
            if kind == 0:
                order = order_create(
                    supplier=suppliers[planned.supplier],
                    warehouse=warehouses[planned.warehouse],
                    user=buyer,
                    order_date=day,
                    expected_date=planned.expected_date,
                    reference=planned.reference,
                    note=planned.note,
                )
                order_set_lines(
                    order_id=order.pk,
                    user=buyer,
                    lines=[
                        OrderLineInput(
                            item=items[line.sku],
                            unit_id=units[line.unit],
                            qty=line.qty,
                            tax_rate=line.tax_rate,
                        )
                        for line in planned.lines
                    ],
                )
                line_ids[n] = list(order.lines.order_by("pk").values_list("pk", flat=True))
                if planned.status != DRAFT:
                    order = order_submit(order_id=order.pk, user=buyer)
                    if order.status == SUBMITTED and planned.status != SUBMITTED:
                        order = order_approve(order_id=order.pk, user=users[MANAGER])
                    if order.status != (SUBMITTED if planned.status == SUBMITTED else APPROVED):
                        raise AssertionError(f"{order.number} is {order.status}, not as planned")
                orders[n] = order
            elif kind == 1:
                receipt = planned.receipts[k]
                made = receipt_create(
                    order_id=orders[n].pk, user=clerk, posting_date=day, delivery_note=receipt.delivery_note
                )
                receipt_set_lines(
                    receipt_id=made.pk,
                    user=clerk,
                    lines=[
                        ReceiptLineInput(
                            order_line_id=line_ids[n][row.line],
                            location_id=locations[(planned.warehouse, planned.lines[row.line].location)],
                            accepted_qty=row.accepted,
                            rejected_qty=row.rejected,
                            reject_reason=row.reject_reason,
                            batch_no=row.batch_no,
                            expiry_date=row.expiry_date,
                            production_date=row.production_date,
                        )
                        for row in receipt.lines
                    ],
                )
                receipt_post(receipt_id=made.pk, user=clerk)
                receipts[(n, k)] = made.pk
                counts["receipts"] += 1
            elif kind == 2:
                ret = planned.returns[k]
                receipt_id = receipts[(n, ret.receipt)]
                received = orders[n].receipts.get(pk=receipt_id).lines.values_list("order_line_id", "pk")
                by_order_line = dict(received)
                made = return_create(
                    receipt_id=receipt_id,
                    user=buyer,
                    reason=ret.reason,
                    posting_date=day,
                    note=ret.note,
                    lines=[ReturnLineInput(by_order_line[line_ids[n][i]], qty) for i, qty in ret.lines],
                )
                return_post(return_id=made.pk, user=buyer)
                counts["returns"] += 1
            elif planned.status == CANCELLED:
                order_cancel(order_id=orders[n].pk, user=buyer, note=planned.end_note)
            else:
                order_close(order_id=orders[n].pk, user=buyer, note=planned.end_note)
    for status in PurchaseOrder.objects.filter(pk__in=[o.pk for o in orders.values()]).values_list(
        "status", flat=True
    ):
        counts[status] += 1
    return dict(counts)
