"""The demo company as a plan: every row load_demo needs, computed from demo.data, a fixed seed and
today's date. No database access, so the plan is the same on every run of the same day; each
section draws from its own seeded generator, so editing one table does not reshuffle the others."""

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from . import data

SEED = "huadong-2026"
NEAR_EXPIRY_ITEMS = 5  # batch-and-expiry items forced to have a batch expiring within 25 days
EXPIRED_ITEMS = 2  # … and items with a batch that has already expired

CENT = Decimal("0.01")
TEN_THOUSANDTH = Decimal("0.0001")


@dataclass(frozen=True)
class ItemPlan:
    sku: str
    name: str
    spec: str
    category: str
    item_type: str
    tracking: str
    base_unit: str
    shelf_life_days: int | None
    safety_stock: Decimal
    reorder_point: Decimal
    min_stock: Decimal
    max_stock: Decimal
    lead_time_days: int
    notes: str


@dataclass(frozen=True)
class ItemUnitPlan:
    sku: str
    unit: str
    factor: Decimal
    is_purchase_default: bool
    is_sales_default: bool


@dataclass(frozen=True)
class BarcodePlan:
    sku: str
    barcode: str
    unit: str | None  # None: the base unit


@dataclass(frozen=True)
class BatchPlan:
    sku: str
    batch_no: str
    production_date: date
    expiry_date: date | None
    received_on: date


@dataclass(frozen=True)
class SupplierPlan:
    code: str
    name: str
    contact_person: str
    phone: str
    address: str
    tax_id: str
    payment_terms_days: int
    default_lead_time_days: int
    rating: Decimal


@dataclass(frozen=True)
class SupplierItemPlan:
    supplier: str
    sku: str
    unit: str
    supplier_sku: str
    price: Decimal
    min_order_qty: Decimal
    pack_qty: Decimal
    lead_time_days: int
    is_preferred: bool
    breaks: tuple[tuple[Decimal, Decimal], ...]  # (from quantity, price)


@dataclass(frozen=True)
class CustomerPlan:
    code: str
    name: str
    channel: str
    price_level: str
    contact_person: str
    phone: str
    address: str
    tax_id: str
    credit_limit: Decimal
    payment_terms_days: int
    notes: str


@dataclass(frozen=True)
class Plan:
    items: tuple[ItemPlan, ...]
    item_units: tuple[ItemUnitPlan, ...]
    barcodes: tuple[BarcodePlan, ...]
    batches: tuple[BatchPlan, ...]
    suppliers: tuple[SupplierPlan, ...]
    supplier_items: tuple[SupplierItemPlan, ...]
    customers: tuple[CustomerPlan, ...]


def ean13(first12: str) -> str:
    """`first12` digits plus the EAN-13 check digit (weights 1, 3, 1, 3 … from the left)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def build_plan(today: date, seed: str = SEED) -> Plan:
    items, units, barcodes, rows = _items(random.Random(f"{seed}:items"))
    return Plan(
        items=tuple(items),
        item_units=tuple(units),
        barcodes=tuple(barcodes),
        batches=tuple(_batches(random.Random(f"{seed}:batches"), items, today)),
        suppliers=tuple(_suppliers(random.Random(f"{seed}:suppliers"))),
        supplier_items=tuple(_supplier_items(random.Random(f"{seed}:supplier-items"), rows)),
        customers=tuple(_customers(random.Random(f"{seed}:customers"))),
    )


def _ceil_to(quantity: float, step: Decimal) -> Decimal:
    """Round up to a whole number of steps (cases), at least one step."""
    steps = max(1, math.ceil(Decimal(str(round(quantity, 6))) / step))
    return (step * steps).quantize(TEN_THOUSANDTH)


def _money(amount: Decimal) -> Decimal:
    # Cheap pieces (a carton at 0.98) keep 4 places, as suppliers quote them; the rest 2.
    return amount.quantize(CENT if amount >= 1 else TEN_THOUSANDTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class _Row:
    """What the supplier-item step needs to know about an item besides the plan."""

    item: ItemPlan
    family: data.Family
    cost: Decimal
    case: str | None
    factor: Decimal
    buy_in_case: bool
    pack_qty: Decimal  # when bought in the base unit, orders are rounded to this


def _items(rng: random.Random):
    items, units, barcodes, rows = [], [], [], []
    used_barcodes: set[str] = set()

    def new_barcode() -> str:
        while True:
            code = ean13("69" + "".join(rng.choice("0123456789") for _ in range(10)))
            if code not in used_barcodes:
                used_barcodes.add(code)
                return code

    for family in data.FAMILIES:
        for number, row in enumerate(family.rows, start=1):
            name, spec, cost = row[:3]
            over = row[3] if len(row) > 3 else {}
            sku = f"{family.prefix}-{number:04d}"
            factor = Decimal(over.get("factor", family.factor))
            case = over.get("case", family.case) if factor != 1 else None
            base = over.get("base", family.base)
            tracking = over.get("tracking", family.tracking)
            shelf_life = over.get("shelf_life", family.shelf_life) if tracking == data.EXPIRY else None
            buy_in_case = bool(case) and over.get("buy", family.buy_in_case)
            sell_in_case = bool(case) and family.sell_in_case

            # Stock levels from a daily demand: safety stock covers `safety_days`, the reorder point
            # the demand over the lead time on top of it, the maximum one review period more; all in
            # whole cases where the item moves in cases.
            step = factor if buy_in_case or sell_in_case else Decimal(1)
            daily = rng.uniform(*family.cases_per_day) * float(factor if case else 1)
            lead_time = max(1, family.lead_time + rng.choice((-1, 0, 0, 1)))
            safety = _ceil_to(daily * family.safety_days, step)
            reorder = safety + _ceil_to(daily * lead_time, step)
            maximum = safety + _ceil_to(daily * (lead_time + family.review_days), step)

            item = ItemPlan(
                sku=sku,
                name=name,
                spec=spec,
                category=family.category,
                item_type=family.item_type,
                tracking=tracking,
                base_unit=base,
                shelf_life_days=shelf_life,
                safety_stock=safety,
                reorder_point=reorder,
                min_stock=safety,
                max_stock=maximum,
                lead_time_days=lead_time,
                notes=family.notes,
            )
            items.append(item)
            pack = Decimal(over.get("pack_qty", family.pack_qty))
            rows.append(_Row(item, family, Decimal(cost), case, factor, buy_in_case, pack))

            if case:
                units.append(ItemUnitPlan(sku, case, factor, buy_in_case, sell_in_case))
            for unit, extra in family.extra_units:
                extra = Decimal(extra)
                if case and extra < factor and factor % extra == 0:
                    units.append(ItemUnitPlan(sku, unit, extra, False, False))

            if over.get("barcode", True) and rng.random() < family.barcode_rate:
                barcodes.append(BarcodePlan(sku, new_barcode(), None))
                if case and rng.random() < family.case_barcode_rate:
                    barcodes.append(BarcodePlan(sku, new_barcode(), case))
    return items, units, barcodes, rows


def _batches(rng: random.Random, items: list[ItemPlan], today: date) -> list[BatchPlan]:
    expiring = [item.sku for item in items if item.tracking == data.EXPIRY]
    special = rng.sample(expiring, NEAR_EXPIRY_ITEMS + EXPIRED_ITEMS)
    expired, near_expiry = set(special[:EXPIRED_ITEMS]), set(special[EXPIRED_ITEMS:])
    batches = []
    for item in items:
        if item.tracking == data.NONE:
            continue
        own_make = item.item_type in (data.SEMI, data.FINISHED)
        shelf = item.shelf_life_days
        if shelf:
            oldest = max(2, int(shelf * rng.uniform(0.3, 0.9)))
            if item.sku in expired:
                oldest = shelf + rng.randint(2, 15)
            elif item.sku in near_expiry:
                oldest = max(1, shelf - rng.randint(3, 25))
        else:
            oldest = rng.randint(60, 400)
        count = min(oldest, rng.randint(2, 4))
        ages = [oldest, *rng.sample(range(1, oldest), count - 1)]
        for age in sorted(ages, reverse=True):
            made = today - timedelta(days=age)
            if own_make:
                batch_no = f"HD{made:%y%m%d}"
            elif shelf:
                batch_no = f"{made:%Y%m%d}"
            else:
                batch_no = f"L{made:%y%m%d}"
            # Received by yesterday at the latest: a batch must not arrive later today than the clock.
            received = made if own_make else made + timedelta(days=min(age - 1, rng.randint(1, 6)))
            expiry = made + timedelta(days=shelf) if shelf else None
            batches.append(BatchPlan(item.sku, batch_no, made, expiry, received))
    return batches


_REGIONS = (
    ("上海", "310000"),
    ("苏州", "320500"),
    ("昆山", "320583"),
    ("无锡", "320200"),
    ("南京", "320100"),
    ("南通", "320600"),
    ("常州", "320400"),
    ("杭州", "330100"),
    ("宁波", "330200"),
    ("温州", "330300"),
    ("嘉兴", "330400"),
    ("绍兴", "330600"),
    ("义乌", "330782"),
    ("合肥", "340100"),
)


def _tax_id(rng: random.Random, address: str) -> str:
    """Shaped like a 统一社会信用代码 (91 + region + organisation code); not a valid checksum."""
    region = next((code for city, code in _REGIONS if city in address), "310000")
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return f"91{region}{body}{rng.randint(0, 9)}"


def _mobile(rng: random.Random) -> str:
    return (
        rng.choice(("135", "136", "137", "138", "139", "150", "158", "186", "189"))
        + f"{rng.randint(0, 10**8 - 1):08d}"
    )


def _suppliers(rng: random.Random) -> list[SupplierPlan]:
    return [
        SupplierPlan(code, name, contact, phone, address, _tax_id(rng, address), terms, lead, Decimal(rating))
        for code, name, contact, phone, address, terms, lead, rating in data.SUPPLIERS
    ]


def _supplier_items(rng: random.Random, rows: list[_Row]) -> list[SupplierItemPlan]:
    plans = []
    for row in rows:
        family, item = row.family, row.item
        if not family.suppliers:
            continue  # made in house
        count = min(len(family.suppliers), rng.choice((1, 1, 2, 2, 3)))
        chosen = [family.suppliers[0], *rng.sample(family.suppliers[1:], count - 1)]
        preferred = 1 if count > 1 and rng.random() < 0.15 else 0
        unit = row.case if row.buy_in_case else item.base_unit
        per_unit = row.cost * (row.factor if row.buy_in_case else 1)
        pack = Decimal(1) if row.buy_in_case else row.pack_qty
        for index, supplier in enumerate(chosen):
            markup = Decimal(1) if index == 0 else Decimal(str(round(rng.uniform(0.97, 1.08), 3)))
            price = _money(per_unit * markup)
            moq = Decimal(rng.choice(family.moq))
            breaks = ()
            if rng.random() < family.break_rate:
                breaks = tuple(
                    (Decimal(qty), _money(price * Decimal(share)))
                    for qty, share in family.breaks
                    if Decimal(qty) > moq
                )
            supplier_sku = (
                item.spec
                if item.item_type == data.SPARE
                else f"{data.SUPPLIER_SKU_PREFIX[supplier]}-{rng.randint(10000, 99999)}"
            )
            plans.append(
                SupplierItemPlan(
                    supplier=supplier,
                    sku=item.sku,
                    unit=unit,
                    supplier_sku=supplier_sku[:40],
                    price=price,
                    min_order_qty=moq,
                    pack_qty=pack,
                    lead_time_days=item.lead_time_days + (0 if index == preferred else rng.randint(0, 3)),
                    is_preferred=index == preferred,
                    breaks=breaks,
                )
            )
    return plans


def _customers(rng: random.Random) -> list[CustomerPlan]:
    plans = []
    for code, name, channel, level, credit, terms, city in data.CUSTOMERS:
        contact = rng.choice(data.SURNAMES) + rng.choice(data.GIVEN_NAMES)
        address = f"{city}{rng.choice(data.STREETS)}{rng.randint(1, 999)}号"
        tax_id = "" if channel == "wholesale" else _tax_id(rng, address)
        notes = "现款现货，订单需经理审批" if credit == 0 else ""
        plans.append(
            CustomerPlan(
                code,
                name,
                channel,
                level,
                contact,
                _mobile(rng),
                address,
                tax_id,
                Decimal(credit).quantize(CENT),
                terms,
                notes,
            )
        )
    return plans
