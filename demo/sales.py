"""The selling side of the demo company: its sales price lists, and the sales orders of the last
ten weeks with their shipments and customer returns, after the year of stock history and the
purchase orders.

build_sales_prices(plan) prices every item the company sells (merchandise and its own finished
goods) for each price level, per sales unit, from the item's cost: distributor < wholesale <
retail (demo.data.SALES_MARKUPS), with quantity breaks for the trade levels.

build_sales(plan, history, purchasing, today) is pure, like demo.purchasing: it replays the
history's documents and the purchase receipts and returns day by day, so it knows what every bin
held of every batch on every day, and plans about twenty orders, each telling one story of the
selling cycle — shipped in full (one in two deliveries, one with a case refused as damaged and
scrapped, one with unopened cases taken back into stock), closed after shipping, closed short,
partly shipped with the rest to follow, confirmed and waiting for the van, cancelled after
confirmation, one over the customer's credit limit approved by the manager, one waiting for him,
one cancelled when the cash customer did not pay, and two drafts.

Stock stays consistent at every date: confirming reserves first-expiry-first-out among what is on
hand now (as the service does, which the planner imitates), so an order takes only goods that had
been in that bin and batch since the day before it ships, and never more than was there on any day
after (later issues of the history included). Items with stock close to its expiry date, in the
returns zone, on a document still waiting, or near their reorder point are left alone, so the
stock alerts and the expiry report keep what the history gave them.

post_sales() writes the plan through sales.services — order_create, order_set_lines (prices from
the customer's price level), order_confirm, order_approve, shipment_create (the FEFO proposal,
checked against the plan), shipment_set_picks (only for a partial shipment), shipment_post,
return_post, order_cancel, order_close — in date order, as the sales clerk (orders, returns), the
manager (credit approval) and each warehouse's clerk (shipments)."""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

from inventory.models import Batch, Item, Location, Unit, Warehouse
from sales.models import Customer, OrderStatus, SalesOrder
from sales.services import (
    PickInput,
    ReturnLineInput,
    SalesLineInput,
    order_approve,
    order_cancel,
    order_close,
    order_confirm,
    order_create,
    order_set_lines,
    return_post,
    shipment_create,
    shipment_post,
    shipment_set_picks,
)

from . import data
from .catalog import SEED, Plan
from .history import APPROVE, CLERK, MANAGER, POST, RETURNS_BINS, REVERSE, History
from .purchasing import REDUCED_RATE, REDUCED_RATE_FAMILIES, PurchasingPlan

SELLER = next(username for username, _name, role, *_rest in data.USERS if role == "sales")
SELLABLE = (data.MERCH, data.FINISHED)
NEAR_EXPIRY_DAYS = 45  # items with a batch on hand expiring this soon are not sold here
REORDER_MARGIN = Decimal("1.2")  # what is shipped leaves at least this × the reorder point
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
ZERO = Decimal(0)

DRAFT, PENDING, CONFIRMED = OrderStatus.DRAFT, OrderStatus.PENDING, OrderStatus.CONFIRMED
PARTIAL, SHIPPED = OrderStatus.PARTIAL, OrderStatus.SHIPPED
CLOSED, CANCELLED = OrderStatus.CLOSED, OrderStatus.CANCELLED
STATUSES = (DRAFT, PENDING, CONFIRMED, PARTIAL, SHIPPED, CLOSED, CANCELLED)

FULL, PART, TWO = "full", "part", "two"  # one shipment of everything; a partial one; two deliveries
SCRAP, RESTOCK = "scrap", "restock"

# What each channel buys first (families); anything else sellable in the warehouse after these.
CHANNEL_FAMILIES = {
    "store": ("BWT", "BSD", "BTE", "BJC", "SNK", "DAI", "PAP", "CLN"),
    "ecommerce": ("SNK", "BJC", "BEN", "DAI", "CAR", "FIN"),
    "distribution": ("BWT", "BSD", "BTE", "BEN", "DAI", "GRN"),
    "wholesale": ("GRN", "BWT", "BSD", "SNK", "PAP"),
    "other": ("GRN", "DAI", "FIN", "BWT", "PAP", "FRZ"),
}
REFERENCE_PREFIX = {"store": "MD", "ecommerce": "DS", "distribution": "JX", "wholesale": "PF", "other": "TG"}


# -- price lists ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SalesPricePlan:
    sku: str
    level: str  # price level code
    unit: str  # the item's sales unit (its case, or the base unit)
    price: Decimal  # per unit, excluding tax
    breaks: tuple[tuple[Decimal, Decimal], ...] = ()  # (from quantity, price)


def build_sales_prices(plan: Plan, seed: str = SEED) -> tuple[SalesPricePlan, ...]:
    rng = random.Random(f"{seed}:sales-prices")
    costs = _costs()
    units = sales_units(plan)
    spread = Decimal(data.SALES_MARGIN_SPREAD)
    prices = []
    for item in plan.items:
        if item.item_type not in SELLABLE:
            continue
        unit, factor = units[item.sku]
        extra = spread * rng.randint(0, 100) / 100
        for level, markup in data.SALES_MARKUPS:
            price = _price(costs[item.sku] * factor * (Decimal(markup) + extra))
            breaks, last = [], price
            for qty, share in data.SALES_PRICE_BREAKS[level]:
                lower = _price(price * Decimal(share))
                if lower < last:
                    breaks.append((Decimal(qty), lower))
                    last = lower
            prices.append(SalesPricePlan(item.sku, level, unit, price, tuple(breaks)))
    return tuple(prices)


def _costs() -> dict[str, Decimal]:
    """sku -> cost per base unit (demo.data's families)."""
    return {
        f"{family.prefix}-{number:04d}": Decimal(row[2])
        for family in data.FAMILIES
        for number, row in enumerate(family.rows, start=1)
    }


def sales_units(plan: Plan) -> dict[str, tuple[str, Decimal]]:
    """sku -> (the unit it is sold in, base units per it): its case if sold by the case."""
    units = {item.sku: (item.base_unit, Decimal(1)) for item in plan.items}
    for unit in plan.item_units:
        if unit.is_sales_default:
            units[unit.sku] = (unit.unit, Decimal(unit.factor))
    return units


def _price(amount: Decimal) -> Decimal:
    """A list price as a sales clerk writes it: to the jiao from ten yuan up, else to the fen."""
    return amount.quantize(TENTH if amount >= 10 else CENT, rounding=ROUND_HALF_UP)


def _break_price(price: SalesPricePlan, qty: Decimal) -> Decimal:
    result = price.price
    for from_qty, lower in price.breaks:
        if qty >= from_qty:
            result = lower
    return result


# -- the plan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SalesLinePlan:
    sku: str
    unit: str
    qty: Decimal  # in `unit`
    factor: Decimal  # base units per `unit`
    price: Decimal  # what the customer's price level gives (the service prices the line itself)
    tax_rate: Decimal | None = None  # None: the default rate

    @property
    def base_qty(self) -> Decimal:
        return self.qty * self.factor


@dataclass(frozen=True)
class PickPlan:
    line: int  # index into the order's lines
    location: str  # a bin of the order's warehouse
    batch_no: str
    base_qty: Decimal


@dataclass(frozen=True)
class ShipmentPlan:
    posting_date: date
    proposal: tuple[PickPlan, ...]  # what the FEFO proposal offers: the order's reservations
    picks: tuple[PickPlan, ...]  # what ships (the proposal, or part of it)


@dataclass(frozen=True)
class ReturnPlan:
    shipment: int  # index into the order's shipments
    posting_date: date
    reason: str
    lines: tuple[tuple[int, Decimal], ...]  # (index into the shipment's picks, base quantity)
    restock: bool  # back into the bin it was picked from; else scrapped


@dataclass(frozen=True)
class SalesOrderPlan:
    status: str  # what the order ends as
    customer: str
    warehouse: str
    order_date: date
    requested_date: date | None
    reference: str  # the customer's purchase order number: unique in the plan
    lines: tuple[SalesLinePlan, ...]
    total: Decimal  # with tax, as order_set_lines computes it
    note: str = ""
    confirm: bool = True  # confirmed (False: left a draft, or cancelled as one)
    pending: bool = False  # over the credit limit when confirmed: waits for the manager
    approved_on: date | None = None
    shipments: tuple[ShipmentPlan, ...] = ()
    returns: tuple[ReturnPlan, ...] = ()
    ended_on: date | None = None  # cancelled or closed on
    end_note: str = ""


@dataclass(frozen=True)
class SalesPlan:
    orders: tuple[SalesOrderPlan, ...]
    stock_out: dict[str, Decimal]  # sku -> base units shipped less those taken back into stock


@dataclass(frozen=True)
class _Story:
    status: str
    customer: str
    warehouse: str
    ordered: int  # days before today
    lines: int
    value: int  # roughly, in yuan including tax
    ships: tuple[int, ...] = ()  # days after the order (or its approval) each shipment leaves
    split: str = FULL
    approve: int | None = None  # over the credit limit: days after the order the manager approves
    returned: str = ""  # SCRAP | RESTOCK: part of the first shipment comes back
    return_after: int = 1  # days after that shipment
    return_reason: str = ""
    end: int | None = None  # cancelled: days after the order; closed: after the last shipment
    requested: int = 3  # the delivery date the customer asks for, days after the order
    confirm: bool = True  # False: it stays a draft (or is cancelled as one)
    note: str = ""
    end_note: str = ""


STORIES = (
    _Story(SHIPPED, "K021", "SH01", 68, 4, 12000, ships=(2,), note="经销商季度备货"),
    _Story(CLOSED, "K004", "SH01", 64, 3, 5000, ships=(1,), end=12, end_note="货已送齐，客户签收无误，结案"),
    _Story(SHIPPED, "K016", "SH01", 60, 4, 8000, ships=(1,), returned=SCRAP, return_after=1,
           return_reason="运输途中外箱压损，客户拒收，报废处理"),
    _Story(SHIPPED, "K007", "SH01", 56, 3, 4000, ships=(1,)),
    _Story(SHIPPED, "K029", "SH01", 52, 3, 5000, ships=(0,), requested=0, note="客户自提"),
    _Story(CLOSED, "K022", "SH01", 48, 5, 14000, ships=(2,), split=PART, end=14,
           end_note="客户调整采购计划，余量不再发货，结案"),
    _Story(SHIPPED, "K011", "SH01", 45, 2, 2500, ships=(1,), approve=1,
           note="现款客户，货款已预付，请张总审批发货"),
    _Story(SHIPPED, "K005", "SZ01", 40, 2, 4000, ships=(2,), note="华东优选礼盒，苏州分仓直发"),
    _Story(SHIPPED, "K036", "SH01", 37, 4, 4000, ships=(1,), note="食堂月度采购"),
    _Story(SHIPPED, "K017", "SH01", 34, 3, 6000, ships=(1,), returned=RESTOCK, return_after=5,
           return_reason="团购活动取消，未拆封整箱退回，复检合格重新上架"),
    _Story(CANCELLED, "K003", "SH01", 30, 3, 5000, end=1, end_note="门店装修暂停营业，客户取消订单"),
    _Story(PARTIAL, "K018", "SH01", 27, 4, 7000, ships=(1,), split=PART, note="余量到货后补发"),
    _Story(SHIPPED, "K012", "SH01", 24, 3, 5000, ships=(2,)),
    _Story(SHIPPED, "K023", "SH01", 20, 5, 12000, ships=(1, 4), split=TWO, note="分两批送货"),
    _Story(PARTIAL, "K031", "SH01", 12, 3, 4000, ships=(1,), split=PART),
    _Story(CANCELLED, "K013", "SH01", 9, 2, 2000, end=0, confirm=False, end_note="重复录单，作废"),
    _Story(SHIPPED, "K026", "SH01", 8, 4, 7000, ships=(1,)),
    _Story(SHIPPED, "K008", "HZ01", 6, 3, 2500, ships=(1,), note="杭州前置仓配送"),
    _Story(PENDING, "K033", "SH01", 4, 2, 1500, note="现款客户，款到发货"),
    _Story(CONFIRMED, "K001", "SH01", 3, 3, 3000, requested=4),
    _Story(CONFIRMED, "K019", "HZ01", 1, 3, 3000, requested=2, note="直播活动备货"),
    _Story(DRAFT, "K030", "SH01", 0, 3, 3000, note="待客户确认品项"),
    _Story(DRAFT, "K037", "SH01", 0, 4, 9000, requested=10, note="年终员工福利，待客户确认数量"),
)  # fmt: skip


def build_sales(
    plan: Plan, history: History, purchasing: PurchasingPlan, today: date, seed: str = SEED
) -> SalesPlan:
    return _Planner(plan, history, purchasing, today, random.Random(f"{seed}:sales")).run()


def _path(code: str) -> str:
    """A bin's path as the location service builds it: zone/aisle/bin (A/A01/A01-03)."""
    aisle = code.split("-")[0]
    return f"{aisle[0]}/{aisle}/{code}"


def _release(reserved: dict, qty: Decimal, taken: dict, order) -> dict:
    """What shipping `qty` of a line releases of its reservations ({key: qty}), as
    inventory.services.reservations._release does: the reservations on the keys the shipment
    takes from first, each group latest expiry first, each as far as it goes — not by what is
    taken from each key, so a part of a line taken from two reservations would release the
    second one whole and leave the first reserved beyond what is left of it."""
    keys = sorted(reserved, key=order, reverse=True)
    keys = [k for k in keys if taken.get(k, ZERO) > 0] + [k for k in keys if taken.get(k, ZERO) <= 0]
    released = {}
    for key in keys:
        amount = min(reserved[key], qty)
        if amount <= 0:
            continue
        released[key] = amount
        qty -= amount
    return released


class _Planner:
    def __init__(self, plan: Plan, history: History, purchasing: PurchasingPlan, today: date, rng):
        self.rng = rng
        self.today = today
        self.items = {p.sku: p for p in plan.items}
        self.factors = {(u.sku, u.unit): Decimal(u.factor) for u in plan.item_units}
        self.customers = {c.code: c for c in plan.customers}
        self.prices = {(p.sku, p.level): p for p in build_sales_prices(plan)}
        self.units = sales_units(plan)
        self.batches = {(b.sku, b.batch_no): b for b in (*history.batches, *purchasing.batches)}
        # key: (sku, warehouse, bin, batch no)
        self.events: dict[tuple, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        self.on_hand: dict[tuple, Decimal] = defaultdict(Decimal)  # as the posting finds it, step by step
        self.keys: dict[tuple[str, str], set] = defaultdict(set)  # (sku, warehouse) -> keys
        self._replay(history, purchasing)
        self.total: dict[str, Decimal] = defaultdict(Decimal)  # sku -> on hand today, all warehouses
        for key, qty in self.on_hand.items():
            self.total[key[0]] += qty
        expected = {sku: qty + purchasing.stock_in.get(sku, ZERO) for sku, qty in history.on_hand.items()}
        if {sku: self.total.get(sku, ZERO) for sku in expected} != expected:
            raise AssertionError("the replayed history does not end where the history says")
        self.excluded = self._excluded(history)
        self.reserved: dict[tuple, Decimal] = defaultdict(Decimal)
        self.reservations: dict[tuple[int, int], dict] = {}  # (order, line) -> {key: qty}
        self.shipped: dict[str, Decimal] = defaultdict(Decimal)  # sku -> planned shipped less restocked
        self.used: dict[str, int] = defaultdict(int)  # sku -> lines it is on, to spread the orders

    # -- what was where, when ----------------------------------------------------------------

    def _base(self, sku: str, unit: str, qty: Decimal) -> Decimal:
        return qty if unit == self.items[sku].base_unit else qty * self.factors[(sku, unit)]

    def _move(self, key: tuple, day: date, qty: Decimal) -> None:
        self.events[key][day] += qty
        self.on_hand[key] += qty
        self.keys[(key[0], key[1])].add(key)

    def _replay(self, history: History, purchasing: PurchasingPlan) -> None:
        def apply(doc, day, sign):
            for line in doc.lines:
                qty = sign * self._base(line.sku, line.unit, line.qty)
                here = (line.sku, *line.location, line.batch_no)
                if doc.kind in ("receipt", "gain"):
                    self._move(here, day, qty)
                elif doc.kind in ("issue", "loss"):
                    self._move(here, day, -qty)
                elif doc.kind == "transfer":
                    self._move(here, day, -qty)
                    self._move((line.sku, *line.to_location, line.batch_no), day, qty)

        for doc in history.documents:
            if doc.action == REVERSE:
                apply(history.documents[doc.reverses], doc.posting_date, -1)
            elif doc.action in (POST, APPROVE):
                apply(doc, doc.posting_date, 1)
        for order in purchasing.orders:
            for receipt in order.receipts:
                for row in receipt.lines:
                    line = order.lines[row.line]
                    key = (line.sku, order.warehouse, line.location, row.batch_no)
                    self._move(key, receipt.posting_date, row.accepted * line.factor)
            for ret in order.returns:
                receipt = order.receipts[ret.receipt]
                for n, qty in ret.lines:
                    row = next(r for r in receipt.lines if r.line == n)
                    line = order.lines[n]
                    key = (line.sku, order.warehouse, line.location, row.batch_no)
                    self._move(key, ret.posting_date, -qty * line.factor)

    def _excluded(self, history: History) -> set[str]:
        """Items not to sell: on a document still waiting (a draft, a write-off awaiting
        approval), in the returns zone, or with a batch on hand close to or past its expiry."""
        excluded = {
            line.sku
            for doc in history.documents
            if doc.action not in (POST, APPROVE, REVERSE)
            for line in doc.lines
        }
        soon = self.today + timedelta(days=NEAR_EXPIRY_DAYS)
        for key, qty in self.on_hand.items():
            if qty <= 0:
                continue
            sku, wh, location, batch_no = key
            expiry = self._expiry(key)
            if (wh == "SH01" and location in RETURNS_BINS) or (expiry and expiry <= soon):
                excluded.add(sku)
        return excluded

    def _expiry(self, key: tuple) -> date | None:
        batch = self.batches.get((key[0], key[3])) if key[3] else None
        return batch.expiry_date if batch else None

    def _fefo(self, key: tuple):
        """The reservation service's order: first expiry (none last), first received, bin path."""
        batch = self.batches.get((key[0], key[3])) if key[3] else None
        expiry = batch.expiry_date if batch else None
        received = batch.received_on if batch else None
        return (
            expiry is None,
            expiry or date.min,
            received is None,
            received or date.min,
            _path(key[2]),
            key[3],
        )

    def _proposal_order(self, key: tuple):
        """The order pick_proposal lists a line's reservations in."""
        return (self._expiry(key) or date.max, _path(key[2]))

    def _floor(self, key: tuple, since: date) -> Decimal:
        """The least the key held at the end of any day from the day before `since` on."""
        cut = since - timedelta(days=1)
        running, low = ZERO, None
        for day, qty in sorted(self.events[key].items()):
            if day > cut and low is None:
                low = running
            running += qty
            if day > cut:
                low = min(low, running)
        return running if low is None else low

    def _available(self, key: tuple) -> Decimal:
        """What the reservation service would offer of the key today."""
        expiry = self._expiry(key)
        if expiry is not None and expiry < self.today:
            return ZERO
        if not key[3] and self.items[key[0]].tracking != data.NONE:
            return ZERO
        return max(ZERO, self.on_hand[key] - self.reserved[key])

    # -- the stories ---------------------------------------------------------------------------

    def run(self) -> SalesPlan:
        stories = STORIES
        skeletons = [self._skeleton(n, story) for n, story in enumerate(stories)]
        steps = []
        for n, (story, sk) in enumerate(zip(stories, skeletons, strict=True)):
            steps.append((sk["order_date"], 0, n, 0))
            if sk["approved_on"]:
                steps.append((sk["approved_on"], 1, n, 0))
            steps += [(day, 2, n, k) for k, day in enumerate(sk["ship_days"])]
            if story.returned:
                steps.append((sk["return_day"], 3, n, 0))
            if sk["ended_on"]:
                steps.append((sk["ended_on"], 4, n, 0))
        steps.sort()
        for _day, kind, n, k in steps:
            story, sk = stories[n], skeletons[n]
            if kind == 0:
                if sk["approved_on"] is None:
                    self._choose(n, story, sk, reserve=sk["confirm"] and not sk["pending"])
            elif kind == 1:
                self._choose(n, story, sk, reserve=True)
            elif kind == 2:
                self._ship(n, sk, k)
            elif kind == 3:
                self._take_back(n, sk)
            else:
                self._end(n)
        for key, held in self.reserved.items():
            if held < 0 or held > self.on_hand[key]:
                raise AssertionError(
                    f"the sales plan reserves {held} of {key}, which holds {self.on_hand[key]}"
                )
        orders = tuple(self._order_plan(story, sk) for story, sk in zip(stories, skeletons, strict=True))
        return SalesPlan(orders, {sku: qty for sku, qty in sorted(self.shipped.items()) if qty})

    def _weekday(self, day: date) -> date:
        """Goods leave Monday to Saturday, never after today."""
        if day.weekday() == 6:
            day += timedelta(days=1)
        if day > self.today:
            day = self.today if self.today.weekday() != 6 else self.today - timedelta(days=1)
        return day

    def _skeleton(self, n: int, story: _Story) -> dict:
        """The story's dates, reference and credit situation (the lines come later)."""
        rng = self.rng
        customer = self.customers[story.customer]
        order_date = self.today - timedelta(days=story.ordered)
        confirm = story.confirm and story.status != DRAFT
        pending = confirm and (story.approve is not None or customer.credit_limit <= 0)
        approved_on = order_date + timedelta(days=story.approve) if story.approve is not None else None
        start = approved_on or order_date
        ship_days = [self._weekday(start + timedelta(days=d)) for d in story.ships]
        return_day = None
        if story.returned:
            return_day = min(self.today, ship_days[0] + timedelta(days=story.return_after))
        ended_on = None
        if story.status == CANCELLED:
            ended_on = min(self.today, order_date + timedelta(days=story.end))
        elif story.status == CLOSED:
            ended_on = min(self.today, ship_days[-1] + timedelta(days=story.end))
        prefix = REFERENCE_PREFIX[customer.channel]
        return {
            "order_date": order_date,
            "requested_date": order_date + timedelta(days=story.requested),
            "reference": f"{prefix}{order_date:%y%m%d}{rng.randint(100, 999)}",
            "confirm": confirm,
            "pending": pending,
            "approved_on": approved_on,
            "ship_days": ship_days,
            "return_day": return_day,
            "ended_on": ended_on,
            "lines": [],
            "shipments": [],  # per shipment: (proposal, picks) as lists of (line, key, qty)
            "returns": [],
        }

    def _candidates(self, story: _Story) -> list[str]:
        customer = self.customers[story.customer]
        level = customer.price_level
        preferred = CHANNEL_FAMILIES[customer.channel]
        skus = sorted(
            {
                sku
                for (sku, wh) in self.keys
                if wh == story.warehouse
                and sku not in self.excluded
                and self.items[sku].item_type in SELLABLE
                and (sku, level) in self.prices
            }
        )
        ranked = [
            (sku.split("-")[0] not in preferred, self.used[sku], self.rng.random(), sku) for sku in skus
        ]
        return [row[-1] for row in sorted(ranked)]

    def _choose(self, n: int, story: _Story, sk: dict, *, reserve: bool) -> None:
        """Pick the order's lines: items of the warehouse the customer's channel buys, in whole
        sales units, each worth about its share of the order; for an order that reserves, only
        what the reservation takes can also ship on the planned days."""
        rng = self.rng
        customer = self.customers[story.customer]
        lines: list[SalesLinePlan] = []
        for sku in self._candidates(story):
            if len(lines) == story.lines:
                break
            i = len(lines)
            unit, factor = self.units[sku]
            price = self.prices[(sku, customer.price_level)]
            rate = REDUCED_RATE if sku.split("-")[0] in REDUCED_RATE_FAMILIES else None
            value = Decimal(story.value)
            spread = (0.7, 1.3)
            if sk["pending"] and customer.credit_limit > 0:  # it must need the manager
                value, spread = max(value, customer.credit_limit * Decimal("1.25")), (1.0, 1.3)
            gross = value / story.lines * Decimal(str(round(rng.uniform(*spread), 2)))
            net = gross / (1 + (rate or settings.PURCHASE_DEFAULT_TAX_RATE) / 100)
            wanted = max(Decimal(1), (net / price.price).to_integral_value(rounding=ROUND_HALF_UP))
            smallest = Decimal(2) if story.split == PART and i == story.lines - 1 else Decimal(1)
            room = self.total[sku] - self.shipped[sku] - REORDER_MARGIN * self.items[sku].reorder_point
            top = (room / factor).to_integral_value(rounding=ROUND_DOWN)
            on_hand = sum((self._available(k) for k in self.keys[(sku, story.warehouse)]), ZERO)
            top = min(top, (on_hand / factor).to_integral_value(rounding=ROUND_DOWN))
            tries = sorted(
                {q for q in (wanted, wanted * 2 / 3, wanted / 2, wanted / 3, smallest) if q >= smallest},
                reverse=True,
            )
            for qty in tries:
                qty = min(qty.to_integral_value(rounding=ROUND_HALF_UP), top)
                if qty < smallest:
                    continue
                line = SalesLinePlan(sku, unit, qty, factor, _break_price(price, qty), rate)
                if i == story.lines - 1 and not _float_safe([*lines, line]):
                    continue
                if not reserve or self._reserve(n, i, line, story, sk):
                    lines.append(line)
                    self.used[sku] += 1
                    break
        if len(lines) < story.lines:
            raise AssertionError(f"{story.customer}: too few items to sell from {story.warehouse}")
        sk["lines"] = lines
        total = _total(lines)
        over = total > customer.credit_limit
        if sk["confirm"] and over != sk["pending"]:
            raise AssertionError(
                f"{story.customer}: an order of {total} against a limit of {customer.credit_limit}"
            )

    def _reserve(self, n: int, i: int, line: SalesLinePlan, story: _Story, sk: dict) -> bool:
        """Reserve the line as the service would; keep it if every planned shipment of it can take
        its picks from stock that was there since the day before (and stays enough after)."""
        wanted = left = line.base_qty
        reserved = {}
        for key in sorted(self.keys[(line.sku, story.warehouse)], key=self._fefo):
            if left <= 0:
                break
            take = min(self._available(key), left)
            if take > 0:
                reserved[key] = take
                left -= take
        if left > 0:
            return False
        # the line's part of each shipment, and what its proposal and picks are then
        shares = self._shares(story, i, line)
        schedule, holding = [], dict(reserved)
        for day, qty in zip(sk["ship_days"], shares, strict=True):
            proposal = [(k, holding[k]) for k in sorted(holding, key=self._proposal_order) if holding[k] > 0]
            if qty <= 0:
                schedule.append((day, proposal, []))
                continue
            first_key, first_qty = proposal[0]
            if qty < wanted and qty != sum(q for _k, q in proposal):
                # a part of the line, out of its first reservation only: shipping a part that
                # spans two reservations would have the service release the wrong one (_release)
                if qty > first_qty:
                    qty = (first_qty / line.factor).to_integral_value(
                        rounding=ROUND_DOWN
                    ) * line.factor or first_qty
                picks = [(first_key, qty)]
            else:
                picks = proposal
            shipped = sum((q for _k, q in picks), ZERO)
            for key, amount in _release(holding, shipped, dict(picks), self._fefo).items():
                holding[key] -= amount
            schedule.append((day, proposal, picks))
        # stock history: every pick must have been there the evening before, and after
        added = []
        for day, _proposal, picks in schedule:
            for key, qty in picks:
                self.events[key][day - timedelta(days=1)] -= qty
                added.append((key, day - timedelta(days=1), qty))
        if any(self._floor(key, day + timedelta(days=1)) < 0 for key, day, _qty in added):
            for key, day, qty in added:
                self.events[key][day] += qty
            return False
        for key, qty in reserved.items():
            self.reserved[key] += qty
        self.reservations[(n, i)] = reserved
        sk.setdefault("schedule", {})[i] = schedule
        for _day, _proposal, picks in schedule:
            self.shipped[line.sku] += sum((q for _k, q in picks), ZERO)
        return True

    def _shares(self, story: _Story, i: int, line: SalesLinePlan) -> list[Decimal]:
        """Base units of line i in each planned shipment."""
        count = len(story.ships)
        if not count:
            return []
        if story.split == TWO:
            return [ZERO, line.base_qty] if i == story.lines - 1 else [line.base_qty, ZERO]
        if story.split == PART:
            if story.lines >= 4 and i == 0:
                return [ZERO]  # nothing of this one yet
            if i == story.lines - 1:
                part = max(Decimal(1), (line.qty * Decimal("0.6")).to_integral_value(rounding=ROUND_DOWN))
                return [min(part, line.qty - 1) * line.factor]
        return [line.base_qty] + [ZERO] * (count - 1)

    def _ship(self, n: int, sk: dict, k: int) -> None:
        """Post shipment k: its picks leave stock and release the lines' reservations."""
        proposal, picks = [], []
        for i, schedule in sorted(sk["schedule"].items()):
            _day, offered, taken = schedule[k]
            proposal += [(i, key, qty) for key, qty in offered]
            picks += [(i, key, qty) for key, qty in taken]
            shipped = sum((q for _k, q in taken), ZERO)
            if not shipped:
                continue
            held = self.reservations[(n, i)]
            for key, amount in _release(held, shipped, dict(taken), self._fefo).items():
                held[key] -= amount
                self.reserved[key] -= amount
            for key, qty in taken:
                self.on_hand[key] -= qty
                if self.on_hand[key] < self.reserved[key]:
                    raise AssertionError(f"shipping {key} leaves less than is reserved")
        sk["shipments"].append((proposal, picks))

    def _take_back(self, n: int, sk: dict) -> None:
        """The largest pick of the first shipment: a case or two come back (whole cases)."""
        story = STORIES[n]
        _proposal, picks = sk["shipments"][0]
        index, (i, key, qty) = max(enumerate(picks), key=lambda p: (p[1][2], -p[0]))
        factor = sk["lines"][i].factor
        back = min(qty, factor * (2 if story.returned == RESTOCK else 1))
        if story.returned == RESTOCK:
            self.on_hand[key] += back
            self.events[key][sk["return_day"] + timedelta(days=1)] += back  # counted from the next day
            self.shipped[key[0]] -= back
        sk["returns"].append((index, back))

    def _end(self, n: int) -> None:
        """Cancelled or closed: what the order still holds reserved is given back."""
        for (order, _i), held in self.reservations.items():
            if order != n:
                continue
            for key, qty in held.items():
                self.reserved[key] -= qty
                held[key] = ZERO

    def _order_plan(self, story: _Story, sk: dict) -> SalesOrderPlan:
        lines = sk["lines"]

        def picks(rows):
            return tuple(PickPlan(i, key[2], key[3], qty) for i, key, qty in rows)

        shipments = tuple(
            ShipmentPlan(day, picks(proposal), picks(taken))
            for day, (proposal, taken) in zip(sk["ship_days"], sk["shipments"], strict=True)
        )
        returns = ()
        if story.returned:
            returns = (
                ReturnPlan(
                    0, sk["return_day"], story.return_reason, tuple(sk["returns"]), story.returned == RESTOCK
                ),
            )
        return SalesOrderPlan(
            status=story.status,
            customer=story.customer,
            warehouse=story.warehouse,
            order_date=sk["order_date"],
            requested_date=sk["requested_date"],
            reference=sk["reference"],
            lines=tuple(lines),
            total=_total(lines),
            note=story.note,
            confirm=sk["confirm"],
            pending=sk["pending"],
            approved_on=sk["approved_on"],
            shipments=shipments,
            returns=returns,
            ended_on=sk["ended_on"],
            end_note=story.end_note,
        )


def _amounts(lines) -> tuple[Decimal, Decimal]:
    """The order's amount excluding tax and its tax, as order_set_lines computes them."""
    net = tax = ZERO
    for line in lines:
        amount = (line.qty * line.price).quantize(CENT, rounding=ROUND_HALF_UP)
        rate = settings.PURCHASE_DEFAULT_TAX_RATE if line.tax_rate is None else line.tax_rate
        net += amount
        tax += (amount * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return net, tax


def _total(lines) -> Decimal:
    return sum(_amounts(lines))


def _float_safe(lines) -> bool:
    """Whether SQLite accepts the order's totals: it keeps decimals as floating point numbers, and
    its check that total = amount + tax fails when the two floats do not add up to the third
    exactly (3281.20 + 318.35 ≠ 3599.55); PostgreSQL adds them up exactly."""
    net, tax = _amounts(lines)
    return float(net) + float(tax) == float(net + tax)


# -- writing it ----------------------------------------------------------------------------------


def post_sales(plan: SalesPlan) -> dict[str, int]:
    """Create the planned orders, shipments and returns through the sales services, in date order,
    as the sales clerk, the manager and the warehouses' clerks, with the site's language active.
    Each shipment starts from the service's FEFO proposal, which must be what the plan expects.
    Returns how many orders end in each status, plus "shipments" and "returns"."""
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in={SELLER, MANAGER, *CLERK.values()})}
    customers = {c.code: c for c in Customer.objects.filter(code__in={o.customer for o in plan.orders})}
    warehouses = {w.code: w for w in Warehouse.objects.all()}
    locations = {
        (wh, code): pk for wh, code, pk in Location.objects.values_list("warehouse__code", "code", "pk")
    }
    units = dict(Unit.objects.values_list("code", "pk"))
    skus = {line.sku for o in plan.orders for line in o.lines}
    items = Item.objects.in_bulk(skus, field_name="sku")
    batches = {
        (sku, batch_no): pk
        for sku, batch_no, pk in Batch.objects.filter(item__sku__in=skus).values_list(
            "item__sku", "batch_no", "pk"
        )
    }
    steps = []
    for n, order in enumerate(plan.orders):
        steps.append((order.order_date, 0, n, 0))
        if order.approved_on:
            steps.append((order.approved_on, 1, n, 0))
        steps += [(s.posting_date, 2, n, k) for k, s in enumerate(order.shipments)]
        steps += [(r.posting_date, 3, n, k) for k, r in enumerate(order.returns)]
        if order.ended_on:
            steps.append((order.ended_on, 4, n, 0))
    steps.sort()
    orders: dict[int, SalesOrder] = {}
    line_ids: dict[int, list[int]] = {}
    shipments: dict[tuple[int, int], int] = {}
    counts: dict[str, int] = defaultdict(int)
    with translation.override(settings.LANGUAGE_CODE):
        for day, kind, n, k in steps:
            planned = plan.orders[n]
            seller = users[SELLER]
            if kind == 0:
                order = order_create(
                    customer=customers[planned.customer],
                    warehouse=warehouses[planned.warehouse],
                    user=seller,
                    order_date=day,
                    requested_date=planned.requested_date,
                    reference=planned.reference,
                    note=planned.note,
                )
                order = order_set_lines(
                    order_id=order.pk,
                    user=seller,
                    lines=[
                        SalesLineInput(
                            item=items[line.sku],
                            unit_id=units[line.unit],
                            qty=line.qty,
                            tax_rate=line.tax_rate,
                        )
                        for line in planned.lines
                    ],
                )
                if order.total != planned.total:
                    raise AssertionError(f"{order.number} totals {order.total}, planned {planned.total}")
                line_ids[n] = list(order.lines.order_by("pk").values_list("pk", flat=True))
                if planned.confirm:
                    order = order_confirm(order_id=order.pk, user=seller)
                    if order.status != (PENDING if planned.pending else CONFIRMED):
                        raise AssertionError(f"{order.number} is {order.status}, not as planned")
                orders[n] = order
            elif kind == 1:
                orders[n] = order_approve(order_id=orders[n].pk, user=users[MANAGER])
            elif kind == 2:
                shipment = planned.shipments[k]
                clerk = users[CLERK[planned.warehouse]]
                made = shipment_create(order_id=orders[n].pk, user=clerk, posting_date=day, propose=True)
                ids = (line_ids[n], locations, batches)
                proposed = sorted(
                    made.lines.values_list("order_line_id", "location_id", "batch_id", "base_qty")
                )
                if proposed != _rows(planned, shipment.proposal, *ids):
                    raise AssertionError(f"{made.number}: the FEFO proposal is not what the plan expects")
                if shipment.picks != shipment.proposal:  # a partial shipment: the rest waits
                    shipment_set_picks(
                        shipment_id=made.pk,
                        user=clerk,
                        picks=[
                            PickInput(line, loc, qty, batch)
                            for line, loc, batch, qty in _rows(planned, shipment.picks, *ids)
                        ],
                    )
                shipment_post(shipment_id=made.pk, user=clerk)
                shipments[(n, k)] = made.pk
                counts["shipments"] += 1
            elif kind == 3:
                ret = planned.returns[k]
                shipment = planned.shipments[ret.shipment]
                shipped = {
                    (line, loc, batch): pk
                    for pk, line, loc, batch in orders[n]
                    .shipments.get(pk=shipments[(n, ret.shipment)])
                    .lines.values_list("pk", "order_line_id", "location_id", "batch_id")
                }
                lines = []
                for index, qty in ret.lines:
                    pick = shipment.picks[index]
                    location = locations[(planned.warehouse, pick.location)]
                    batch = batches[(planned.lines[pick.line].sku, pick.batch_no)] if pick.batch_no else None
                    lines.append(
                        ReturnLineInput(
                            shipped[(line_ids[n][pick.line], location, batch)],
                            qty,
                            restock=ret.restock,
                            location_id=location if ret.restock else None,
                        )
                    )
                return_post(
                    shipment_id=shipments[(n, ret.shipment)],
                    user=seller,
                    reason=ret.reason,
                    lines=lines,
                    posting_date=day,
                )
                counts["returns"] += 1
            elif planned.status == CANCELLED:
                order_cancel(order_id=orders[n].pk, user=seller, note=planned.end_note)
            else:
                order_close(order_id=orders[n].pk, user=seller, note=planned.end_note)
    for status in SalesOrder.objects.filter(pk__in=[o.pk for o in orders.values()]).values_list(
        "status", flat=True
    ):
        counts[status] += 1
    return dict(counts)


def _rows(order: SalesOrderPlan, picks, line_ids: list[int], locations: dict, batches: dict) -> list[tuple]:
    """Planned picks as (order line id, location id, batch id, base quantity), sorted."""
    return sorted(
        (
            line_ids[p.line],
            locations[(order.warehouse, p.location)],
            batches[(order.lines[p.line].sku, p.batch_no)] if p.batch_no else None,
            p.base_qty,
        )
        for p in picks
    )
