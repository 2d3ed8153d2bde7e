"""load_demo builds a complete, consistent demo company 华东商贸 with a year of stock history,
and loading it again changes nothing.

The company is loaded once for the module (it takes a while: several hundred documents go through
the posting service), inside a transaction rolled back when the module is done; each test runs
in a savepoint of it, so what a test changes is undone for the next one."""

import importlib
import re
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Max, Min
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from accounts.models import User
from demo import catalog, data, history
from demo import money as demo_money
from demo import purchasing as demo_purchasing
from demo import sales as demo_sales
from inventory.ledger_check import ledger_differences
from inventory.models import (
    Batch,
    Category,
    DocumentKind,
    DocumentStatus,
    Item,
    ItemBarcode,
    ItemType,
    ItemUnit,
    Location,
    LocationKind,
    Posting,
    Reservation,
    StockBalance,
    StockDocument,
    StockMove,
    Tracking,
    Unit,
    Warehouse,
)
from purchasing import payables
from purchasing.models import (
    OrderStatus,
    PayableAllocation,
    PayableEntry,
    PurchaseOrder,
    PurchaseReceipt,
    PurchaseReceiptLine,
    PurchaseReturn,
    ReceiptStatus,
    ReturnStatus,
    Supplier,
    SupplierItem,
    SupplierPayment,
    SupplierPriceBreak,
)
from purchasing.views_orders import order_actions
from sales import receivables
from sales.models import (
    Channel,
    Customer,
    CustomerPayment,
    CustomerReturn,
    DocStatus,
    PriceLevel,
    ReceivableAllocation,
    ReceivableEntry,
    SalesOrder,
    SalesPrice,
    SalesPriceBreak,
    Shipment,
    ShipmentLine,
)
from sales.models import OrderStatus as SalesStatus
from settlement.models import EntryKind, PaymentStatus
from settlement.selectors import balances, totals

pytestmark = pytest.mark.django_db

# The exact size of the demo company; a change to demo/data.py that changes these is deliberate.
EXPECTED_COUNTS = {
    Item: 300,
    Supplier: 16,
    Customer: 40,
    Warehouse: 3,
    User: 7,
    Unit: 20,
    Category: 29,
    Location: 173,  # 171 bins, zones and aisles + the in-transit locations of 上海 and 杭州 (transfers)
    PriceLevel: 3,
}
ALL_MODELS = (
    Unit, Category, Warehouse, Location, Item, ItemUnit, ItemBarcode, Batch,
    Supplier, SupplierItem, SupplierPriceBreak, PriceLevel, Customer, SalesPrice, SalesPriceBreak, User,
)  # fmt: skip
# username -> (role, warehouse codes)
DEMO_USERS = {
    "lina": ("purchasing", set()),
    "chenchen": ("sales", set()),
    "wangqiang": ("warehouse_clerk", {"SH01", "SZ01"}),
    "zhaomin": ("warehouse_clerk", {"HZ01"}),
    "zhang": ("manager", set()),
    "qianli": ("finance", set()),
    "admin": ("administrator", set()),
}
ROLE_MIGRATIONS = (
    "0003_stock_roles", "0004_period_roles", "0005_stocktake_roles", "0006_purchasing_roles",
    "0007_sales_price_roles", "0008_sales_order_roles", "0009_finance_role",
)  # fmt: skip


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The output of one load_demo run, shared by the module's tests and rolled back after them."""
    # The same password hasher as the tests (conftest's fast one), or no login would succeed.
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), transaction.atomic():
        _ensure_roles()
        with fast_hashing:
            output = load_demo()
        yield output
        transaction.set_rollback(True)


def _ensure_roles() -> None:
    # Created by data migrations, but a transactional test elsewhere may have flushed them.
    if Group.objects.filter(name__in=["warehouse_clerk", "finance"]).count() == 2:
        return
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    importlib.import_module("accounts.migrations.0002_roles").assign_roles(Group, Permission)
    for name in ROLE_MIGRATIONS:
        importlib.import_module(f"accounts.migrations.{name}").assign(Group, Permission)


@pytest.fixture(scope="module")
def plans():
    """Today's plans, as load_demo made them: (catalogue, history, purchasing, sales)."""
    today = timezone.localdate()
    plan = catalog.build_plan(today)
    planned = history.build_history(plan, today)
    bought = demo_purchasing.build_purchasing(plan, planned, today)
    return plan, planned, bought, demo_sales.build_sales(plan, planned, bought, today)


@pytest.fixture
def demo(loaded, db):
    return loaded


def snapshot() -> dict:
    counts = {model.__name__: model.objects.count() for model in ALL_MODELS}
    counts |= {
        f"history of {model.__name__}": model.history.count() for model in ALL_MODELS if model is not User
    }
    counts["role memberships"] = User.groups.through.objects.count()
    counts["warehouse members"] = Warehouse.members.through.objects.count()
    return counts


def created_counts(output: str) -> list[int]:
    """The "created" column of the summary: lines like "  items     290 / 290"."""
    return [
        int(created) for created, _total in re.findall(r"^\s+\D+?\s+(\d+) / (\d+)$", output, re.MULTILINE)
    ]


def login_rows(output: str) -> dict[str, list[str]]:
    header, *rows = output.strip().splitlines()
    assert header.split() == ["username", "name", "role", "password", "warehouses"]
    return {cells[0]: cells for cells in (re.split(r"\s{2,}", row.strip()) for row in rows)}


def ean13_is_valid(code: str) -> bool:
    digits = [int(d) for d in code]
    return (sum(digits[0:12:2]) + 3 * sum(digits[1:12:2]) + digits[12]) % 10 == 0


# -- running it ------------------------------------------------------------------------------


def test_first_run_creates_the_whole_company(demo):
    assert {model: model.objects.count() for model in EXPECTED_COUNTS} == EXPECTED_COUNTS
    created = created_counts(demo)
    assert len(created) == len(ALL_MODELS)
    # the in-transit locations are made by the history's first transfers to 上海 and 杭州, not listed
    transit = Location.objects.filter(kind=LocationKind.TRANSIT).count()
    assert transit == 2
    assert sum(created) + transit == sum(model.objects.count() for model in ALL_MODELS)


def test_second_run_changes_nothing(demo):
    before = snapshot()

    output = load_demo()

    assert snapshot() == before
    assert created_counts(output) == [0] * len(ALL_MODELS)


def test_a_run_on_a_later_day_adds_no_batches(demo, monkeypatch):
    before = snapshot()
    later = timezone.localdate() + timedelta(days=40)
    monkeypatch.setattr(
        "demo.management.commands.load_demo.build_plan", lambda today: catalog.build_plan(later)
    )

    load_demo()

    assert snapshot() == before


def test_a_password_the_user_changed_survives_a_second_run(demo):
    user = User.objects.get(username="lina")
    user.set_password("my-own-secret-42")
    user.save()

    load_demo()

    user.refresh_from_db()
    assert user.check_password("my-own-secret-42")


def test_the_plan_is_deterministic_and_is_what_was_loaded(demo):
    today = timezone.localdate()
    plan = catalog.build_plan(today)

    assert catalog.build_plan(today) == plan
    assert set(Item.objects.values_list("sku", "name", "spec")) == {
        (p.sku, p.name, p.spec) for p in plan.items
    }
    assert set(ItemBarcode.objects.values_list("barcode", flat=True)) == {p.barcode for p in plan.barcodes}


# -- people ----------------------------------------------------------------------------------


def test_one_demo_user_per_role_in_the_right_group(demo):
    for username, (role, _warehouses) in DEMO_USERS.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.display_name
        assert user.is_active
        assert not user.is_superuser
        assert user.is_staff == (role == "administrator")
    for role in {role for role, _ in DEMO_USERS.values()}:
        demo_members = Group.objects.get(name=role).user_set.filter(username__in=DEMO_USERS)
        assert demo_members.count() == (2 if role == "warehouse_clerk" else 1)
    assert User.objects.get(username="lina").display_name == "李娜"
    assert User.objects.get(username="zhang").display_name == "张总"


def test_clerks_are_assigned_their_warehouses(demo):
    for username, (_role, codes) in DEMO_USERS.items():
        user = User.objects.get(username=username)
        assert set(user.warehouses.values_list("code", flat=True)) == codes
    assert set(User.objects.get(username="wangqiang").warehouses.values_list("name", flat=True)) == {
        "上海总仓",
        "苏州分仓",
    }
    assert list(User.objects.get(username="zhaomin").warehouses.values_list("name", flat=True)) == [
        "杭州前置仓"
    ]


def test_demo_users_log_in_with_the_printed_password(demo):
    rows = login_rows(load_demo("--print-logins"))
    assert set(rows) == set(DEMO_USERS)
    request = RequestFactory().post("/accounts/login/")

    for username, cells in rows.items():
        assert Client().login(request=request, username=username, password=cells[3]), username
    assert not Client().login(request=request, username="lina", password=rows["lina"][3] + "x")


def test_print_logins_prints_only_the_table_and_writes_nothing(db):
    before = snapshot()

    output = load_demo("--print-logins")

    assert snapshot() == before
    rows = login_rows(output)
    assert list(rows) == list(DEMO_USERS)
    assert len(output.strip().splitlines()) == 1 + len(DEMO_USERS)
    for username, (role, _codes) in DEMO_USERS.items():
        assert rows[username][2] == role
    assert rows["wangqiang"][4] == "上海总仓、苏州分仓"
    assert rows["zhaomin"][4] == "杭州前置仓"


# -- goods -----------------------------------------------------------------------------------


def test_every_item_has_a_leaf_category_and_a_base_unit(demo):
    leaves = set(Category.objects.filter(children__isnull=True).values_list("pk", flat=True))
    for item in Item.objects.select_related("category", "base_unit"):
        assert item.category_id in leaves, item
        assert item.base_unit.name, item
        assert item.safety_stock <= item.reorder_point <= item.max_stock, item
        assert item.min_stock <= item.max_stock, item
        assert item.lead_time_days > 0, item


def test_all_item_types_and_trackings_are_present(demo):
    assert set(Item.objects.values_list("item_type", flat=True)) == set(ItemType.values)
    assert set(Item.objects.values_list("tracking", flat=True)) == set(Tracking.values)


def test_items_with_expiry_have_a_shelf_life_and_batches_that_follow_it(demo):
    for item in Item.objects.filter(tracking=Tracking.BATCH_EXPIRY).prefetch_related("batches"):
        assert item.shelf_life_days and item.shelf_life_days > 0, item
        assert item.batches.all(), item
        for batch in item.batches.all():
            assert batch.expiry_date == batch.production_date + timedelta(days=item.shelf_life_days), batch
    assert (
        not Item.objects.exclude(tracking=Tracking.BATCH_EXPIRY)
        .filter(shelf_life_days__isnull=False)
        .exists()
    )
    assert not Batch.objects.filter(item__tracking=Tracking.NONE).exists()
    assert not Batch.objects.filter(item__tracking=Tracking.BATCH, expiry_date__isnull=False).exists()


def test_some_batches_on_hand_are_near_expiry_and_one_or_two_have_expired(demo):
    today = timezone.localdate()
    on_hand = StockBalance.objects.filter(on_hand__gt=0, batch__isnull=False)
    expired = on_hand.filter(batch__expiry_date__lt=today).values_list("batch_id", flat=True).distinct()
    near = on_hand.filter(batch__expiry_date__gte=today, batch__expiry_date__lte=today + timedelta(days=30))
    assert 1 <= len(expired) <= 2
    assert near.values("item").distinct().count() >= 5
    # Most stock is far from its expiry date.
    fresh = on_hand.filter(batch__expiry_date__gt=today + timedelta(days=30))
    assert fresh.count() > 5 * near.count()
    assert not Batch.objects.filter(first_received_at__gt=timezone.now()).exists()


def test_unit_conversions_are_packs_of_the_base_unit(demo):
    conversions = ItemUnit.objects.select_related("item")
    assert conversions.filter(unit__name="箱", item__name="光明纯牛奶", factor=24).exists()
    for conversion in conversions:
        assert conversion.unit_id != conversion.item.base_unit_id, conversion
        assert conversion.factor > 1, conversion


def test_barcodes_are_valid_chinese_ean13(demo):
    barcodes = list(ItemBarcode.objects.select_related("item"))
    assert barcodes
    units_of = {}
    for item_id, unit_id in ItemUnit.objects.values_list("item_id", "unit_id"):
        units_of.setdefault(item_id, set()).add(unit_id)
    for barcode in barcodes:
        assert re.fullmatch(r"69\d{11}", barcode.barcode), barcode
        assert ean13_is_valid(barcode.barcode), barcode
        assert barcode.unit_id is None or barcode.unit_id in units_of[barcode.item_id], barcode
    assert any(barcode.unit_id for barcode in barcodes)  # some case barcodes


def test_category_paths_follow_their_parents(demo):
    categories = {category.pk: category for category in Category.objects.all()}
    for category in categories.values():
        parent = categories.get(category.parent_id)
        if parent is None:
            assert (category.path, category.depth) == (category.name, 0)
        else:
            assert category.path == f"{parent.path} / {category.name}"
            assert category.depth == parent.depth + 1
    assert Category.objects.get(code="FOOD-DAIRY").path == "食品饮料 / 乳制品"
    assert Category.objects.get(code="FOOD-BEV-WATER").depth == 2


def test_location_paths_follow_their_parents_zone_aisle_bin(demo):
    locations = {location.pk: location for location in Location.objects.all()}
    parent_kind = {
        LocationKind.ZONE: None,
        LocationKind.AISLE: LocationKind.ZONE,
        LocationKind.BIN: LocationKind.AISLE,
    }
    for location in locations.values():
        parent = locations.get(location.parent_id)
        if location.kind == LocationKind.TRANSIT:  # made by transfers: no parent, no children
            assert (parent, location.path, location.children.exists()) == (None, "IN-TRANSIT", False)
            continue
        if parent is None:
            assert location.path == location.code
            assert location.kind == LocationKind.ZONE
        else:
            assert location.path == f"{parent.path}/{location.code}"
            assert parent.warehouse_id == location.warehouse_id
            assert parent.kind == parent_kind[location.kind]
    shanghai_zones = Location.objects.filter(warehouse__code="SH01", kind=LocationKind.ZONE)
    assert set(shanghai_zones.values_list("name", flat=True)) == {"常温区", "冷藏区", "退货区"}
    for warehouse in Warehouse.objects.all():
        assert warehouse.locations.filter(kind=LocationKind.BIN).exists(), warehouse


# -- parties ---------------------------------------------------------------------------------


def test_supplier_prices_breaks_and_preferred_suppliers_make_sense(demo):
    for supplier_item in SupplierItem.objects.prefetch_related("price_breaks"):
        assert supplier_item.price > 0
        assert supplier_item.price == supplier_item.price.quantize(Decimal("0.0001"))
        assert supplier_item.pack_qty > 0
        assert supplier_item.min_order_qty % supplier_item.pack_qty == 0, supplier_item
        prices = [supplier_item.price] + [b.price for b in supplier_item.price_breaks.all()]
        assert prices == sorted(prices, reverse=True) and len(set(prices)) == len(prices), supplier_item
    bought = Item.objects.filter(supplier_items__isnull=False).distinct()
    assert bought.count() > 250
    for item in bought.prefetch_related("supplier_items"):
        assert sum(si.is_preferred for si in item.supplier_items.all()) == 1, item
    assert SupplierPriceBreak.objects.filter(min_qty=100, supplier_item__unit__name="箱").exists()
    assert Supplier.objects.filter(name="华东食品有限公司").exclude(phone="").exists()


def test_customers_cover_the_channels_with_price_levels_and_credit(demo):
    assert dict(PriceLevel.objects.values_list("code", "name")) == {
        "RETAIL": "零售价",
        "WHOLESALE": "批发价",
        "DISTRIBUTOR": "经销价",
    }
    assert set(Customer.objects.values_list("channel", flat=True)) == set(Channel.values)
    assert not Customer.objects.filter(price_level__isnull=True).exists()
    assert Customer.objects.filter(credit_limit__gt=0).count() >= 35
    assert not Customer.objects.filter(credit_limit__lt=0).exists()


# -- stock history ---------------------------------------------------------------------------

CLERK_OF = {code: username for username, _n, role, codes, *_rest in data.USERS for code in codes}


def item_totals() -> dict[int, Decimal]:
    # Summed here: SQLite would add the decimals up as floats.
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for item_id, on_hand in StockBalance.objects.values_list("item_id", "on_hand"):
        totals[item_id] += on_hand
    return totals


def test_history_has_posted_documents_of_every_kind_over_a_year(demo):
    posted = StockDocument.objects.filter(status__in=[DocumentStatus.POSTED, DocumentStatus.REVERSED])
    assert set(posted.values_list("kind", flat=True)) == set(DocumentKind.values)
    span = posted.aggregate(first=Min("posting_date"), last=Max("posting_date"))
    assert span["last"] == timezone.localdate()
    assert (span["last"] - span["first"]).days >= 365
    assert posted.count() >= 300
    assert StockMove.objects.count() >= 2000
    # Back-dated documents' moves are dated on their posting date, in posting order.
    first_move = StockMove.objects.order_by("moved_at").first()
    assert timezone.localtime(first_move.moved_at).date() == span["first"]
    assert "SKIPPED" not in demo


def test_a_second_run_adds_no_documents_and_no_moves(demo):
    tables = (
        StockDocument, StockMove, StockBalance, Posting, Batch, Reservation, PurchaseOrder, SalesOrder,
        Shipment, CustomerReturn, SupplierPayment, CustomerPayment, PayableEntry, ReceivableEntry,
        PayableAllocation, ReceivableAllocation,
    )  # fmt: skip
    before = {model: model.objects.count() for model in tables}

    output = load_demo()

    assert {model: model.objects.count() for model in tables} == before
    assert output.count("none added") == 4  # stock history, purchasing, sales, money


def test_the_ledger_is_consistent(demo):
    assert ledger_differences() == []
    assert not StockBalance.objects.filter(on_hand__lt=0).exists()


def test_stock_ends_where_the_plan_says(demo, plans):
    today = timezone.localdate()
    plan, planned, purchasing, sales = plans

    assert planned == history.build_history(catalog.build_plan(today), today)
    assert sales == demo_sales.build_sales(plan, planned, purchasing, today)
    # … plus what the demo's purchase orders received and did not send back, less what its sales
    # orders shipped and did not take back into stock
    bought, sold = purchasing.stock_in, sales.stock_out
    on_hand = item_totals()
    actual = {sku: on_hand.get(pk, Decimal(0)) for sku, pk in Item.objects.values_list("sku", "pk")}
    assert actual == {
        sku: qty + bought.get(sku, 0) - sold.get(sku, 0) for sku, qty in planned.on_hand.items()
    }


def test_no_bin_ever_held_less_than_nothing(demo):
    """Back-dated shipments took only what was there on their day and stayed there after: at no
    moment does any item × location × batch go below zero."""
    running: dict[tuple, Decimal] = defaultdict(Decimal)
    moments: dict[tuple, dict] = defaultdict(lambda: defaultdict(Decimal))
    for item, location, batch, moved_at, qty in StockMove.objects.values_list(
        "item_id", "location_id", "batch_id", "moved_at", "qty"
    ):
        moments[(item, location, batch)][moved_at] += qty
    lows = []
    for key, by_moment in moments.items():
        for moment in sorted(by_moment):
            running[key] += by_moment[moment]
            if running[key] < 0:
                lows.append((key, moment, running[key]))
                break
    assert lows == []


def test_stock_levels_give_the_alerts_something_to_show(demo):
    totals = item_totals()
    levels = defaultdict(int)
    for item in Item.objects.filter(safety_stock__gt=0):
        on_hand = totals.get(item.pk, Decimal(0))
        if on_hand == 0:
            levels["out"] += 1
        elif on_hand < item.safety_stock:
            levels["below safety"] += 1
        elif on_hand <= item.reorder_point:
            levels["below reorder point"] += 1
        else:
            levels["above reorder point"] += 1
    assert levels["out"] >= 5
    assert levels["below safety"] >= 10
    assert levels["above reorder point"] > 0.6 * sum(levels.values())


def test_clerks_work_in_their_own_warehouses_and_the_manager_approves(demo):
    documents = StockDocument.objects.select_related("warehouse", "created_by", "posted_by", "approved_by")
    for doc in documents.filter(reversal_of__isnull=True).exclude(status=DocumentStatus.DRAFT):
        clerk = CLERK_OF[doc.warehouse.code]
        assert doc.created_by.username == clerk, doc
        if doc.kind in (DocumentKind.LOSS, DocumentKind.GAIN):
            if doc.status != DocumentStatus.SUBMITTED:
                assert doc.approved_by.username == "zhang", doc
                assert doc.posted_by.username == "zhang", doc
        else:
            assert doc.posted_by.username == clerk, doc
    losses = documents.filter(kind=DocumentKind.LOSS, status=DocumentStatus.POSTED)
    assert set(losses.values_list("reason", flat=True)) == {"damaged", "expired"}
    assert set(losses.values_list("created_by__username", flat=True)) == {"wangqiang"}


def test_transfers_go_between_bins_and_between_warehouses(demo):
    transfers = StockDocument.objects.filter(kind=DocumentKind.TRANSFER, status=DocumentStatus.POSTED)
    between = transfers.filter(to_warehouse__isnull=False)
    assert set(between.values_list("warehouse__code", "to_warehouse__code")) >= {
        ("SH01", "HZ01"),
        ("SZ01", "SH01"),
    }
    assert transfers.filter(to_warehouse__isnull=True).count() >= 5
    for doc in between.prefetch_related("lines__location", "lines__to_location")[:20]:
        for line in doc.lines.all():
            assert line.location.warehouse_id == doc.warehouse_id
            assert line.to_location.warehouse_id == doc.to_warehouse_id


def test_corrections_are_reversed_and_some_documents_wait(demo):
    reversed_docs = StockDocument.objects.filter(status=DocumentStatus.REVERSED)
    assert 1 <= reversed_docs.count() <= 2
    for doc in reversed_docs:
        assert doc.reversed_by.status == DocumentStatus.POSTED
        assert doc.reversed_by.created_by.username == "zhang"
    waiting = StockDocument.objects.filter(status=DocumentStatus.SUBMITTED, kind=DocumentKind.LOSS)
    assert waiting.count() == 1
    assert StockDocument.objects.filter(status=DocumentStatus.DRAFT).count() == 1


def test_every_batch_was_received_with_its_dates(demo):
    assert not Batch.objects.filter(moves__isnull=True).exists()
    for batch in Batch.objects.filter(expiry_date__isnull=False).select_related("item")[:200]:
        first_move = batch.moves.order_by("moved_at").first()
        assert batch.production_date <= timezone.localtime(first_move.moved_at).date(), batch
        assert (
            timezone.localtime(batch.first_received_at).date()
            == timezone.localtime(first_move.moved_at).date()
        )


# -- purchasing ------------------------------------------------------------------------------


def test_purchasing_shows_orders_in_every_state_with_receipts_and_a_return(demo):
    today = timezone.localdate()
    orders = PurchaseOrder.objects.select_related("warehouse", "created_by", "submitted_by", "approved_by")
    statuses = Counter(orders.values_list("status", flat=True))
    assert set(statuses) == set(OrderStatus.values)
    assert 10 <= orders.count() <= 15
    assert statuses[OrderStatus.PARTIAL] == 2
    assert len({o.supplier_id for o in orders}) >= 6
    assert {o.warehouse.code for o in orders} == {"SH01", "SZ01", "HZ01"}
    for order in orders:
        assert order.created_by.username == "lina", order
        assert today - timedelta(days=45) <= order.order_date <= today, order
        if order.total > settings.PURCHASE_APPROVAL_THRESHOLD and order.approved_by:
            assert order.approved_by.username == "zhang", order
    # a backorder on each partly received order, and on the one closed short
    for order in orders.filter(status__in=[OrderStatus.PARTIAL, OrderStatus.CLOSED]):
        assert sum(line.backorder_base_qty for line in order.lines.all()) > 0, order
    # the order waiting for the manager: above the threshold, and its author cannot approve it
    waiting = orders.get(status=OrderStatus.SUBMITTED)
    assert waiting.total > settings.PURCHASE_APPROVAL_THRESHOLD
    assert waiting.submitted_by.username == "lina"
    assert "approve" not in order_actions(waiting.created_by, waiting)
    # receipts: posted by the clerk of the order's warehouse, after the order, some late
    receipts = PurchaseReceipt.objects.select_related("order__warehouse", "posted_by")
    assert receipts.count() >= 10
    for receipt in receipts:
        assert receipt.status == ReceiptStatus.POSTED
        assert receipt.posted_by.username == CLERK_OF[receipt.order.warehouse.code], receipt
        assert receipt.order.order_date <= receipt.posting_date < today, receipt
    assert any(r.posting_date > r.order.expected_date for r in receipts)
    assert PurchaseReceiptLine.objects.filter(rejected_qty__gt=0, reject_reason="damaged").count() == 1
    tracked = PurchaseReceiptLine.objects.exclude(order_line__item__tracking=Tracking.NONE)
    assert tracked.exists()
    assert not tracked.filter(batch__isnull=True).exists()
    assert not tracked.filter(
        order_line__item__tracking=Tracking.BATCH_EXPIRY, batch__expiry_date__isnull=True
    ).exists()
    # one return to the supplier, out of the batch and bin the goods came in
    ret = PurchaseReturn.objects.get()
    assert ret.status == ReturnStatus.POSTED
    line = ret.lines.select_related("receipt_line").get()
    assert line.receipt_line.returned_base_qty == line.base_qty > 0
    # all of it through the services: the ledger still adds up
    assert ledger_differences() == []
    assert not StockBalance.objects.filter(on_hand__lt=0).exists()


# -- sales -----------------------------------------------------------------------------------


def test_everything_sold_has_a_price_per_level_retail_above_wholesale_above_distributor(demo):
    sellable = Item.objects.filter(item_type__in=[ItemType.MERCHANDISE, ItemType.FINISHED])
    prices = defaultdict(dict)
    for sku, level, unit, price in SalesPrice.objects.values_list(
        "item__sku", "price_level__code", "unit_id", "price"
    ):
        prices[sku][level] = (unit, price)
    assert set(prices) == set(sellable.values_list("sku", flat=True))
    for sku, by_level in prices.items():
        assert set(by_level) == {"RETAIL", "WHOLESALE", "DISTRIBUTOR"}, sku
        assert len({unit for unit, _price in by_level.values()}) == 1, sku
        assert by_level["RETAIL"][1] > by_level["WHOLESALE"][1] > by_level["DISTRIBUTOR"][1] > 0, sku
    # sold by the case where the item is, and above what the preferred supplier charges
    milk = SalesPrice.objects.get(item__name="光明纯牛奶", price_level__code="DISTRIBUTOR")
    assert milk.unit.name == "箱"
    supplier_price = SupplierItem.objects.get(item=milk.item, is_preferred=True).price
    assert milk.price > supplier_price
    for price in SalesPrice.objects.prefetch_related("price_breaks"):
        steps = [price.price] + [b.price for b in price.price_breaks.all()]
        assert steps == sorted(steps, reverse=True) and len(set(steps)) == len(steps), price


def test_sales_orders_in_every_state_with_shipments_and_returns(demo, plans):
    today = timezone.localdate()
    sales = plans[3]
    orders = SalesOrder.objects.select_related("customer", "warehouse", "created_by", "approved_by")
    statuses = Counter(orders.values_list("status", flat=True))
    assert statuses == Counter(order.status for order in sales.orders)
    assert set(statuses) == set(SalesStatus.values)
    assert 18 <= orders.count() <= 25
    assert statuses[SalesStatus.PARTIAL] == 2
    assert len({o.customer_id for o in orders}) == orders.count()
    assert {o.warehouse.code for o in orders} == {"SH01", "SZ01", "HZ01"}
    for order in orders:
        assert order.created_by.username == "chenchen", order
        assert today - timedelta(days=75) <= order.order_date <= today, order
        assert order.lines.exists(), order
        assert order.total == order.total_net + order.total_tax > 0, order
    # priced from the customer's level
    for line in orders.get(customer__code="K021").lines.all():
        listed = SalesPrice.objects.get(item=line.item_id, price_level__code="DISTRIBUTOR", unit=line.unit_id)
        assert line.list_price == line.price == listed.price
    # over the credit limit: one approved by the manager and shipped, one waiting for him
    approved = orders.exclude(approved_by=None).get()
    assert approved.approved_by.username == "zhang"
    assert approved.status == SalesStatus.SHIPPED and approved.customer.credit_limit < approved.total
    waiting = orders.get(status=SalesStatus.PENDING)
    assert waiting.total > waiting.customer.credit_limit
    # confirmed and partly shipped orders hold their reservations; nothing else does
    holding = set(Reservation.objects.filter(doc_type="salesorder").values_list("doc_id", flat=True))
    assert holding == set(
        orders.filter(status__in=[SalesStatus.CONFIRMED, SalesStatus.PARTIAL]).values_list("pk", flat=True)
    )
    for order in orders.filter(status=SalesStatus.PARTIAL):
        assert sum(line.open_base_qty for line in order.lines.all()) > 0, order
    # shipments: posted by the clerk of the order's warehouse, on or after the order date, from the
    # order's warehouse and never from an expired batch
    shipments = Shipment.objects.select_related("order__warehouse", "posted_by")
    assert shipments.count() == sum(len(o.shipments) for o in sales.orders) >= 15
    for shipment in shipments:
        assert shipment.status == DocStatus.POSTED
        assert shipment.posted_by.username == CLERK_OF[shipment.order.warehouse.code], shipment
        assert shipment.order.order_date <= shipment.posting_date <= today, shipment
    for line in ShipmentLine.objects.select_related("shipment", "location", "batch", "shipment__order"):
        assert line.location.warehouse_id == line.shipment.order.warehouse_id
        assert (
            line.batch is None
            or line.batch.expiry_date is None
            or (line.batch.expiry_date >= line.shipment.posting_date)
        )
        assert line.cost > 0 and line.amount > 0
    # two customer returns: one scrapped, one back on the shelf
    returns = CustomerReturn.objects.prefetch_related("lines")
    assert returns.count() == 2
    assert {line.restock for ret in returns for line in ret.lines.all()} == {True, False}
    for ret in returns:
        assert ret.status == DocStatus.POSTED and ret.amount > 0 and ret.reason
    assert ledger_differences() == []


# -- money -----------------------------------------------------------------------------------


def test_every_receipt_and_shipment_is_owed_and_the_finance_clerk_recorded_money(demo):
    today = timezone.localdate()
    receipts = PurchaseReceipt.objects.filter(status=ReceiptStatus.POSTED)
    owed = set(
        PayableEntry.objects.filter(kind=EntryKind.DOCUMENT, source_type=payables.RECEIPT).values_list(
            "source_id", flat=True
        )
    )
    assert owed == set(receipts.values_list("pk", flat=True))
    shipped = set(
        ReceivableEntry.objects.filter(kind=EntryKind.DOCUMENT, source_type=receivables.SHIPMENT).values_list(
            "source_id", flat=True
        )
    )
    assert shipped == set(Shipment.objects.filter(status=DocStatus.POSTED).values_list("pk", flat=True))
    # returns are credited and set against what they came from
    assert ReceivableEntry.objects.filter(kind=EntryKind.RETURN).count() == 2
    assert PayableEntry.objects.filter(kind=EntryKind.RETURN, allocated__gt=0).count() == 1
    # payments: recorded by the finance clerk, never in the future; one reversed by mistake
    supplier_payments, customer_payments = SupplierPayment.objects.all(), CustomerPayment.objects.all()
    assert supplier_payments.count() >= 5 and customer_payments.count() >= 8
    for payment in [*supplier_payments, *customer_payments]:
        assert payment.created_by.username == "qianli", payment
        assert payment.date <= today, payment
    reversed_payment = supplier_payments.get(status=PaymentStatus.REVERSED)
    assert reversed_payment.reversal_reason and reversed_payment.reversed_by.username == "qianli"
    assert (
        not PayableAllocation.objects.filter(
            credit__source_id=reversed_payment.pk, credit__kind=EntryKind.PAYMENT, undone_at__isnull=True
        )
        .exclude(debit__kind=EntryKind.REVERSAL)
        .exists()
    )
    assert not customer_payments.filter(status=PaymentStatus.REVERSED).exists()
    # some documents paid in full, some in part, some not at all
    for entries in (PayableEntry.objects, ReceivableEntry.objects):
        documents = entries.filter(kind=EntryKind.DOCUMENT)
        assert documents.filter(allocated=F("amount")).exists()
        assert documents.filter(allocated__gt=0, allocated__lt=F("amount")).exists()
        assert documents.filter(allocated=0).exists()
    # a prepayment to a supplier not yet allocated, and a customer's overpayment left as credit
    assert PayableEntry.objects.filter(kind=EntryKind.PAYMENT, allocated=0).count() == 1
    assert ReceivableEntry.objects.filter(kind=EntryKind.PAYMENT, allocated__lt=F("amount")).count() == 1
    # the ageing: receivables in three buckets, someone overdue on both sides
    ageing = {book.key: totals(balances(book)) for book in (payables.BOOK, receivables.BOOK)}
    assert sum(1 for amount in ageing["receivables"].buckets if amount > 0) >= 3
    assert ageing["payables"].overdue > 0 and ageing["receivables"].overdue > 0
    assert ageing["payables"].credit > 0 and ageing["receivables"].credit > 0
    assert "Money: payments" in demo and "receipts from customers" in demo
    assert ledger_differences() == []


def test_the_money_plan_is_deterministic(plans):
    today = timezone.localdate()
    _plan, _history, purchasing, sales = plans
    money = demo_money.build_money(purchasing, sales, today)
    assert money == demo_money.build_money(purchasing, sales, today)
    assert sum(1 for p in money.payments if p.reversed_on) == 1
