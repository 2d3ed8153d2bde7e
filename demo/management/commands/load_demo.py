"""`manage.py load_demo`: the demo company 华东商贸 — units, a category tree, three warehouses with
location trees, ~300 items with unit conversions, barcodes and batches, suppliers with prices and
quantity breaks, price levels, 40 customers, and one user per role.

Safe to run again: rows are matched by natural key (codes, SKUs, usernames, (item, unit) for
conversions and barcodes, (supplier, item, unit) …) and only missing ones are created; nothing is
ever updated or deleted, so a second run changes nothing and edits made in the app survive. An
item that already has batches gets no demo batches (their numbers follow production dates, which
move with the day the command runs). All of it runs in one transaction, with history rows.

Demo users get the shared password demo.data.DEMO_PASSWORD when they are created, and never again:
a user who changed it keeps their own. Their roles and warehouses are also set only on creation.

Stock history (demo.history): when no stock document exists yet, a year of documents
ending today — opening stock, deliveries, issues, transfers, returns, write-offs, gains and two
reversals — are posted through the document services, in date order, after the master data. The
batches they receive are created with the master data (instead of the catalogue's batches, whose
dates know nothing of the history). Once any stock document exists, no history is added.

Purchasing (demo.purchasing): with a new history, and when no purchase order exists yet, the
orders of the last five weeks follow it — received, partly received, closed short, cancelled,
approved, awaiting the manager, a draft — with their receipts and a return to a supplier, all
through the purchasing services. Their receipts' batches are created with the history's.

Sales (demo.sales): a price list per price level for everything the company sells is master data
(missing rows are added on every run). With new purchasing, and when no sales order exists yet,
the orders of the last ten weeks follow — in every state, with their shipments (the FEFO
proposal) and two customer returns, through the sales services — taking only stock that was on
hand at their dates.

Money (demo.money): with new sales, and when no payment to a supplier or from a customer exists
yet, the finance clerk records payments for most older receipts and shipments (in full, in part,
one ahead of the goods, one overpaid, one reversed by mistake) through the settlement services.

`manage.py load_demo --print-logins` prints the login table and nothing else; it reads nothing
from the database and writes nothing."""

import time
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from datetime import time as clock

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.utils import timezone

from demo import data
from demo.catalog import Plan, build_plan
from demo.history import History, build_history, post_history
from demo.money import MoneyPlan, build_money, post_money
from demo.purchasing import PurchasingPlan, build_purchasing, post_purchasing
from demo.sales import STATUSES as SALES_STATUSES
from demo.sales import SalesPlan, build_sales, build_sales_prices, post_sales
from inventory.models import (
    Batch,
    Category,
    Item,
    ItemBarcode,
    ItemUnit,
    Location,
    LocationKind,
    StockDocument,
    StockMove,
    Unit,
    Warehouse,
)
from purchasing import payables
from purchasing.models import PurchaseOrder, Supplier, SupplierItem, SupplierPayment, SupplierPriceBreak
from sales import receivables
from sales.models import Customer, CustomerPayment, PriceLevel, SalesOrder, SalesPrice, SalesPriceBreak
from settlement.selectors import balances, totals

BATCH_SIZE = 500
CHANGE_REASON = "demo data (load_demo)"
RECEIVED_AT = clock(9, 30)  # batches arrive at the morning dock


class Command(BaseCommand):
    help = (
        "Create the demo company 华东商贸 and one user per role; safe to run again (creates only what "
        "is missing). With --print-logins, print the demo logins and do nothing else."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--print-logins",
            action="store_true",
            help="Print the demo users, their roles, warehouses and password; change nothing.",
        )

    def handle(self, *args, print_logins: bool = False, **options):
        if print_logins:
            self.stdout.write(login_table())
            return
        started = time.monotonic()
        with transaction.atomic():
            today = timezone.localdate()
            plan = build_plan(today)
            history = None if StockDocument.objects.exists() else build_history(plan, today)
            purchasing = sales = money = None
            if history is not None and not PurchaseOrder.objects.exists():
                purchasing = build_purchasing(plan, history, today)
            # The sales plan takes stock the history and the purchasing put where they planned it.
            if purchasing is not None and not SalesOrder.objects.exists():
                sales = build_sales(plan, history, purchasing, today)
            paid = SupplierPayment.objects.exists() or CustomerPayment.objects.exists()
            if sales is not None and not paid:
                money = build_money(purchasing, sales, today)
            loader = DemoLoader(
                plan,
                now=timezone.now(),
                history=history,
                purchasing=purchasing,
                sales=sales,
                money=money,
            )
            loader.run()
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo company {data.COMPANY} loaded in {elapsed:.1f} s (created / in database):"
            )
        )
        for label, model in loader.models:
            self.stdout.write(f"  {label:<18}{loader.created.get(label, 0):>6} / {model.objects.count()}")
        self.stdout.write(self._history_summary(history, loader))
        self.stdout.write(self._purchasing_summary(purchasing, loader))
        self.stdout.write(self._sales_summary(sales, loader))
        self.stdout.write(self._money_summary(money, loader))
        self.stdout.write("Logins: manage.py load_demo --print-logins")

    @staticmethod
    def _sales_summary(sales: SalesPlan | None, loader: "DemoLoader") -> str:
        if sales is None:
            return "Sales: no new purchasing, or sales orders exist already; none added."
        counts = loader.sales_counts
        statuses = ", ".join(f"{status} {counts.get(status, 0)}" for status in SALES_STATUSES)
        return (
            f"Sales: {len(sales.orders)} orders ({statuses}); shipments {counts.get('shipments', 0)}, "
            f"returns {counts.get('returns', 0)}; {loader.sales_seconds:.1f} s"
        )

    @staticmethod
    def _money_summary(money: MoneyPlan | None, loader: "DemoLoader") -> str:
        if money is None:
            return "Money: no new sales, or payments exist already; none added."
        counts = loader.money_counts
        owed = {book.key: totals(balances(book)) for book in (payables.BOOK, receivables.BOOK)}
        return (
            f"Money: payments {counts.get('supplier payments', 0)} to suppliers "
            f"({counts.get('reversed', 0)} reversed), {counts.get('customer payments', 0)} receipts from "
            f"customers; payables open ¥{owed['payables'].open:,.2f} "
            f"(overdue ¥{owed['payables'].overdue:,.2f}), receivables open ¥{owed['receivables'].open:,.2f} "
            f"(overdue ¥{owed['receivables'].overdue:,.2f}); {loader.money_seconds:.1f} s"
        )

    @staticmethod
    def _purchasing_summary(purchasing: PurchasingPlan | None, loader: "DemoLoader") -> str:
        if purchasing is None:
            return "Purchasing: no new stock history, or purchase orders exist already; none added."
        counts = loader.purchasing_counts
        statuses = ", ".join(
            f"{status} {counts.get(status, 0)}"
            for status in ("received", "partial", "closed", "approved", "submitted", "draft", "cancelled")
        )
        return (
            f"Purchasing: {len(purchasing.orders)} orders ({statuses}); receipts {counts.get('receipts', 0)}, "
            f"returns {counts.get('returns', 0)}; {loader.purchasing_seconds:.1f} s"
        )

    @staticmethod
    def _history_summary(history: History | None, loader: "DemoLoader") -> str:
        if history is None:
            return "Stock history: stock documents exist already; none added."
        counts = loader.history_counts
        kinds = ", ".join(
            f"{kind} {counts.get(kind, 0)}" for kind in ("receipt", "issue", "transfer", "loss", "gain")
        )
        extra = f"; {counts.get('reversed', 0)} reversed, {counts.get('waiting', 0)} awaiting action"
        if counts.get("skipped"):
            extra += f", {counts['skipped']} SKIPPED for want of stock"
        return (
            f"Stock history {history.start} – {timezone.localdate()}: posted {kinds}{extra}; "
            f"{StockMove.objects.count()} stock moves; {loader.history_seconds:.1f} s"
        )


class DemoLoader:
    """Writes the plan's missing rows: each model in one bulk insert per tree level, each with its
    history rows (bulk_create skips django-simple-history's signals)."""

    def __init__(
        self,
        plan: Plan,
        *,
        now: datetime,
        history: History | None = None,
        purchasing: PurchasingPlan | None = None,
        sales: SalesPlan | None = None,
        money: MoneyPlan | None = None,
    ):
        self.plan = plan
        self.now = now
        self.history = history
        self.purchasing = purchasing
        self.sales = sales
        self.money = money
        self.history_counts: dict[str, int] = {}
        self.history_seconds = 0.0
        self.purchasing_counts: dict[str, int] = {}
        self.purchasing_seconds = 0.0
        self.sales_counts: dict[str, int] = {}
        self.sales_seconds = 0.0
        self.money_counts: dict[str, int] = {}
        self.money_seconds = 0.0
        self.created: dict[str, int] = {}
        self.models: list[tuple[str, type[models.Model]]] = []

    def run(self) -> None:
        units = self._units()
        categories = self._categories()
        warehouses = self._warehouses()
        self._locations(warehouses)
        items = self._items(categories, units)
        self._item_units(items, units)
        self._barcodes(items, units)
        self._batches(items)
        suppliers = self._suppliers()
        self._supplier_items(suppliers, items, units)
        price_levels = self._price_levels()
        self._customers(price_levels)
        self._sales_prices(items, units, price_levels)
        self._users(warehouses)
        if self.history is not None:
            started = time.monotonic()
            self.history_counts = post_history(self.history)
            self.history_seconds = time.monotonic() - started
        if self.purchasing is not None:  # after the history: its receipts come after the year's moves
            started = time.monotonic()
            self.purchasing_counts = post_purchasing(self.purchasing)
            self.purchasing_seconds = time.monotonic() - started
        if self.sales is not None:  # after the purchasing: it ships what the receipts brought too
            started = time.monotonic()
            self.sales_counts = post_sales(self.sales)
            self.sales_seconds = time.monotonic() - started
        if self.money is not None:  # pays for what was received and shipped
            started = time.monotonic()
            self.money_counts = post_money(self.money)
            self.money_seconds = time.monotonic() - started

    # -- helpers ------------------------------------------------------------------------------

    def _create(self, label: str, model: type[models.Model], objs: Sequence[models.Model]) -> None:
        """Insert `objs` (all known to be missing) and their "+" history rows."""
        if (label, model) not in self.models:
            self.models.append((label, model))
        self.created[label] = self.created.get(label, 0) + len(objs)
        if not objs:
            return
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
        if any(obj.pk is None for obj in objs):
            # PostgreSQL and SQLite >= 3.35 return ids from a bulk insert; anything else must not
            # get history rows pointing nowhere.
            raise CommandError(f"The database did not return ids for new {label}.")
        history = getattr(model, "history", None)
        if history is not None:
            history.bulk_history_create(
                objs, batch_size=BATCH_SIZE, default_date=self.now, default_change_reason=CHANGE_REASON
            )

    @staticmethod
    def _ids(model: type[models.Model], *key: str) -> dict:
        """Natural key (a value, or a tuple for several fields) -> primary key, for every row."""
        rows = model.objects.values_list(*key, "pk")
        if len(key) == 1:
            return dict(rows)
        return {tuple(row[:-1]): row[-1] for row in rows}

    def _add_missing(
        self, label: str, model: type[models.Model], key: str, objs: Iterable[models.Model]
    ) -> dict:
        """Create the objs whose `key` field is not taken yet; return key -> pk for all rows."""
        ids = self._ids(model, key)
        new = [obj for obj in objs if getattr(obj, key) not in ids]
        self._create(label, model, new)
        ids.update((getattr(obj, key), obj.pk) for obj in new)
        return ids

    # -- master data --------------------------------------------------------------------------

    def _units(self) -> dict[str, int]:
        return self._add_missing("units", Unit, "code", (Unit(code=c, name=n) for c, n in data.UNITS))

    def _categories(self) -> dict[str, int]:
        """Level by level, so each child sees its parent's id and path (as services.category_save
        computes them: "parent path / name", depth + 1)."""
        rows = {code: (name, parent) for code, name, parent in data.CATEGORIES}

        def level(code: str) -> int:
            parent = rows[code][1]
            return 0 if parent is None else level(parent) + 1

        known = {
            code: (pk, path, depth)
            for code, pk, path, depth in Category.objects.values_list("code", "pk", "path", "depth")
        }
        for depth in sorted({level(code) for code in rows}):
            new = []
            for code, (name, parent) in rows.items():
                if level(code) != depth or code in known:
                    continue
                if parent is None:
                    new.append(Category(code=code, name=name, path=name, depth=0))
                else:
                    parent_id, parent_path, parent_depth = known[parent]
                    new.append(
                        Category(
                            code=code,
                            name=name,
                            parent_id=parent_id,
                            path=f"{parent_path} / {name}",
                            depth=parent_depth + 1,
                        )
                    )
            self._create("categories", Category, new)
            known.update((cat.code, (cat.pk, cat.path, cat.depth)) for cat in new)
        return {code: pk for code, (pk, _path, _depth) in known.items()}

    def _warehouses(self) -> dict[str, int]:
        return self._add_missing(
            "warehouses",
            Warehouse,
            "code",
            (
                Warehouse(code=code, name=name, address=address)
                for code, name, address, _zones in data.WAREHOUSES
            ),
        )

    def _locations(self, warehouses: dict[str, int]) -> None:
        """Zone → aisle → bin, one insert per level; `path` is the parent's path + "/" + code, as
        services.location_save computes it. Codes: zone A, aisle A01, bin A01-03."""
        levels: list[list[tuple]] = [[], [], []]  # (warehouse code, code, name, kind, parent code)
        for wh_code, _name, _address, zones in data.WAREHOUSES:
            for zone, zone_name, aisles, bins in zones:
                levels[0].append((wh_code, zone, zone_name, LocationKind.ZONE, None))
                for a in range(1, aisles + 1):
                    aisle = f"{zone}{a:02d}"
                    levels[1].append((wh_code, aisle, f"{zone_name}{a:02d}通道", LocationKind.AISLE, zone))
                    for b in range(1, bins + 1):
                        bin_code, bin_name = f"{aisle}-{b:02d}", f"{aisle}通道{b:02d}号货位"
                        levels[2].append((wh_code, bin_code, bin_name, LocationKind.BIN, aisle))
        known = {
            (wh, code): (pk, path)
            for wh, code, pk, path in Location.objects.values_list("warehouse_id", "code", "pk", "path")
        }
        for rows in levels:
            new = []
            for wh_code, code, name, kind, parent in rows:
                wh = warehouses[wh_code]
                if (wh, code) in known:
                    continue
                parent_id, path = None, code
                if parent is not None:
                    parent_id, parent_path = known[(wh, parent)]
                    path = f"{parent_path}/{code}"
                new.append(
                    Location(warehouse_id=wh, parent_id=parent_id, code=code, name=name, kind=kind, path=path)
                )
            self._create("locations", Location, new)
            known.update(((loc.warehouse_id, loc.code), (loc.pk, loc.path)) for loc in new)

    def _items(self, categories: dict[str, int], units: dict[str, int]) -> dict[str, int]:
        return self._add_missing(
            "items",
            Item,
            "sku",
            (
                Item(
                    sku=p.sku,
                    name=p.name,
                    spec=p.spec,
                    category_id=categories[p.category],
                    item_type=p.item_type,
                    base_unit_id=units[p.base_unit],
                    tracking=p.tracking,
                    safety_stock=p.safety_stock,
                    reorder_point=p.reorder_point,
                    min_stock=p.min_stock,
                    max_stock=p.max_stock,
                    lead_time_days=p.lead_time_days,
                    shelf_life_days=p.shelf_life_days,
                    notes=p.notes,
                )
                for p in self.plan.items
            ),
        )

    def _item_units(self, items: dict[str, int], units: dict[str, int]) -> None:
        known = self._ids(ItemUnit, "item_id", "unit_id")
        self._create(
            "unit conversions",
            ItemUnit,
            [
                ItemUnit(
                    item_id=items[p.sku],
                    unit_id=units[p.unit],
                    factor=p.factor,
                    is_purchase_default=p.is_purchase_default,
                    is_sales_default=p.is_sales_default,
                )
                for p in self.plan.item_units
                if (items[p.sku], units[p.unit]) not in known
            ],
        )

    def _barcodes(self, items: dict[str, int], units: dict[str, int]) -> None:
        # An item that already has a barcode for that unit keeps it and gets no second one (should
        # the generated numbers ever change); a number already in use is skipped.
        taken = set(ItemBarcode.objects.values_list("barcode", flat=True))
        labelled = set(ItemBarcode.objects.values_list("item_id", "unit_id"))
        new = []
        for p in self.plan.barcodes:
            item_id, unit_id = items[p.sku], units[p.unit] if p.unit else None
            if p.barcode not in taken and (item_id, unit_id) not in labelled:
                new.append(ItemBarcode(item_id=item_id, barcode=p.barcode, unit_id=unit_id))
        self._create("barcodes", ItemBarcode, new)

    def _batches(self, items: dict[str, int]) -> None:
        if self.history is not None:
            self._history_batches(items)
            return
        with_batches = set(Batch.objects.values_list("item_id", flat=True).distinct())
        zone = timezone.get_current_timezone()
        self._create(
            "batches",
            Batch,
            [
                Batch(
                    item_id=items[p.sku],
                    batch_no=p.batch_no,
                    production_date=p.production_date,
                    expiry_date=p.expiry_date,
                    first_received_at=datetime.combine(p.received_on, RECEIVED_AT, tzinfo=zone),
                )
                for p in self.plan.batches
                if items[p.sku] not in with_batches
            ],
        )

    def _history_batches(self, items: dict[str, int]) -> None:
        """The batches the history (and the purchasing after it) receives, each first received on
        the day of its first receipt (the receiving service would stamp them with the time the
        command runs)."""
        known = set(Batch.objects.values_list("item_id", "batch_no"))
        zone = timezone.get_current_timezone()
        self._create(
            "batches",
            Batch,
            [
                Batch(
                    item_id=items[p.sku],
                    batch_no=p.batch_no,
                    production_date=p.production_date,
                    expiry_date=p.expiry_date,
                    first_received_at=min(
                        self.now, datetime.combine(p.received_on, RECEIVED_AT, tzinfo=zone)
                    ),
                )
                for p in (*self.history.batches, *(self.purchasing.batches if self.purchasing else ()))
                if (items[p.sku], p.batch_no) not in known
            ],
        )

    # -- parties ------------------------------------------------------------------------------

    def _suppliers(self) -> dict[str, int]:
        return self._add_missing(
            "suppliers",
            Supplier,
            "code",
            (
                Supplier(
                    code=p.code,
                    name=p.name,
                    contact_person=p.contact_person,
                    phone=p.phone,
                    address=p.address,
                    tax_id=p.tax_id,
                    payment_terms_days=p.payment_terms_days,
                    default_lead_time_days=p.default_lead_time_days,
                    rating=p.rating,
                )
                for p in self.plan.suppliers
            ),
        )

    def _supplier_items(
        self, suppliers: dict[str, int], items: dict[str, int], units: dict[str, int]
    ) -> None:
        known = self._ids(SupplierItem, "supplier_id", "item_id", "unit_id")
        new, breaks = [], []
        for p in self.plan.supplier_items:
            key = (suppliers[p.supplier], items[p.sku], units[p.unit])
            if key in known:
                continue
            new.append(
                SupplierItem(
                    supplier_id=key[0],
                    item_id=key[1],
                    unit_id=key[2],
                    supplier_sku=p.supplier_sku,
                    price=p.price,
                    min_order_qty=p.min_order_qty,
                    pack_qty=p.pack_qty,
                    lead_time_days=p.lead_time_days,
                    is_preferred=p.is_preferred,
                )
            )
            breaks.append(p.breaks)
        self._create("supplier items", SupplierItem, new)
        # Price breaks come with the supplier item they belong to: a break someone deleted from an
        # existing supplier item stays deleted.
        self._create(
            "price breaks",
            SupplierPriceBreak,
            [
                SupplierPriceBreak(supplier_item_id=si.pk, min_qty=qty, price=price)
                for si, its_breaks in zip(new, breaks, strict=True)
                for qty, price in its_breaks
            ],
        )

    def _price_levels(self) -> dict[str, int]:
        return self._add_missing(
            "price levels", PriceLevel, "code", (PriceLevel(code=c, name=n) for c, n in data.PRICE_LEVELS)
        )

    def _customers(self, price_levels: dict[str, int]) -> None:
        self._add_missing(
            "customers",
            Customer,
            "code",
            (
                Customer(
                    code=p.code,
                    name=p.name,
                    channel=p.channel,
                    price_level_id=price_levels[p.price_level],
                    contact_person=p.contact_person,
                    phone=p.phone,
                    address=p.address,
                    tax_id=p.tax_id,
                    credit_limit=p.credit_limit,
                    payment_terms_days=p.payment_terms_days,
                    notes=p.notes,
                )
                for p in self.plan.customers
            ),
        )

    def _sales_prices(self, items: dict[str, int], units: dict[str, int], levels: dict[str, int]) -> None:
        known = self._ids(SalesPrice, "item_id", "price_level_id", "unit_id")
        new, breaks = [], []
        for p in build_sales_prices(self.plan):
            key = (items[p.sku], levels[p.level], units[p.unit])
            if key in known:
                continue
            new.append(SalesPrice(item_id=key[0], price_level_id=key[1], unit_id=key[2], price=p.price))
            breaks.append(p.breaks)
        self._create("sales prices", SalesPrice, new)
        # Breaks come with the price they belong to, as the suppliers' do.
        self._create(
            "sales price breaks",
            SalesPriceBreak,
            [
                SalesPriceBreak(sales_price_id=sp.pk, min_qty=qty, price=price)
                for sp, its_breaks in zip(new, breaks, strict=True)
                for qty, price in its_breaks
            ],
        )

    # -- people -------------------------------------------------------------------------------

    def _users(self, warehouses: dict[str, int]) -> None:
        User = get_user_model()
        groups = dict(Group.objects.filter(name__in={row[2] for row in data.USERS}).values_list("name", "pk"))
        missing_roles = {row[2] for row in data.USERS} - groups.keys()
        if missing_roles:
            raise CommandError(
                f"Role groups missing ({', '.join(sorted(missing_roles))}): run migrate first."
            )
        self.models.append(("users", User))
        taken = set(
            User.objects.filter(username__in=[row[0] for row in data.USERS]).values_list(
                "username", flat=True
            )
        )
        todo = [row for row in data.USERS if row[0] not in taken]
        self.created["users"] = len(todo)
        if not todo:
            return
        # One hash for all: the password is shared anyway, and hashing is the slow part of this command.
        password = make_password(data.DEMO_PASSWORD)
        new = [
            User(
                username=username,
                display_name=name,
                email=email,
                phone=phone,
                password=password,
                is_staff=role == "administrator",
            )
            for username, name, role, _whs, email, phone in todo
        ]
        User.objects.bulk_create(new)
        by_name = {user.username: user for user in new}
        User.groups.through.objects.bulk_create(
            [
                User.groups.through(user_id=by_name[username].pk, group_id=groups[role])
                for username, _name, role, _whs, _email, _phone in todo
            ]
        )
        # Through the warehouse side, so the warehouse's history records who was added.
        for warehouse in Warehouse.objects.filter(pk__in=warehouses.values()):
            members = [by_name[row[0]] for row in todo if warehouse.code in row[3]]
            if members:
                warehouse.members.add(*members)


def login_table() -> str:
    """The demo logins as an aligned text table (from demo.data; no database access)."""
    warehouse_names = {code: name for code, name, _address, _zones in data.WAREHOUSES}
    rows = [("username", "name", "role", "password", "warehouses")]
    rows += [
        (username, name, role, data.DEMO_PASSWORD, "、".join(warehouse_names[c] for c in whs) or "-")
        for username, name, role, whs, _email, _phone in data.USERS
    ]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip()
        for row in rows
    )


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
