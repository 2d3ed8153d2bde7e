"""A year of stock movements for the demo company, ending today: opening stock, supplier
deliveries, store deliveries and production issues, transfers between bins and warehouses,
customer returns, write-offs and stock gains approved by the manager, and two reversals.

build_history(plan, today) is pure, like demo.catalog: from the catalogue plan, a fixed seed and
today's date it simulates the three warehouses day by day, keeping every item × location × batch
quantity, so no document ever takes more than is there, and returns the documents to create (in
posting order) and the batches they receive. post_history() writes them through the document
services (document_create, document_set_lines, document_post, document_submit, document_approve,
document_reverse); nothing here writes moves, balances or valuations.

The story, per item: a preferred supplier delivers on its weekday when the item's stock across
the warehouses has fallen to the reorder point, up to the maximum; stores (上海总仓, 杭州前置仓)
and the workshops (苏州分仓) take it out in cases; 杭州前置仓 is topped up from 上海总仓 every
Tuesday and own-brand goods made in 苏州 go to 上海 every Thursday. A tenth of the items stop
being reordered a month before today and are taken down below their safety stock at the end, a
twentieth run out, so the stock alerts have something to show. Customer returns wait in
上海总仓's returns zone (退货区) for the monthly write-off; the last ones, two of them already past
their expiry date, are still there, with a write-off awaiting the manager's approval."""

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model

from inventory.exceptions import InsufficientStock
from inventory.models import Item, Location, Unit, Warehouse
from inventory.services import (
    LineInput,
    document_approve,
    document_cancel,
    document_create,
    document_post,
    document_receive,
    document_reverse,
    document_set_lines,
    document_submit,
)

from . import data
from .catalog import BatchPlan, Plan

DAYS = 365  # a year; the history starts on the Monday before today − DAYS
CLERK = {"SH01": "wangqiang", "SZ01": "wangqiang", "HZ01": "zhaomin"}
MANAGER = "zhang"
RETURNS_BINS = ("R01-01", "R01-02", "R01-03", "R01-04")  # 上海总仓 退货区
OUT_OF_STOCK_ITEMS = 15  # items that run out at the end
LOW_ITEMS = 30  # items that end below their safety stock

POST, APPROVE, SUBMIT, DRAFT, REVERSE = "post", "approve", "submit", "draft", "reverse"

CENT = Decimal("0.01")
TEN_THOUSANDTH = Decimal("0.0001")
MILLIONTH = Decimal("0.000001")

# Where each family is kept: (warehouse, zone) of the item's home; own-brand goods are made in
# 苏州 and sold from 上海 (a second, downstream place).
HOME = {
    "DAF": ("SH01", "C"), "FRZ": ("SH01", "C"),
    "RAW": ("SZ01", "A"), "SEM": ("SZ01", "A"), "FIN": ("SZ01", "A"),
    "PKC": ("SZ01", "P"), "PKF": ("SZ01", "P"), "PKL": ("SZ01", "P"),
    "BRG": ("SZ01", "S"), "DRV": ("SZ01", "S"), "ELC": ("SZ01", "S"), "FLT": ("SZ01", "S"),
    "SAF": ("SZ01", "S"),
}  # fmt: skip
DEFAULT_HOME = ("SH01", "A")
FRONT_FAMILIES = ("BWT", "BSD", "BTE", "BJC", "BEN", "SNK", "DAI", "GRN")  # also kept in 杭州
FRONT_ITEMS, FRONT_FROZEN_ITEMS = 22, 4
FRONT_SHARE = 0.3  # of the item's demand

# Days from one delivery to the next (the stock cycle) and between two issues of an item; fresh
# milk is sold within FRESH_DAYS of its delivery at the latest.
FAST = {"BWT", "BSD", "BTE", "DAI", "BEN", "BJC", "SNK", "GRN", "FRZ"}
SLOW = {"BRG", "DRV", "ELC", "FLT", "SAF", "PKF", "PKL"}
FRESH_DAYS = 12
CYCLE = {"fast": 120, "normal": 150, "slow": 200}
INTERVAL = {"fresh": 7, "fast": 40, "normal": 50, "slow": 70}

# Why a workshop takes goods out (苏州分仓), and on which weekdays (Monday = 0).
PURPOSE = {
    "RAW": "production", "SEM": "production",
    "PKC": "packing", "PKF": "packing", "PKL": "packing",
    "BRG": "maintenance", "DRV": "maintenance", "ELC": "maintenance", "FLT": "maintenance",
    "SAF": "safety",
}  # fmt: skip
ISSUE_DAYS = {  # (warehouse, purpose) -> (weekdays, every n-th week)
    ("SH01", "sales"): ({0, 1, 2, 3, 4, 5}, 1),
    ("HZ01", "sales"): ({0, 3}, 1),
    ("SZ01", "production"): ({0}, 1),
    ("SZ01", "packing"): ({1}, 2),
    ("SZ01", "maintenance"): ({3}, 2),
    ("SZ01", "safety"): ({2}, 4),
}
# Food suppliers deliver every week (fresh milk twice); the others every other week.
DELIVERY_WEEKS = dict.fromkeys(
    ("S004", "S005", "S006", "S007", "S008", "S009", "S012", "S013", "S015", "S016"), 2
)
JOINT_ORDER = Decimal("0.4")  # share of (maximum − reorder point) above it that is ordered along
PRODUCTION_DAY, FRONT_TOPUP_DAY, FINISHED_TRANSFER_DAY = 2, 1, 3
SALES_CHANNELS = (  # (deliveries worth less than this many yuan, go to these channels)
    (Decimal(5000), ("store", "other")),
    (Decimal(12000), ("wholesale", "ecommerce")),
    (Decimal("Infinity"), ("distribution", "ecommerce")),
)
CHANNEL_WORD = {
    "store": "门店配送",
    "ecommerce": "电商出库",
    "distribution": "经销商发货",
    "wholesale": "批发出库",
    "other": "团购出库",
}


@dataclass(frozen=True)
class LinePlan:
    """A document line as a clerk enters it: quantity in `unit`, batch by number."""

    sku: str
    location: tuple[str, str]  # (warehouse code, location code)
    unit: str
    qty: Decimal
    batch_no: str = ""
    unit_cost: Decimal | None = None  # per `unit`
    to_location: tuple[str, str] | None = None


@dataclass(frozen=True)
class DocPlan:
    kind: str
    warehouse: str
    posting_date: date
    user: str
    lines: tuple[LinePlan, ...] = ()
    reference: str = ""
    reason: str = ""
    note: str = ""
    to_warehouse: str | None = None
    action: str = POST  # post | approve (submit, then the manager approves) | submit | draft | reverse
    approver: str = ""
    reverses: int | None = None  # action reverse: index of the document in History.documents


@dataclass(frozen=True)
class History:
    start: date
    documents: tuple[DocPlan, ...]
    batches: tuple[BatchPlan, ...]
    on_hand: dict[str, Decimal]  # sku -> quantity on hand at the end, in base units


def build_history(plan: Plan, today: date, seed: str = "huadong-2026") -> History:
    return _Simulation(plan, today, random.Random(f"{seed}:history")).run()


# -- the simulation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    sku: str
    family: str
    tracking: str
    shelf_life: int | None
    base: str
    safety: Decimal
    reorder: Decimal
    maximum: Decimal
    cost: Decimal  # per base unit, what it costs to make or buy (demo.data)
    sale_unit: str
    sale_factor: Decimal
    buy_unit: str
    buy_factor: Decimal
    buy_step: Decimal  # smallest order, in base units
    supplier: str | None  # None: made in house
    price: Decimal | None  # the preferred supplier's price per buy unit
    breaks: tuple[tuple[Decimal, Decimal], ...]

    @property
    def pace(self) -> str:
        if self.family == "DAF":
            return "fresh"
        return "fast" if self.family in FAST else "slow" if self.family in SLOW else "normal"


@dataclass
class _Point:
    """Where an item is kept in one warehouse, how fast it goes out there and where it comes from."""

    item: _Item
    warehouse: str
    zone: str
    location: str
    rate: float  # base units a day
    interval: float  # days between issues
    upstream: "_Point | None" = None  # topped up by transfers from there; else received
    target_days: int = 0  # a top-up fills this many days of demand …
    trigger_days: int = 0  # … when fewer are left
    next_issue: date = date.min
    purpose: str = "sales"


@dataclass
class _Returned:
    """Goods in the returns zone, waiting to be written off (damaged, expired) or put back."""

    sku: str
    location: str
    batch: str
    qty: Decimal
    flag: str  # damaged | expired | resale
    since: date


@dataclass
class _State:
    stock: dict = field(default_factory=lambda: defaultdict(dict))  # (sku, wh, loc) -> {batch: qty}
    batches: dict = field(default_factory=dict)  # (sku, batch_no) -> BatchPlan
    last_cost: dict = field(default_factory=dict)  # sku -> cost per base unit of the last receipt
    issued: list = field(default_factory=list)  # (date, sku, batch, qty) issued by 上海总仓 to customers
    returned: list = field(default_factory=list)  # _Returned


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT if amount >= 1 else TEN_THOUSANDTH, rounding=ROUND_HALF_UP)


def _steps(quantity: float, step: Decimal, *, up: bool = False) -> Decimal:
    """A quantity in whole steps (cases), at least one."""
    count = quantity / float(step)
    return step * max(1, math.ceil(count - 1e-9) if up else round(count))


def _days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


class _Simulation:
    def __init__(self, plan: Plan, today: date, rng: random.Random):
        self.rng = rng
        self.today = today
        first = today - timedelta(days=DAYS)
        self.start = first - timedelta(days=first.weekday())
        self.state = _State()
        self.documents: list[DocPlan] = []
        self.items = self._items(plan)
        self.bins = self._bins()
        self.points = self._points()
        self.points_of: dict[str, list[_Point]] = defaultdict(list)
        for point in self.points:
            self.points_of[point.item.sku].append(point)
        self.suppliers = {code: name for code, name, *_rest in data.SUPPLIERS}
        self.category_root = {f.prefix: f.category.split("-")[0] for f in data.FAMILIES}
        self.delivery_days = self._delivery_days()
        self.customers = self._customers()
        self._endings()

    # -- set-up --------------------------------------------------------------------------------

    def _items(self, plan: Plan) -> dict[str, _Item]:
        cost = {}
        for family in data.FAMILIES:
            for number, row in enumerate(family.rows, start=1):
                cost[f"{family.prefix}-{number:04d}"] = Decimal(row[2])
        case = {}
        for unit in plan.item_units:
            case.setdefault(unit.sku, unit)  # the case comes first, extra packs (提) after it
        preferred = {si.sku: si for si in plan.supplier_items if si.is_preferred}
        items = {}
        for p in plan.items:
            c = case.get(p.sku)
            sale_unit, sale_factor = (c.unit, c.factor) if c and c.is_sales_default else (p.base_unit, 1)
            si = preferred.get(p.sku)
            if si is not None:
                buy_unit, price, breaks = si.unit, si.price, si.breaks
                buy_factor = c.factor if c and si.unit == c.unit else Decimal(1)
                buy_step = buy_factor * si.pack_qty
            else:
                buy_unit, buy_factor = (c.unit, c.factor) if c and c.is_purchase_default else (p.base_unit, 1)
                buy_step, price, breaks = buy_factor, None, ()
            items[p.sku] = _Item(
                sku=p.sku,
                family=p.sku.split("-")[0],
                tracking=p.tracking,
                shelf_life=p.shelf_life_days,
                base=p.base_unit,
                safety=p.safety_stock,
                reorder=p.reorder_point,
                maximum=p.max_stock,
                cost=cost[p.sku],
                sale_unit=sale_unit,
                sale_factor=Decimal(sale_factor),
                buy_unit=buy_unit,
                buy_factor=Decimal(buy_factor),
                buy_step=Decimal(buy_step),
                supplier=si.supplier if si else None,
                price=price,
                breaks=breaks,
            )
        return items

    def _points(self) -> list[_Point]:
        rng = self.rng
        front_candidates = [
            sku
            for sku, item in self.items.items()
            if item.family in FRONT_FAMILIES and (item.shelf_life or 999) >= 150
        ]
        front = set(rng.sample(front_candidates, FRONT_ITEMS))
        front |= set(rng.sample([s for s in self.items if s.startswith("FRZ-")], FRONT_FROZEN_ITEMS))
        points: list[_Point] = []
        for sku, item in self.items.items():
            if item.pace == "fresh":  # the maximum sells within days, well before it expires
                rate = float(item.maximum) / min(FRESH_DAYS, 0.6 * item.shelf_life)
            else:  # from the maximum to the reorder point in one cycle, less half a week's wait
                rate = float(item.maximum - item.reorder) / (CYCLE[item.pace] - 3.5)
            warehouse, zone = HOME.get(item.family, DEFAULT_HOME)
            if item.family == "FIN":  # made in 苏州, sold from 上海
                made = _Point(item, warehouse, zone, "", 0.0, 0.0)
                points += [made, self._point(item, "SH01", "A", rate, upstream=made, days=(21, 10))]
            elif sku in front:
                home = self._point(item, warehouse, zone, rate * (1 - FRONT_SHARE))
                points += [home, self._point(item, "HZ01", zone, rate * FRONT_SHARE, upstream=home)]
            else:
                points.append(self._point(item, warehouse, zone, rate))
        # Bins: a zone's items in SKU order, spread evenly over its bins.
        bins = self.bins
        by_zone = defaultdict(list)
        for point in points:
            by_zone[(point.warehouse, point.zone)].append(point)
        for key, members in by_zone.items():
            members.sort(key=lambda p: p.item.sku)
            for n, point in enumerate(members):
                point.location = bins[key][n * len(bins[key]) // len(members)]
        return points

    def _point(self, item, warehouse, zone, rate, *, upstream=None, days=(14, 7)) -> _Point:
        interval = max(INTERVAL[item.pace], min(90.0, float(item.sale_factor) / rate)) if rate else 0.0
        return _Point(
            item,
            warehouse,
            zone,
            "",
            rate,
            interval,
            upstream=upstream,
            target_days=days[0],
            trigger_days=days[1],
            next_issue=self.start + timedelta(days=self.rng.randint(0, max(1, int(interval)))),
            purpose=PURPOSE.get(item.family, "sales"),
        )

    @staticmethod
    def _bins() -> dict[tuple[str, str], list[str]]:
        bins = {}
        for wh, _name, _address, zones in data.WAREHOUSES:
            for zone, _zone_name, aisles, per_aisle in zones:
                bins[(wh, zone)] = [
                    f"{zone}{a:02d}-{b:02d}" for a in range(1, aisles + 1) for b in range(1, per_aisle + 1)
                ]
        return bins

    def _delivery_days(self) -> dict[str, set[int]]:
        days = {code: {self.rng.randrange(6)} for code in self.suppliers}
        days["S002"] = {0, 3}  # fresh milk: Monday and Thursday
        days["S011"] = {1}  # cold chain: Tuesday
        return days

    def _customers(self) -> dict[str, list[tuple[str, str]]]:
        """Who each warehouse delivers to: 杭州 serves Zhejiang, 上海 the rest; 苏州 ships own-brand
        goods straight to customers in Jiangsu."""
        customers = {"SH01": [], "HZ01": [], "SZ01": []}
        for _code, name, channel, *_rest, city in data.CUSTOMERS:
            customers["HZ01" if city.startswith("浙江") else "SH01"].append((channel, name))
            if city.startswith("江苏"):
                customers["SZ01"].append((channel, name))
        return customers

    def _endings(self) -> None:
        """Which items run out or end below safety stock, when their last delivery is and on
        which of the last days the remaining stock goes."""
        rng = self.rng
        skus = list(self.items)
        out = rng.sample(skus, OUT_OF_STOCK_ITEMS)
        rest = [s for s in skus if s not in out and self.items[s].safety >= 2]
        low = rng.sample(rest, LOW_ITEMS)
        self.ending = dict.fromkeys(out, "out") | dict.fromkeys(low, "low")
        self.cutoff = {sku: self.today - timedelta(days=rng.randint(25, 45)) for sku in self.ending}
        last_days = _days(self.today - timedelta(days=6), self.today - timedelta(days=1))
        last_days = [d for d in last_days if d.weekday() != 6]
        self.drain_day = {sku: rng.choice(last_days) for sku in self.ending}
        self.write_off_days = {self.start + timedelta(days=25 + 28 * n) for n in range(6)}  # Fridays
        final = self.today - timedelta(days=2)
        self.final_write_off = final if final.weekday() != 6 else final - timedelta(days=1)
        self.write_off_days = {
            d for d in self.write_off_days if d < self.final_write_off - timedelta(days=14)
        }
        self.write_off_days.add(self.final_write_off)

    # -- stock ---------------------------------------------------------------------------------

    def _expiry(self, sku: str, batch: str) -> date | None:
        return self.state.batches[(sku, batch)].expiry_date if batch else None

    def _lots(self, sku: str, wh: str, loc: str, day: date, min_life: int = 0) -> list[tuple[str, Decimal]]:
        """Usable lots, first expiry first out: not expiring within `min_life` days of `day`."""
        lots = []
        for batch, qty in self.state.stock[(sku, wh, loc)].items():
            expiry = self._expiry(sku, batch)
            if expiry is None or expiry > day + timedelta(days=min_life):
                lots.append((expiry or date.max, batch, qty))
        return [(batch, qty) for _expiry, batch, qty in sorted(lots)]

    def _available(self, point: _Point, day: date, min_life: int = 0) -> Decimal:
        return sum(
            (q for _b, q in self._lots(point.item.sku, point.warehouse, point.location, day, min_life)),
            Decimal(0),
        )

    def _take(self, sku, wh, loc, qty, day, min_life=0, step=Decimal(1)) -> list[tuple[str, Decimal]]:
        """Pick `qty` first expiry first out: whole steps (cases) from each batch first, then what
        is still missing in loose units, so lines read "46 箱" and "9 瓶", not "699 瓶"."""
        lots = self._lots(sku, wh, loc, day, min_life)
        picks, left = [], dict(lots)
        for batch, have in lots:
            whole = min(have, qty) // step * step
            if whole > 0:
                picks.append((batch, whole))
                left[batch] -= whole
                qty -= whole
        for batch, _have in lots:
            loose = min(left[batch], qty)
            if loose > 0:
                picks.append((batch, loose))
                qty -= loose
        if qty > 0:
            raise AssertionError(f"the simulation over-issued {sku} at {wh}:{loc}")
        for batch, taken in picks:
            self._remove(sku, wh, loc, batch, taken)
        return picks

    def _remove(self, sku, wh, loc, batch, qty) -> None:
        lots = self.state.stock[(sku, wh, loc)]
        if lots.get(batch, 0) < qty:
            raise AssertionError(f"the simulation took more {sku} than batch {batch!r} holds at {wh}:{loc}")
        lots[batch] -= qty
        if not lots[batch]:
            del lots[batch]

    def _put(self, sku, wh, loc, batch, qty) -> None:
        lots = self.state.stock[(sku, wh, loc)]
        lots[batch] = lots.get(batch, Decimal(0)) + qty

    def _position(self, sku: str, day: date) -> Decimal:
        """What the buyer counts on: the item's stock in all warehouses, less what has expired."""
        return sum((self._available(p, day) for p in self.points_of[sku]), Decimal(0))

    def _new_batch(self, item: _Item, received: date, *, made: date | None = None) -> str:
        if item.tracking == data.NONE:
            return ""
        rng = self.rng
        own = item.family in ("SEM", "FIN")
        if made is None:
            if own:
                made = received
            elif item.shelf_life:
                age = 0 if item.pace == "fresh" else rng.randint(2, max(2, min(45, item.shelf_life // 6)))
                made = received - timedelta(days=age)
            else:
                made = received - timedelta(days=rng.randint(5, 60))
        number = f"HD{made:%y%m%d}" if own else f"{made:%Y%m%d}" if item.shelf_life else f"L{made:%y%m%d}"
        key = (item.sku, number)
        if key not in self.state.batches:
            expiry = made + timedelta(days=item.shelf_life) if item.shelf_life else None
            self.state.batches[key] = BatchPlan(item.sku, number, made, expiry, received)
        return number

    # -- lines and documents -----------------------------------------------------------------

    def _line(self, item: _Item, wh, loc, qty, batch, *, unit=None, price=None, to=None) -> LinePlan:
        """A line in `unit` (default: the sales unit) when the quantity is whole units of it, else in
        the base unit; `price` is per `unit` (or per base unit when no unit is given)."""
        unit, factor = unit or (item.sale_unit, item.sale_factor)
        cost = None
        if factor != 1 and qty % factor == 0:
            qty, unit = qty / factor, unit
            cost = price
        else:
            if price is not None:
                cost = price if factor == 1 else (price / factor).quantize(MILLIONTH, rounding=ROUND_HALF_UP)
            unit = item.base
        return LinePlan(item.sku, (wh, loc), unit, qty, batch, cost, to)

    def _add(self, kind, wh, day, lines, **fields) -> int:
        user = fields.pop("user", CLERK[wh])
        if kind in ("loss", "gain") and fields.get("action", APPROVE) == APPROVE:
            fields |= {"action": APPROVE, "approver": MANAGER}
        self.documents.append(DocPlan(kind, wh, day, user, tuple(lines), **fields))
        return len(self.documents) - 1

    def _receive(self, item: _Item, point: _Point, qty: Decimal, day: date, *, price=None, made=None):
        """Receive `qty` base units of a new batch at `point`; price per buy unit (default: the
        preferred supplier's, with its quantity breaks, give or take a little)."""
        rng = self.rng
        if price is None:
            units = qty / item.buy_factor
            if item.price is None:  # made in house: at cost
                price = _money(item.cost * item.buy_factor * Decimal(str(round(rng.uniform(0.97, 1.03), 3))))
            else:
                base_price = item.price
                for from_qty, break_price in item.breaks:
                    if units >= from_qty:
                        base_price = break_price
                price = _money(base_price * Decimal(str(round(rng.uniform(0.985, 1.015), 3))))
        batch = self._new_batch(item, day, made=made)
        self._put(item.sku, point.warehouse, point.location, batch, qty)
        self.state.last_cost[item.sku] = price / item.buy_factor
        return self._line(
            item,
            point.warehouse,
            point.location,
            qty,
            batch,
            unit=(item.buy_unit, item.buy_factor),
            price=price,
        )

    # -- the days ------------------------------------------------------------------------------

    def run(self) -> History:
        yesterday = self.today - timedelta(days=1)
        for day in _days(self.start, yesterday):
            if day == self.start:
                self._opening(day)
            elif day.weekday() != 6:
                self._deliveries(day)
                if day.weekday() == PRODUCTION_DAY:
                    self._production(day)
            self._transfers(day)
            self._returns(day)
            if day.weekday() != 6:
                self._issues(day)
            self._adjustments(day)
        self._today()
        on_hand = defaultdict(Decimal)
        for (sku, _wh, _loc), lots in self.state.stock.items():
            on_hand[sku] += sum(lots.values(), Decimal(0))
        return History(
            start=self.start,
            documents=tuple(self.documents),
            batches=tuple(sorted(self.state.batches.values(), key=lambda b: (b.sku, b.batch_no))),
            on_hand={sku: on_hand[sku] for sku in self.items},
        )

    def _opening(self, day: date) -> None:
        """Stock counted when the system went live: between the reorder point and the maximum, in one
        or two batches made some time before."""
        rng = self.rng
        lines = defaultdict(list)  # (warehouse, category root) -> lines
        for sku, item in self.items.items():
            total = float(item.reorder) + rng.uniform(0.2, 1.0) * float(item.maximum - item.reorder)
            points = self.points_of[sku]
            rates = sum(p.rate for p in points) or 1.0
            for point in points:
                share = (0.3 if point.rate == 0 else 0.7) if item.family == "FIN" else point.rate / rates
                if point.upstream is None:
                    qty = _steps(total * share, item.buy_step, up=True)
                else:
                    qty = _steps(total * share, item.sale_factor, up=True)
                parts = [qty]
                if item.tracking != data.NONE and qty >= 2 * item.buy_step and rng.random() < 0.35:
                    first = _steps(float(qty) * rng.uniform(0.2, 0.5), item.buy_step)
                    parts = [first, qty - first]
                for n, part in enumerate(parts):
                    made = None
                    if item.tracking != data.NONE:
                        if item.pace == "fresh":
                            age = n
                        elif item.shelf_life:
                            age = rng.randint(10, max(10, item.shelf_life // 3)) // (n + 1)
                        else:
                            age = rng.randint(20, 200) // (n + 1)
                        made = day - timedelta(days=age)
                    line = self._receive(item, point, part, day, made=made)
                    lines[(point.warehouse, self.category_root[item.family])].append(line)
        for (wh, _root), group in lines.items():
            for chunk in range(0, len(group), 25):
                self._add(
                    "receipt",
                    wh,
                    day,
                    group[chunk : chunk + 25],
                    reference="期初库存",
                    note="系统上线期初库存（盘点结果）",
                )

    def _deliveries(self, day: date) -> None:
        """A supplier's delivery day: once one of its items is down to the reorder point, the
        buyer orders every item of that supplier which is close to it, up to the maximum."""
        week = (day - self.start).days // 7
        for supplier, name in self.suppliers.items():
            if day.weekday() not in self.delivery_days[supplier] or week % DELIVERY_WEEKS.get(supplier, 1):
                continue
            wanted = []  # (item, its stock now)
            for sku, item in self.items.items():
                if item.supplier == supplier and day < self.cutoff.get(sku, date.max):
                    position = self._position(sku, day)
                    if position <= item.reorder + JOINT_ORDER * (item.maximum - item.reorder):
                        wanted.append((item, position))
            if not any(position <= item.reorder for item, position in wanted):
                continue
            by_warehouse = defaultdict(list)
            for item, position in wanted:
                qty = _steps(float(item.maximum - position), item.buy_step, up=True)
                home = next(p for p in self.points_of[item.sku] if p.upstream is None)
                by_warehouse[home.warehouse].append(self._receive(item, home, qty, day))
            prefix = data.SUPPLIER_SKU_PREFIX[supplier]
            for wh, lines in by_warehouse.items():
                note = f"送货单 {prefix}{day:%y%m%d}{self.rng.randint(10, 99)}"
                self._add("receipt", wh, day, lines, reference=f"采购入库 {name}", note=note)

    def _production(self, day: date) -> None:
        lines = []
        for sku, item in self.items.items():
            if item.supplier is not None or day >= self.cutoff.get(sku, date.max):
                continue
            position = self._position(sku, day)
            if position <= item.reorder:
                qty = _steps(float(item.maximum - position), item.buy_step, up=True)
                made = next(p for p in self.points_of[sku] if p.upstream is None)
                lines.append(self._receive(item, made, qty, day))
        if lines:
            self._add(
                "receipt",
                "SZ01",
                day,
                lines,
                reference=f"生产入库 MO{day:%y%m%d}01",
                note="华东优选分装车间完工入库",
            )

    def _transfers(self, day: date) -> None:
        if day.weekday() == FRONT_TOPUP_DAY:
            self._top_up(day, "SH01", "HZ01", reference="前置仓补货 杭州前置仓")
        if day.weekday() == FINISHED_TRANSFER_DAY:
            self._top_up(day, "SZ01", "SH01", reference="成品调拨 上海总仓")
        if day.weekday() != 6 and (day - self.start).days % 19 == 12:
            self._reslot(day)
        self._put_back(day)
        if (
            (day - self.start).days % 23 == 17
            and day.weekday() != 6
            and day < self.today - timedelta(days=10)
        ):
            self._damaged(day)

    def _top_up(self, day: date, source: str, dest: str, *, reference: str) -> None:
        lines = []
        for point in self.points:
            up = point.upstream
            if up is None or up.warehouse != source or point.warehouse != dest:
                continue
            sku, item = point.item.sku, point.item
            if (
                day >= self.cutoff.get(sku, date.max)
                or self._available(point, day) > point.rate * point.trigger_days
            ):
                continue
            need = _steps(
                point.rate * point.target_days - float(self._available(point, day)), item.sale_factor, up=True
            )
            min_life = 30 if item.shelf_life else 0
            have = self._available(up, day, min_life)
            qty = min(need, (have // item.sale_factor) * item.sale_factor)
            if qty <= 0:
                continue
            for batch, taken in self._take(sku, source, up.location, qty, day, min_life, item.sale_factor):
                self._put(sku, dest, point.location, batch, taken)
                lines.append(self._line(item, source, up.location, taken, batch, to=(dest, point.location)))
        if lines:
            self._add("transfer", source, day, lines, to_warehouse=dest, reference=reference)

    def _reslot(self, day: date) -> None:
        """Move a few items to other bins of their zone (库位调整)."""
        rng = self.rng
        wh = ("SH01", "SZ01", "HZ01")[(day - self.start).days // 19 % 3]
        bins = self.bins
        stocked = [
            p for p in self.points if p.warehouse == wh and self.state.stock[(p.item.sku, wh, p.location)]
        ]
        lines = []
        for point in rng.sample(stocked, min(len(stocked), rng.randint(3, 5))):
            new = rng.choice([b for b in bins[(wh, point.zone)] if b != point.location])
            sku = point.item.sku
            for batch, qty in list(self.state.stock[(sku, wh, point.location)].items()):
                self._remove(sku, wh, point.location, batch, qty)
                self._put(sku, wh, new, batch, qty)
                lines.append(self._line(point.item, wh, point.location, qty, batch, to=(wh, new)))
            point.location = new
        if lines:
            self._add("transfer", wh, day, lines, reference="库位调整", note="按出库频次调整拣货库位")

    def _put_back(self, day: date) -> None:
        """Returns found fit for sale go back to their shelf two days later (退货复检上架)."""
        lines = []
        for ret in [
            r for r in self.state.returned if r.flag == "resale" and r.since + timedelta(days=2) <= day
        ]:
            point = next(p for p in self.points_of[ret.sku] if p.warehouse == "SH01")
            self._remove(ret.sku, "SH01", ret.location, ret.batch, ret.qty)
            self._put(ret.sku, "SH01", point.location, ret.batch, ret.qty)
            lines.append(
                self._line(point.item, "SH01", ret.location, ret.qty, ret.batch, to=("SH01", point.location))
            )
            self.state.returned.remove(ret)
        if lines:
            self._add("transfer", "SH01", day, lines, reference="退货复检上架", note="复检合格，重新上架")

    def _damaged(self, day: date) -> None:
        """A carton or two damaged in handling go to the returns zone for the next write-off."""
        rng = self.rng
        candidates = [
            p
            for p in self.points
            if p.warehouse == "SH01"
            and p.zone == "A"
            and p.item.sku not in self.ending
            and self._lots(p.item.sku, "SH01", p.location, day)
            and self._lots(p.item.sku, "SH01", p.location, day)[0][1] >= 2
        ]
        lines = []
        for point in rng.sample(candidates, min(len(candidates), rng.randint(1, 2))):
            batch, have = self._lots(point.item.sku, "SH01", point.location, day)[0]
            qty = Decimal(rng.randint(1, int(min(have, point.item.sale_factor, 6))))
            dest = rng.choice(RETURNS_BINS)
            self._remove(point.item.sku, "SH01", point.location, batch, qty)
            self._put(point.item.sku, "SH01", dest, batch, qty)
            self.state.returned.append(_Returned(point.item.sku, dest, batch, qty, "damaged", day))
            lines.append(self._line(point.item, "SH01", point.location, qty, batch, to=("SH01", dest)))
        if lines:
            self._add("transfer", "SH01", day, lines, reference="破损转退货区", note="搬运中外箱压损")

    def _returns(self, day: date) -> None:
        """Stores send goods back now and then; they wait in the returns zone."""
        rng = self.rng
        final = day == self.today - timedelta(days=1)
        regular = (day - self.start).days % 9 == 5 and day.weekday() != 6
        if not final and not (regular and day < self.today - timedelta(days=10)):
            return
        recent = [
            (when, sku, batch, qty)
            for when, sku, batch, qty in self.state.issued
            if when >= day - timedelta(days=30 if final else 21) and sku not in self.ending and qty >= 1
        ]
        chosen = []  # (sku, batch, qty, flag)
        if final:
            # The last returns: two already past their expiry date, three close to it.
            expiry = {r: self._expiry(r[1], r[2]) for r in recent}
            expired = [r for r in recent if expiry[r] and expiry[r] < day]
            near = [
                r
                for r in recent
                if expiry[r] and day + timedelta(days=3) <= expiry[r] <= day + timedelta(days=30)
            ]
            for pool, count in ((expired, 2), (near, 3)):
                skus = sorted({r[1] for r in pool} - {c[0] for c in chosen})
                for sku in rng.sample(skus, min(count, len(skus))):
                    _when, _sku, batch, qty = rng.choice([r for r in pool if r[1] == sku])
                    chosen.append((sku, batch, Decimal(rng.randint(1, int(min(qty, 6)))), "expired"))
        else:
            for _when, sku, batch, qty in rng.sample(recent, min(len(recent), rng.randint(1, 3))):
                expiry = self._expiry(sku, batch)
                flag = (
                    "expired"
                    if expiry and expiry <= day + timedelta(days=30)
                    else rng.choice(("damaged", "resale"))
                )
                chosen.append((sku, batch, Decimal(rng.randint(1, int(min(qty, 6)))), flag))
        if not chosen:
            return
        lines = []
        for sku, batch, qty, flag in chosen:
            item = self.items[sku]
            dest = rng.choice(RETURNS_BINS)
            cost = self.state.last_cost[sku].quantize(MILLIONTH, rounding=ROUND_HALF_UP)
            self._put(sku, "SH01", dest, batch, qty)
            self.state.returned.append(_Returned(sku, dest, batch, qty, flag, day))
            lines.append(self._line(item, "SH01", dest, qty, batch, unit=(item.base, Decimal(1)), price=cost))
        _channel, name = rng.choice([c for c in self.customers["SH01"] if c[0] == "store"])
        why = {"expired": "临期退货", "damaged": "包装破损", "resale": "客户拒收"}
        reasons = {why[flag] for _sku, _batch, _qty, flag in chosen}
        if any((self._expiry(sku, batch) or date.max) < day for sku, batch, _qty, _flag in chosen):
            reasons.add("过期退货")
        note = "、".join(sorted(reasons))
        self._add("receipt", "SH01", day, lines, reference=f"销售退货 {name}", note=note)

    def _issues(self, day: date) -> None:
        rng = self.rng
        lines = defaultdict(list)  # (warehouse, purpose) -> lines
        for point in self.points:
            sku, item = point.item.sku, point.item
            if self.drain_day.get(sku) == day:
                self._drain(point, day, lines)
                continue
            if not point.rate or point.next_issue > day or not self._issue_day(point, day):
                continue
            if day > self.drain_day.get(sku, date.max):
                continue
            waited = (day - point.next_issue).days
            point.next_issue = day + timedelta(days=max(1, round(point.interval * rng.uniform(0.6, 1.4))))
            wanted = _steps(point.rate * (point.interval + waited) * rng.uniform(0.7, 1.3), item.sale_factor)
            if point.purpose == "maintenance":  # a repair takes a part or a few
                wanted = min(wanted, Decimal(rng.randint(1, 6)))
            have = self._available(point, day)
            qty = min(wanted, (have // item.sale_factor) * item.sale_factor)
            if qty <= 0:
                continue  # out of stock: the order goes unserved
            for batch, taken in self._take(
                sku, point.warehouse, point.location, qty, day, step=item.sale_factor
            ):
                lines[(point.warehouse, point.purpose)].append(
                    self._line(item, point.warehouse, point.location, taken, batch)
                )
                if point.warehouse == "SH01":
                    self.state.issued.append((day, sku, batch, taken))
        for (wh, purpose), group in lines.items():
            rng.shuffle(group)
            chunks, rest = [], group
            while rest:
                size = rng.randint(5, 12)
                chunks.append(rest[:size])
                rest = rest[size:]
            if len(chunks) > 1 and len(chunks[-1]) < 3:
                tail = chunks.pop()
                chunks[-1] += tail
            for n, chunk in enumerate(chunks, start=1):
                fields = self._issue_reference(wh, purpose, day, n, self._value(chunk))
                self._add("issue", wh, day, chunk, **fields)

    def _issue_day(self, point: _Point, day: date) -> bool:
        weekdays, weeks = ISSUE_DAYS[(point.warehouse, point.purpose)]
        return day.weekday() in weekdays and not (day - self.start).days // 7 % weeks

    def _drain(self, point: _Point, day: date, lines) -> None:
        """The last days: an item meant to end low keeps a little at its home, one meant to run out
        keeps nothing."""
        item = point.item
        keep = Decimal(0)
        main = max(self.points_of[item.sku], key=lambda p: p.rate)
        if self.ending[item.sku] == "low" and point is main:
            keep = Decimal(max(1, int(float(item.safety) * self.rng.uniform(0.15, 0.85))))
        qty = self._available(point, day) - keep
        if qty <= 0:
            return
        for batch, taken in self._take(
            item.sku, point.warehouse, point.location, qty, day, step=item.sale_factor
        ):
            lines[(point.warehouse, point.purpose)].append(
                self._line(item, point.warehouse, point.location, taken, batch)
            )

    def _value(self, lines) -> Decimal:
        """Roughly what the goods on `lines` cost, in yuan."""
        total = Decimal(0)
        for line in lines:
            item = self.items[line.sku]
            total += line.qty * (item.sale_factor if line.unit == item.sale_unit else 1) * item.cost
        return total

    def _issue_reference(self, wh: str, purpose: str, day: date, n: int, value: Decimal) -> dict:
        rng = self.rng
        if purpose == "sales":  # big deliveries go to distributors, small ones to stores
            channels = next(channels for limit, channels in SALES_CHANNELS if value < limit)
            customers = [c for c in self.customers[wh] if c[0] in channels] or self.customers[wh]
            channel, name = rng.choice(customers)
            return {"reference": f"{CHANNEL_WORD[channel]} {name}"[:60]}
        if purpose == "production":
            return {"reference": f"生产领料 MO{day:%y%m%d}{n:02d}", "note": "华东优选分装车间"}
        if purpose == "packing":
            return {
                "reference": rng.choice(
                    ("包材领用 分装车间", "包材领用 电商打包组", "包材领用 上海总仓打包台")
                )
            }
        if purpose == "safety":
            return {"reference": "劳保用品领用 行政部"}
        return {
            "reference": rng.choice(
                ("设备维修领用 设备部", "叉车维修领用 上海总仓", "输送线维修领用 苏州分仓")
            )
        }

    def _adjustments(self, day: date) -> None:
        offset = (day - self.start).days
        if day in self.write_off_days:
            self._write_off(day, final=day == self.final_write_off)
        if offset in (40, 88, 131):
            self._gain(day, {40: "SZ01", 88: "SH01", 131: "HZ01"}[offset])
        if offset == 70:
            self._wet_cartons(day)

    def _write_off(self, day: date, *, final: bool) -> None:
        """Monthly: what waits in the returns zone and whatever expired on the shelves is written off
        (报损, approved by the manager). The last write-off also takes what expires before today."""
        horizon = self.today if final else day
        expired_lines, damaged_lines, by_warehouse = [], [], defaultdict(list)
        # 杭州 sends its expired goods back to 上海 to be written off there.
        back = []
        for point in self.points:
            sku = point.item.sku
            for batch, qty in list(self.state.stock[(sku, point.warehouse, point.location)].items()):
                expiry = self._expiry(sku, batch)
                if expiry is None or expiry > horizon:
                    continue
                self._remove(sku, point.warehouse, point.location, batch, qty)
                if point.warehouse == "HZ01":
                    dest = RETURNS_BINS[0]
                    self._put(sku, "SH01", dest, batch, qty)
                    back.append(self._line(point.item, "HZ01", point.location, qty, batch, to=("SH01", dest)))
                    self.state.returned.append(_Returned(sku, dest, batch, qty, "expired", day))
                else:
                    by_warehouse[point.warehouse].append(
                        self._line(point.item, point.warehouse, point.location, qty, batch)
                    )
        if back:
            self._add("transfer", "HZ01", day, back, to_warehouse="SH01", reference="过期商品退回总仓")
        for ret in [r for r in self.state.returned if r.flag in ("damaged", "expired")]:
            self._remove(ret.sku, "SH01", ret.location, ret.batch, ret.qty)
            line = self._line(self.items[ret.sku], "SH01", ret.location, ret.qty, ret.batch)
            (damaged_lines if ret.flag == "damaged" else expired_lines).append(line)
            self.state.returned.remove(ret)
        expired_lines = by_warehouse.pop("SH01", []) + expired_lines
        if expired_lines:
            self._add("loss", "SH01", day, expired_lines, reason="expired", reference="月度过期商品报损")
        if damaged_lines:
            self._add("loss", "SH01", day, damaged_lines, reason="damaged", reference="退货区破损商品报损")
        for wh, lines in by_warehouse.items():
            self._add("loss", wh, day, lines, reason="expired", reference="月度过期物料报损")

    def _gain(self, day: date, wh: str) -> None:
        """Stock found at a count (盘盈): a few units more than the books say."""
        rng = self.rng
        stocked = [
            p for p in self.points if p.warehouse == wh and self._lots(p.item.sku, wh, p.location, day)
        ]
        lines = []
        for point in rng.sample(stocked, min(len(stocked), rng.randint(1, 3))):
            batch, _qty = self._lots(point.item.sku, wh, point.location, day)[-1]
            qty = Decimal(rng.randint(1, max(1, int(min(point.item.sale_factor, 4)))))
            self._put(point.item.sku, wh, point.location, batch, qty)
            lines.append(self._line(point.item, wh, point.location, qty, batch))
        self._add("gain", wh, day, lines, reason="found", reference="循环盘点盘盈", note="盘点发现账外库存")

    def _wet_cartons(self, day: date) -> None:
        rng = self.rng
        stocked = [
            p
            for p in self.points
            if p.item.family == "PKC" and self._available(p, day) >= 20 and p.item.sku not in self.ending
        ]
        lines = []
        for point in rng.sample(stocked, min(len(stocked), 2)):
            qty = Decimal(rng.randint(10, 40))
            for batch, taken in self._take(point.item.sku, "SZ01", point.location, qty, day):
                lines.append(self._line(point.item, "SZ01", point.location, taken, batch))
        if lines:
            self._add(
                "loss",
                "SZ01",
                day,
                lines,
                reason="damaged",
                reference="纸箱受潮报损",
                note="仓库漏雨，纸箱受潮变形",
            )

    def _today(self) -> None:
        """Today: two corrections (a wrong store, a miscounted delivery) reversed by the manager and
        entered again, a write-off awaiting approval and a delivery being prepared in 杭州."""
        rng = self.rng
        today = self.today
        recent = [i for i, d in enumerate(self.documents) if d.posting_date >= today - timedelta(days=10)]
        issues = [
            i
            for i in recent
            if self.documents[i].kind == "issue"
            and self.documents[i].warehouse == "SH01"
            and self.documents[i].reference.startswith("门店配送")
            and len(self.documents[i].lines) >= 3
        ]
        if issues:
            wrong = self.documents[issues[-1]]
            self._add("issue", "SH01", today, (), user=MANAGER, action=REVERSE, reverses=issues[-1])
            stores = [c for c in self.customers["SH01"] if c[0] == "store" and c[1] not in wrong.reference]
            _channel, name = rng.choice(stores)
            self._add(
                "issue",
                "SH01",
                today,
                wrong.lines,
                reference=f"门店配送 {name}",
                note="原单门店录错，冲销后重开",
            )
        receipts = [
            i
            for i in recent
            if self.documents[i].kind == "receipt"
            and self.documents[i].reference.startswith("采购入库")
            and self._still_there(self.documents[i].lines)
        ]
        if receipts:
            miscounted = self.documents[receipts[-1]]
            self._add(
                miscounted.kind,
                miscounted.warehouse,
                today,
                (),
                user=MANAGER,
                action=REVERSE,
                reverses=receipts[-1],
            )
            first, *others = miscounted.lines
            for line in miscounted.lines:
                self._remove(line.sku, *line.location, line.batch_no, self._base_qty(line))
            corrected = [first] if first.qty <= 1 else [_with_qty(first, first.qty - 1)]
            for line in [*corrected, *others]:
                self._put(line.sku, *line.location, line.batch_no, self._base_qty(line))
            self._add(
                "receipt",
                miscounted.warehouse,
                today,
                [*corrected, *others],
                reference=miscounted.reference,
                note="实收数量更正：原单冲销后重新入库",
            )
        waiting = [
            r for r in self.state.returned if r.flag == "expired" and r.since == today - timedelta(days=1)
        ]
        expired = [r for r in waiting if self._expiry(r.sku, r.batch) < today]
        if expired:
            lines = [self._line(self.items[r.sku], "SH01", r.location, r.qty, r.batch) for r in expired]
            self._add(
                "loss",
                "SH01",
                today,
                lines,
                reason="expired",
                reference="过期退货报损",
                action=SUBMIT,
                note="门店退回的过期商品，待经理审批",
            )
        front = [
            p
            for p in self.points
            if p.warehouse == "HZ01" and self._available(p, today) >= p.item.sale_factor
        ]
        lines = []
        for point in rng.sample(front, min(len(front), 4)):
            batch, have = self._lots(point.item.sku, "HZ01", point.location, today)[0]
            qty = min(have // point.item.sale_factor, 2) * point.item.sale_factor
            if qty:
                lines.append(self._line(point.item, "HZ01", point.location, qty, batch))
        if lines:
            _channel, name = rng.choice([c for c in self.customers["HZ01"] if c[0] == "store"])
            self._add(
                "issue", "HZ01", today, lines, reference=f"门店配送 {name}", action=DRAFT, note="明早发车"
            )

    def _base_qty(self, line: LinePlan) -> Decimal:
        item = self.items[line.sku]
        return line.qty * (item.buy_factor if line.unit == item.buy_unit else 1)

    def _still_there(self, lines) -> bool:
        return all(
            self.state.stock[(ln.sku, *ln.location)].get(ln.batch_no, 0) >= self._base_qty(ln)
            and ln.sku not in self.ending
            for ln in lines
        )


def _with_qty(line: LinePlan, qty: Decimal) -> LinePlan:
    return LinePlan(line.sku, line.location, line.unit, qty, line.batch_no, line.unit_cost, line.to_location)


# -- writing it ----------------------------------------------------------------------------------


def post_history(history: History) -> dict[str, int]:
    """Create, post, approve and reverse the planned documents, in order, as their users. The
    batches must exist already (load_demo creates them with their receipt dates). Returns how
    many documents of each kind were posted, plus "reversed", "waiting" (a draft and a document
    awaiting approval) and "skipped" (refused for want of stock and cancelled; the plan keeps every
    quantity, so this stays 0)."""
    docs = history.documents
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in={d.user for d in docs} | {MANAGER})}
    warehouses = {w.code: w for w in Warehouse.objects.all()}
    locations = {
        (wh, code): pk for wh, code, pk in Location.objects.values_list("warehouse__code", "code", "pk")
    }
    units = dict(Unit.objects.values_list("code", "pk"))
    items = Item.objects.in_bulk({line.sku for d in docs for line in d.lines}, field_name="sku")
    created = []
    counts: dict[str, int] = defaultdict(int)
    for doc in docs:
        if doc.action == REVERSE:
            original = created[doc.reverses]
            if original is not None:
                original = document_reverse(document_id=original.pk, user=users[doc.user])
                counts["reversed"] += 1
            created.append(original)
            continue
        user = users[doc.user]
        document = document_create(
            kind=doc.kind,
            warehouse=warehouses[doc.warehouse],
            user=user,
            posting_date=doc.posting_date,
            to_warehouse=warehouses[doc.to_warehouse] if doc.to_warehouse else None,
            reason=doc.reason,
            reference=doc.reference,
            note=doc.note,
        )
        document_set_lines(
            document=document,
            lines=[
                LineInput(
                    item=items[line.sku],
                    location_id=locations[line.location],
                    unit_id=units[line.unit],
                    qty=line.qty,
                    to_location_id=locations[line.to_location] if line.to_location else None,
                    batch_no=line.batch_no,
                    unit_cost=line.unit_cost,
                )
                for line in doc.lines
            ],
        )
        try:
            if doc.action == POST:
                if (
                    document_post(document_id=document.pk, user=user).status == "in_transit"
                ):  # the van arrives the same day
                    document_receive(document_id=document.pk, user=user, arrival_date=doc.posting_date)
            elif doc.action in (APPROVE, SUBMIT):
                document_submit(document_id=document.pk, user=user)
                if doc.action == APPROVE:
                    document_approve(document_id=document.pk, user=users[doc.approver])
        except InsufficientStock:
            document_cancel(document_id=document.pk, user=user)
            counts["skipped"] += 1
            created.append(None)
            continue
        created.append(document)
        counts[doc.kind if doc.action in (POST, APPROVE) else "waiting"] += 1
    return dict(counts)
