"""Every URL × every role.

The URL resolver is walked (every namespace); each URL name must be in TABLE below, which says
what each role gets on a GET (and, for URLs that only take POST, on a POST).
A URL name the resolver knows and the table does not fails the test. The objects behind the
URLs' ids all belong to warehouse A, so the clerk of warehouse B guessing ids gets 403 or 404 —
in pages, exports and downloads alike — and never sees warehouse A's document numbers. Finally
the item's purchase cost (7.3311), its stock value and the margin of its sale appear in no page
and no file the sales role can open.

The world is built once for the module inside a transaction that is rolled back at the end;
each test runs in a savepoint of it."""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.conftest import ensure_roles, make_role_users
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    ItemBarcodeFactory,
    ItemFactory,
    LocationFactory,
    PriceLevelFactory,
    SupplierFactory,
    SupplierItemFactory,
    UnitFactory,
    WarehouseFactory,
)

ROLES = ("anonymous", "purchasing", "sales", "clerk_a", "clerk_b", "manager", "administrator", "finance")
UNIT_COST = Decimal("7.3311")  # the item's purchase price: sales staff must never see it
SALES_PRICE = Decimal("9.0000")


def D(text) -> Decimal:
    return Decimal(str(text))


# The world -------------------------------------------------------------------------------------
def _users(wh_a, wh_b) -> dict:
    return make_role_users(wh_a, wh_b)


def build_world() -> dict:
    """Everything in warehouse A, with numbers that are easy to recognise:

    - COSTLY bought at ¥7.3311: PO for 1,010, receipt of 1,001 posted, 9 left on a draft receipt,
      a draft return of 1; sold at ¥9.00: order of 30 confirmed, 10 shipped, 1 of those returned
      to stock, a draft shipment for the rest. Every move carries ¥7.3311, so the average stays
      ¥7.3311 and 992 on hand are worth 991 × 7.3311 + 7.331 (the unit taken back at the
      cost it left with, 73.31 / 10) = ¥7,272.45.
    - a batch-tracked item with one batch, a draft issue, a transfer inside A, a stocktake in
      progress, a closed month, an alert, a clerk's export, a payment each way partly allocated.
    Warehouse B holds its own water, received by its own clerk, so clerk B's pages are not empty."""
    from inventory import services as inv
    from inventory.services import LineInput
    from purchasing import services as po
    from purchasing.payables import BOOK as PAYABLES
    from reports import exports
    from reports.models import Alert, AlertKind
    from sales import services as so
    from sales.models import SalesPrice
    from sales.receivables import BOOK as RECEIVABLES
    from settlement import services as money

    today = timezone.localdate()
    wh_a = WarehouseFactory(code="WHA", name="仓库A")
    wh_b = WarehouseFactory(code="WHB", name="仓库B")
    users = _users(wh_a, wh_b)
    boss, buyer, seller, clerk = users["manager"], users["purchasing"], users["sales"], users["clerk_a"]
    loc_a = LocationFactory(warehouse=wh_a, code="ZA-01", path="ZA-01")
    loc_a2 = LocationFactory(warehouse=wh_a, code="ZA-02", path="ZA-02")
    loc_b = LocationFactory(warehouse=wh_b, code="ZB-01", path="ZB-01")
    unit = UnitFactory(code="KG", name="千克")
    category = CategoryFactory(code="CAT-X", name="类别X")
    item = ItemFactory(sku="COSTLY", name="贵货")
    ItemBarcodeFactory(item=item, barcode="6901234567892")
    yog = ItemFactory(sku="YOG", name="酸奶", tracking="batch_expiry", shelf_life_days=30)
    water_b = ItemFactory(sku="WATER-B", name="B仓水")

    # Buying: PO 1,010 × ¥7.3311, approved; 1,001 received; 9 still on a draft receipt.
    supplier = SupplierFactory(code="S-X", name="供应商X", default_lead_time_days=3)
    supplier_item = SupplierItemFactory(supplier=supplier, item=item, unit=item.base_unit, price=UNIT_COST)
    order = po.order_create(supplier=supplier, warehouse=wh_a, user=buyer)
    po.order_set_lines(
        order_id=order.pk, lines=[po.OrderLineInput(item=item, unit_id=item.base_unit_id, qty=D(1010))]
    )
    po.order_submit(order_id=order.pk, user=buyer)
    order.refresh_from_db()
    if order.status == "submitted":
        po.order_approve(order_id=order.pk, user=boss)
    receipt = po.receipt_create(order_id=order.pk, user=clerk)
    po.receipt_set_lines(
        receipt_id=receipt.pk,
        lines=[
            po.ReceiptLineInput(
                order_line_id=order.lines.get().pk, location_id=loc_a.pk, accepted_qty=D(1001)
            )
        ],
    )
    po.receipt_post(receipt_id=receipt.pk, user=clerk)
    receipt_draft = po.receipt_create(order_id=order.pk, user=clerk)
    purchase_return = po.return_create(
        receipt_id=receipt.pk,
        user=buyer,
        reason="defective",
        lines=[po.ReturnLineInput(receipt_line_id=receipt.lines.get().pk, qty=D(1))],
    )

    # Selling: 30 × ¥9.00 confirmed, 10 shipped, 1 returned to stock, a draft for the rest.
    level = PriceLevelFactory(code="RETAIL", name="零售价")
    customer = CustomerFactory(code="K-X", name="客户X", price_level=level, credit_limit=D(100000))
    sales_price = SalesPrice.objects.create(
        item=item, price_level=level, unit=item.base_unit, price=SALES_PRICE
    )
    sales_order = so.order_create(customer=customer, warehouse=wh_a, user=seller)
    so.order_set_lines(
        order_id=sales_order.pk,
        lines=[so.SalesLineInput(item=item, unit_id=item.base_unit_id, qty=D(30))],
    )
    so.order_confirm(order_id=sales_order.pk, user=seller)
    sales_order.refresh_from_db()
    so_line = sales_order.lines.get()
    shipment = so.shipment_create(order_id=sales_order.pk, user=clerk)
    so.shipment_set_picks(shipment_id=shipment.pk, picks=[so.PickInput(so_line.pk, loc_a.pk, D(10))])
    so.shipment_post(shipment_id=shipment.pk, user=clerk)
    customer_return = so.return_post(
        shipment_id=shipment.pk,
        user=seller,
        reason="不要了",
        lines=[so.ReturnLineInput(shipment.lines.get().pk, D(1), restock=True, location_id=loc_a.pk)],
    )
    shipment_draft = so.shipment_create(order_id=sales_order.pk, user=clerk)

    # Warehouse documents in A: yoghurt received in a batch, a draft issue, a transfer A-01 → A-02.
    yog_in = inv.document_create(kind="receipt", warehouse=wh_a, user=clerk)
    inv.document_set_lines(
        document=yog_in,
        lines=[
            LineInput(
                yog,
                loc_a.pk,
                yog.base_unit_id,
                D(40),
                batch_no="YA-0001",
                expiry_date=today + timedelta(days=20),
                unit_cost=D("2.00"),
            )
        ],
    )
    inv.document_post(document_id=yog_in.pk, user=clerk)
    batch_a = yog.batches.get(batch_no="YA-0001")
    doc_draft = inv.document_create(kind="issue", warehouse=wh_a, user=clerk)
    inv.document_set_lines(document=doc_draft, lines=[LineInput(item, loc_a.pk, item.base_unit_id, D(2))])
    transfer = inv.document_create(kind="transfer", warehouse=wh_a, user=clerk)
    inv.document_set_lines(
        document=transfer,
        lines=[
            LineInput(yog, loc_a.pk, yog.base_unit_id, D(5), to_location_id=loc_a2.pk, batch_no="YA-0001")
        ],
    )

    # Warehouse B: its own water, received by its own clerk.
    b_in = inv.document_create(kind="receipt", warehouse=wh_b, user=users["clerk_b"])
    inv.document_set_lines(
        document=b_in, lines=[LineInput(water_b, loc_b.pk, water_b.base_unit_id, D(50), unit_cost=D("1.00"))]
    )
    inv.document_post(document_id=b_in.pk, user=users["clerk_b"])

    # A month closed two months ago (nothing moved then), a stocktake in progress of bin ZA-02.
    first = today.replace(day=1)
    closed = (first - timedelta(days=1)).replace(day=1) - timedelta(days=1)
    period = inv.period_close(year=closed.year, month=closed.month, user=boss)
    yog_move = inv.document_create(kind="transfer", warehouse=wh_a, user=clerk)
    inv.document_set_lines(
        document=yog_move,
        lines=[
            LineInput(yog, loc_a.pk, yog.base_unit_id, D(3), to_location_id=loc_a2.pk, batch_no="YA-0001")
        ],
    )
    inv.document_post(document_id=yog_move.pk, user=clerk)
    count = inv.count_create(warehouse=wh_a, user=clerk, location=loc_a2)
    inv.count_start(count_id=count.pk, user=clerk)
    count_line = count.lines.get()

    alert = Alert.objects.create(
        kind=AlertKind.BELOW_SAFETY,
        item=yog,
        warehouse=wh_a,
        qty=D(3),
        threshold=D(10),
        last_seen_at=timezone.now(),
    )
    export = exports.start_export(user=clerk, report_slug="valuation", params={}, language="en")
    exports.run_export(export.pk)

    # Money: a payment to the supplier and one from the customer, each partly allocated.
    payable = PAYABLES.entry_model.objects.get(source_type="receipt", source_id=receipt.pk)
    receivable = RECEIVABLES.entry_model.objects.get(source_type="shipment", source_id=shipment.pk)
    pay_payment = money.record_payment(
        PAYABLES,
        party=supplier,
        day=today,
        method="bank",
        amount=D("500.00"),
        user=users["finance"],
        allocations=[money.AllocationInput(payable.pk, D("100.00"))],
    )
    rcv_payment = money.record_payment(
        RECEIVABLES,
        party=customer,
        day=today,
        method="bank",
        amount=D("50.00"),
        user=users["finance"],
        allocations=[money.AllocationInput(receivable.pk, D("20.00"))],
    )
    pay_credit = money.payment_entry(PAYABLES, pay_payment)
    rcv_credit = money.payment_entry(RECEIVABLES, rcv_payment)

    return {
        "users": users,
        "wh_a": wh_a,
        "wh_b": wh_b,
        "loc_a": loc_a,
        "unit": unit,
        "category": category,
        "item": item,
        "batch_a": batch_a,
        "supplier": supplier,
        "supplier_item": supplier_item,
        "po": order,
        "receipt": receipt,
        "receipt_draft": receipt_draft,
        "receipt_draft_line": receipt_draft.lines.get(),
        "purchase_return": purchase_return,
        "customer": customer,
        "pricelevel": level,
        "salesprice": sales_price,
        "so": sales_order,
        "so_line": so_line,
        "shipment": shipment,
        "shipment_draft": shipment_draft,
        "customer_return": customer_return,
        "doc_draft": doc_draft,
        "transfer": transfer,
        "doc_posted": yog_in,
        "doc_b": b_in,
        "period": period,
        "count": count,
        "count_line": count_line,
        "alert": alert,
        "export": export,
        "pay_payment": pay_payment,
        "pay_credit": pay_credit,
        "pay_allocation": PAYABLES.allocation_model.objects.get(credit=pay_credit),
        "rcv_payment": rcv_payment,
        "rcv_credit": rcv_credit,
        "rcv_allocation": RECEIVABLES.allocation_model.objects.get(credit=rcv_credit),
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], MEDIA_ROOT=str(media)
    )
    # 403/404 are expected by the hundred here; a 500 is still logged (ERROR)
    request_log = logging.getLogger("django.request")
    level = request_log.level
    with django_db_blocker.unblock(), fast:
        atomic = transaction.atomic()
        atomic.__enter__()
        request_log.setLevel(logging.ERROR)
        try:
            ensure_roles()
            made = build_world()
            clients = {"anonymous": Client()}
            for role, user in made["users"].items():
                clients[role] = Client()
                clients[role].force_login(user)
            made["clients"] = clients
            yield made
        finally:
            request_log.setLevel(level)
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# The table ---------------------------------------------------------------------------------------
# One row per URL name: what a GET answers for each role, in the order of ROLES:
#   anonymous  purchasing  sales  clerk_a  clerk_b  manager  administrator  finance
# "L" is a redirect to the log-in page (with ?next=), "R" any other redirect, a number the status.
# A second string, for URLs that only take POST, is what a POST without form data answers; the
# roles refused there must change nothing in the database. Every other URL is also POSTed by roles
# refused on its GET (anonymous, clerk_b, one more): the same refusal (or 405), nothing changed.
# Objects named in the URLs all belong to warehouse A: clerk_b is 403/404 on every one of them.
TABLE: dict[str, str | tuple[str, str]] = {
    "home":                                 "L   200 200 200 200 200 200 200",
    "login":                                "200 R   R   R   R   R   R   R",
    "logout":                              ("405 405 405 405 405 405 405 405", "R R R R R R R R"),
    "password_change":                      "L   200 200 200 200 200 200 200",
    "password_change_done":                 "L   200 200 200 200 200 200 200",
    "finance_staff":                        "L   403 403 403 403 200 200 403",
    "set_language":                        ("R   R   R   R   R   R   R   R", "R R R R R R R R"),
    "javascript-catalog":                   "200 200 200 200 200 200 200 200",
    # master data (tests/test_master_data_access.py; finance reads suppliers and customers)
    "inventory:unit_list":                  "L   200 200 200 200 200 200 403",
    "inventory:unit_create":                "L   200 403 403 403 200 200 403",
    "inventory:unit_detail":                "L   200 200 200 200 200 200 403",
    "inventory:unit_update":                "L   200 403 403 403 200 200 403",
    "inventory:unit_toggle":               ("L   405 403 403 403 405 405 403", "L R 403 403 403 R R 403"),
    "inventory:category_list":              "L   200 200 200 200 200 200 403",
    "inventory:category_create":            "L   200 403 403 403 200 200 403",
    "inventory:category_detail":            "L   200 200 200 200 200 200 403",
    "inventory:category_update":            "L   200 403 403 403 200 200 403",
    "inventory:category_toggle":           ("L   405 403 403 403 405 405 403", "L R 403 403 403 R R 403"),
    "inventory:item_list":                  "L   200 200 200 200 200 200 403",
    "inventory:item_create":                "L   200 403 403 403 200 200 403",
    "inventory:item_detail":                "L   200 200 200 200 200 200 403",
    "inventory:item_update":                "L   200 403 403 403 200 200 403",
    "inventory:item_toggle":               ("L   405 403 403 403 405 405 403", "L R 403 403 403 R R 403"),
    "inventory:item_import":                "L   200 403 403 403 200 200 403",
    "inventory:item_import_template":       "L   200 403 403 403 200 200 403",
    "inventory:item_export":                "L   200 200 403 403 200 200 403",
    "inventory:warehouse_list":             "L   200 200 200 200 200 200 403",
    "inventory:warehouse_create":           "L   403 403 403 403 200 200 403",
    "inventory:warehouse_detail":           "L   200 200 200 404 200 200 403",
    "inventory:warehouse_update":           "L   403 403 403 403 200 200 403",
    "inventory:warehouse_toggle":          ("L   403 403 403 403 405 405 403", "L 403 403 403 403 R R 403"),
    "inventory:location_list":              "L   200 200 200 200 200 200 403",
    "inventory:location_create":            "L   403 403 200 200 200 200 403",
    "inventory:location_detail":            "L   200 200 200 404 200 200 403",
    "inventory:location_update":            "L   403 403 200 404 200 200 403",
    "inventory:location_toggle":           ("L   403 403 405 405 405 405 403", "L 403 403 R 404 R R 403"),
    "inventory:batch_list":                 "L   200 200 200 200 200 200 403",
    "inventory:batch_create":               "L   403 403 200 200 200 200 403",
    "inventory:batch_detail":               "L   200 200 200 200 200 200 403",  # batches are per item
    "inventory:batch_update":               "L   403 403 200 200 200 200 403",
    "inventory:batch_toggle":              ("L   403 403 405 405 405 405 403", "L 403 403 R R R R 403"),
    "purchasing:supplier_list":             "L   200 403 403 403 200 200 200",
    "purchasing:supplier_create":           "L   200 403 403 403 200 200 403",
    "purchasing:supplier_detail":           "L   200 403 403 403 200 200 200",
    "purchasing:supplier_update":           "L   200 403 403 403 200 200 403",
    "purchasing:supplier_toggle":          ("L   405 403 403 403 405 405 403", "L R 403 403 403 R R 403"),
    "purchasing:supplier_import":           "L   200 403 403 403 200 200 403",
    "purchasing:supplier_import_template":  "L   200 403 403 403 200 200 403",
    "purchasing:supplier_export":           "L   200 403 403 403 200 200 403",
    "purchasing:supplieritem_list":         "L   200 403 403 403 200 200 403",
    "purchasing:supplieritem_create":       "L   200 403 403 403 200 200 403",
    "purchasing:supplieritem_detail":       "L   200 403 403 403 200 200 403",
    "purchasing:supplieritem_update":       "L   200 403 403 403 200 200 403",
    "purchasing:supplieritem_toggle":      ("L   405 403 403 403 405 405 403", "L R 403 403 403 R R 403"),
    "sales:customer_list":                  "L   403 200 403 403 200 200 200",
    "sales:customer_create":                "L   403 200 403 403 200 200 403",
    "sales:customer_detail":                "L   403 200 403 403 200 200 200",
    "sales:customer_update":                "L   403 200 403 403 200 200 403",
    "sales:customer_toggle":               ("L   403 405 403 403 405 405 403", "L 403 R 403 403 R R 403"),
    "sales:customer_import":                "L   403 200 403 403 200 200 403",
    "sales:customer_import_template":       "L   403 200 403 403 200 200 403",
    "sales:customer_export":                "L   403 200 403 403 200 200 403",
    "sales:pricelevel_list":                "L   403 200 403 403 200 200 403",
    "sales:pricelevel_create":              "L   403 403 403 403 200 200 403",
    "sales:pricelevel_detail":              "L   403 200 403 403 200 200 403",
    "sales:pricelevel_update":              "L   403 403 403 403 200 200 403",
    "sales:pricelevel_toggle":             ("L   403 403 403 403 405 405 403", "L 403 403 403 403 R R 403"),
    "sales:salesprice_list":                "L   403 200 403 403 200 200 403",
    "sales:salesprice_create":              "L   403 200 403 403 200 200 403",
    "sales:salesprice_detail":              "L   403 200 403 403 200 200 403",
    "sales:salesprice_update":              "L   403 200 403 403 200 200 403",
    "sales:salesprice_toggle":             ("L   403 405 403 403 405 405 403", "L 403 R 403 403 R R 403"),
    # stock (tests/inventory/test_stock_views.py): sales see quantities, never costs
    "inventory:stock_on_hand":              "L   200 200 200 200 200 200 403",
    "inventory:stock_card":                 "L   200 403 200 200 200 200 403",
    "inventory:stock_valuation":            "L   200 403 403 403 200 200 403",
    "inventory:stock_valuation_export":     "L   200 403 403 403 200 200 403",
    "inventory:opening_stock_import":       "L   403 403 200 200 200 200 403",
    "inventory:opening_stock_template":     "L   403 403 200 200 200 200 403",
    "inventory:stockdocument_list":         "L   200 403 200 200 200 200 403",
    "inventory:stockdocument_create":       "L   403 403 200 200 200 200 403",
    "inventory:stockdocument_detail":       "L   200 403 200 404 200 200 403",
    "inventory:stockdocument_update":       "L   403 403 200 404 200 200 404",
    "inventory:stockdocument_print":        "L   200 403 200 404 200 200 403",
    "inventory:stockdocument_action":      ("405 405 405 405 405 405 405 405", "L 403 403 R 404 R R 403"),
    "inventory:stockdocument_lines":       ("405 405 405 405 405 405 405 405", "L 403 403 404 404 404 404 403"),
    "inventory:period_list":                "L   403 403 403 403 200 200 403",
    "inventory:period_close":              ("405 405 405 405 405 405 405 405", "L 403 403 403 403 R R 403"),
    "inventory:period_reopen":             ("405 405 405 405 405 405 405 405", "L 403 403 403 403 403 R 403"),
    "inventory:stockcount_list":            "L   403 403 200 200 200 200 403",
    "inventory:stockcount_create":          "L   403 403 200 200 200 200 403",
    "inventory:stockcount_detail":          "L   403 403 200 404 200 200 403",
    "inventory:stockcount_sheet":           "L   403 403 200 404 200 200 403",
    "inventory:stockcount_review":          "L   403 403 403 404 200 200 403",
    "inventory:stockcount_print":           "L   403 403 200 404 200 200 403",
    "inventory:stockcount_scan":           ("405 405 405 405 405 405 405 405", "L 403 403 R 404 R R 403"),
    "inventory:stockcount_line":           ("405 405 405 405 405 405 405 405", "L 403 403 R 404 R R 403"),
    "inventory:stockcount_action":         ("405 405 405 405 405 405 405 405", "L 403 403 R 404 R R 403"),
    # purchasing (tests/purchasing/test_views.py); the order is approved: editing redirects
    "purchasing:order_list":                "L   200 403 403 403 200 200 403",
    "purchasing:order_create":              "L   200 403 403 403 200 200 403",
    "purchasing:order_detail":              "L   200 403 403 403 200 200 403",
    "purchasing:order_update":              "L   R   403 403 403 R   R   403",
    "purchasing:order_print":               "L   200 403 403 403 200 200 403",
    "purchasing:order_export":              "L   200 403 403 403 200 200 403",
    "purchasing:order_import":              "L   200 403 403 403 200 200 403",
    "purchasing:order_import_template":     "L   200 403 403 403 200 200 403",
    "purchasing:order_action":             ("405 405 405 405 405 405 405 405", "L R 403 403 403 R R 403"),
    "purchasing:receipt_list":              "L   200 403 200 200 200 200 403",
    "purchasing:receipt_start":            ("405 405 405 405 405 405 405 405", "L 403 403 R R R R 403"),
    "purchasing:receipt_detail":            "L   200 403 200 404 200 200 403",
    "purchasing:receipt_edit":              "L   403 403 200 404 200 200 404",
    "purchasing:receipt_scan":             ("405 405 405 405 405 405 405 405", "L 403 403 422 404 422 422 404"),
    "purchasing:receipt_line":             ("405 405 405 405 405 405 405 405", "L 403 403 422 404 422 422 404"),
    "purchasing:receipt_action":           ("405 405 405 405 405 405 405 405", "L 403 403 R 404 R R 404"),
    "purchasing:return_create":             "L   200 403 403 403 200 200 403",
    "purchasing:return_detail":             "L   200 403 403 403 200 200 403",
    "purchasing:reorder":                   "L   200 403 403 403 200 200 403",
    "purchasing:supplier_performance":      "L   200 403 403 403 200 200 403",
    # money owed (tests/settlement/test_views.py)
    "purchasing:payables_list":             "L   200 403 403 403 200 200 200",
    "purchasing:payables_export":           "L   200 403 403 403 200 200 200",
    "purchasing:payables_detail":           "L   200 403 403 403 200 200 200",
    "purchasing:payables_statement":        "L   200 403 403 403 200 200 200",
    "purchasing:payables_statement_print":  "L   200 403 403 403 200 200 200",
    "purchasing:payables_statement_export": "L   200 403 403 403 200 200 200",
    "purchasing:payables_allocate":         "L   403 403 403 403 200 200 200",
    "purchasing:payables_unallocate":      ("405 405 405 405 405 405 405 405", "L 403 403 403 403 R R R"),
    "purchasing:payment_list":              "L   200 403 403 403 200 200 200",
    "purchasing:payment_create":            "L   403 403 403 403 200 200 200",
    "purchasing:payment_detail":            "L   200 403 403 403 200 200 200",
    "purchasing:payment_reverse":          ("405 405 405 405 405 405 405 405", "L 403 403 403 403 200 200 200"),
    "sales:receivables_list":               "L   403 200 403 403 200 200 200",
    "sales:receivables_export":             "L   403 200 403 403 200 200 200",
    "sales:receivables_detail":             "L   403 200 403 403 200 200 200",
    "sales:receivables_statement":          "L   403 200 403 403 200 200 200",
    "sales:receivables_statement_print":    "L   403 200 403 403 200 200 200",
    "sales:receivables_statement_export":   "L   403 200 403 403 200 200 200",
    "sales:receivables_allocate":           "L   403 403 403 403 200 200 200",
    "sales:receivables_unallocate":        ("405 405 405 405 405 405 405 405", "L 403 403 403 403 R R R"),
    "sales:payment_list":                   "L   403 200 403 403 200 200 200",
    "sales:payment_create":                 "L   403 403 403 403 200 200 200",
    "sales:payment_detail":                 "L   403 200 403 403 200 200 200",
    "sales:payment_reverse":               ("405 405 405 405 405 405 405 405", "L 403 403 403 403 200 200 200"),
    # sales orders and shipping (tests/sales/); the order is confirmed: editing redirects
    "sales:order_list":                     "L   403 200 403 403 200 200 403",
    "sales:order_create":                   "L   403 200 403 403 200 200 403",
    "sales:order_atp":                      "L   403 200 403 403 200 200 403",
    "sales:order_detail":                   "L   403 200 403 403 200 200 403",
    "sales:order_update":                   "L   403 R   403 403 R   R   403",
    "sales:order_action":                  ("405 405 405 405 405 405 405 405", "L 403 R 403 403 R R 403"),
    "sales:shipment_list":                  "L   403 200 200 200 200 200 403",
    "sales:shipment_start":                ("405 405 405 405 405 405 405 405", "L 403 403 R R R R 403"),
    "sales:shipment_detail":                "L   403 200 200 404 200 200 403",
    "sales:shipment_pick":                  "L   403 403 200 404 200 200 403",
    "sales:shipment_scan":                 ("405 405 405 405 405 405 405 405", "L 403 403 422 404 422 422 403"),
    "sales:shipment_pick_line":            ("405 405 405 405 405 405 405 405", "L 403 403 404 404 404 404 403"),
    "sales:shipment_action":               ("405 405 405 405 405 405 405 405", "L 403 403 R 404 R R 403"),
    "sales:shipment_print":                 "L   403 200 200 404 200 200 403",
    "sales:return_create":                  "L   403 200 403 403 200 200 403",
    "sales:return_detail":                  "L   403 200 403 403 200 200 403",
    # reports, alerts and exports (tests/reports/test_report_roles.py; each report: REPORTS)
    "reports:report_index":                 "L   200 200 200 200 200 200 403",
    "reports:report_abc_apply":            ("405 405 405 405 405 405 405 405", "L R 403 403 403 R R 403"),
    "reports:alert_list":                   "L   200 200 200 200 200 200 403",
    "reports:alert_acknowledge":           ("405 405 405 405 405 405 405 405", "L R 404 R 404 R R 403"),
    "reports:export_list":                  "L   200 200 200 200 200 200 200",
    "reports:export_start":                ("L   405 405 405 405 405 405 405", "L R 403 R R R R 403"),
    "reports:export_detail":                "L   404 404 200 404 404 404 404",  # clerk A's export
    "reports:export_status":                "L   404 404 200 404 404 404 404",
    "reports:export_download":              "L   404 404 200 404 404 404 404",
}  # fmt: skip
# reports:report/<slug>: who opens each report (reports.view_*_reports)
STOCK_REPORT = "L 200 403 200 200 200 200 403"
PURCHASE_REPORT = "L 200 403 403 403 200 200 403"
SALES_REPORT = "L 403 200 403 403 200 200 403"
REPORTS = {
    "valuation": STOCK_REPORT,
    "turnover": STOCK_REPORT,
    "abc": STOCK_REPORT,
    "ageing": STOCK_REPORT,
    "slow_moving": STOCK_REPORT,
    "purchase_summary": PURCHASE_REPORT,
    "supplier_performance": PURCHASE_REPORT,
    "sales_summary": SALES_REPORT,
    "processing_time": SALES_REPORT,
    "sales_trend": SALES_REPORT,
    "gross_margin": "L 403 403 403 403 200 200 403",  # managers only
}

# URL arguments: keys of the world (or literal values), and a query string where the page needs one.
ARGS = {
    "unit": ["unit"],
    "category": ["category"],
    "item": ["item"],
    "warehouse": ["wh_a"],
    "location": ["loc_a"],
    "batch": ["batch_a"],
    "supplier": ["supplier"],
    "supplieritem": ["supplier_item"],
    "customer": ["customer"],
    "pricelevel": ["pricelevel"],
    "salesprice": ["salesprice"],
}
SPECIAL = {
    "inventory:stockdocument_detail": ["doc_draft"],
    "inventory:stockdocument_update": ["doc_draft"],
    "inventory:stockdocument_print": ["doc_draft"],
    "inventory:stockdocument_action": ["doc_draft", "post"],
    "inventory:stock_card": ["item"],
    "inventory:period_reopen": ["period"],
    "inventory:stockcount_detail": ["count"],
    "inventory:stockcount_sheet": ["count"],
    "inventory:stockcount_scan": ["count"],
    "inventory:stockcount_line": ["count", "count_line"],
    "inventory:stockcount_review": ["count"],
    "inventory:stockcount_print": ["count"],
    "inventory:stockcount_action": ["count", "submit"],
    "purchasing:order_detail": ["po"],
    "purchasing:order_update": ["po"],
    "purchasing:order_print": ["po"],
    "purchasing:order_action": ["po", "close"],
    "purchasing:order_export": ["po"],
    "purchasing:order_import": ["po"],
    "purchasing:receipt_detail": ["receipt"],
    "purchasing:receipt_edit": ["receipt_draft"],
    "purchasing:receipt_scan": ["receipt_draft"],
    "purchasing:receipt_line": ["receipt_draft", "receipt_draft_line"],
    "purchasing:receipt_action": ["receipt_draft", "cancel"],
    "purchasing:return_create": ["receipt"],
    "purchasing:return_detail": ["purchase_return"],
    "purchasing:payables_detail": ["supplier"],
    "purchasing:payables_statement": ["supplier"],
    "purchasing:payables_statement_print": ["supplier"],
    "purchasing:payables_statement_export": ["supplier"],
    "purchasing:payables_allocate": ["pay_credit"],
    "purchasing:payables_unallocate": ["pay_allocation"],
    "purchasing:payment_detail": ["pay_payment"],
    "purchasing:payment_reverse": ["pay_payment"],
    "sales:order_detail": ["so"],
    "sales:order_update": ["so"],
    "sales:order_action": ["so", "cancel"],
    "sales:shipment_detail": ["shipment"],
    "sales:shipment_print": ["shipment"],
    "sales:return_create": ["shipment"],
    "sales:shipment_pick": ["shipment_draft"],
    "sales:shipment_scan": ["shipment_draft"],
    "sales:shipment_pick_line": ["shipment_draft", "so_line"],
    "sales:shipment_action": ["shipment_draft", "cancel"],
    "sales:return_detail": ["customer_return"],
    "sales:receivables_detail": ["customer"],
    "sales:receivables_statement": ["customer"],
    "sales:receivables_statement_print": ["customer"],
    "sales:receivables_statement_export": ["customer"],
    "sales:receivables_allocate": ["rcv_credit"],
    "sales:receivables_unallocate": ["rcv_allocation"],
    "sales:payment_detail": ["rcv_payment"],
    "sales:payment_reverse": ["rcv_payment"],
    "reports:alert_acknowledge": ["alert"],
    "reports:export_detail": ["export"],
    "reports:export_status": ["export"],
    "reports:export_download": ["export"],
}
QUERY = {
    "inventory:stockdocument_create": lambda w: "?kind=receipt",
    "sales:order_atp": lambda w: (
        f"?item={w['item'].pk}&warehouse={w['wh_a'].pk}&unit={w['item'].base_unit_id}&qty=1"
    ),
}
POST_DATA = {"reports:export_start": {"report": "valuation"}}


def url_names(resolver=None, namespace=()):
    """(full name, pattern) of every named URL, all namespaces."""
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            yield from url_names(p, (*namespace, p.namespace) if p.namespace else namespace)
        elif isinstance(p, URLPattern) and p.name:
            yield ":".join((*namespace, p.name)), p


APP_URLS = sorted({name for name, _p in url_names() if not name.startswith("admin:")} - {"reports:report"})
ADMIN_URLS = sorted(
    {name for name, p in url_names() if name.startswith("admin:") and not p.pattern.regex.groups}
)


def arg_keys(name: str) -> list[str]:
    keys = SPECIAL.get(name)
    if keys is None:
        model, _, action = name.split(":")[-1].rpartition("_")
        keys = ARGS[model] if action in ("detail", "update", "toggle") else []
    return keys


def url_for(name: str, world) -> str:
    keys = arg_keys(name)
    url = reverse(name, args=[world[k].pk if k in world else k for k in keys])
    return url + (QUERY[name](world) if name in QUERY else "")


def codes(row: str) -> list[str]:
    got = row.split()
    assert len(got) == len(ROLES), row
    return got


def status_of(response, url) -> str:
    if response.status_code == 302:
        where = response["Location"]
        return "L" if where.startswith(reverse("login") + "?next=") else "R"
    return str(response.status_code)


def body_of(response) -> bytes:
    """The whole body, streamed files included (reading it runs any generator behind it)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def text_of(response) -> str:
    """What a person would read: the page, or the cells of an Excel file, or the CSV text."""
    data = body_of(response)
    if data[:2] == b"PK":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        cells = [_cell(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row]
        return "\n".join(c for c in cells if c)
    return data.decode("utf-8-sig", "replace")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float | int | Decimal) and not isinstance(value, bool):
        return format(Decimal(str(value)).normalize(), "f")
    return str(value)


def a_markers(world) -> list[str]:
    """What only someone who sees warehouse A can know: its documents' numbers and its bins."""
    keys = ("receipt", "receipt_draft", "shipment", "shipment_draft", "doc_draft", "transfer")
    keys += ("doc_posted", "count", "purchase_return", "customer_return", "so", "po")
    return [world[k].number for k in keys] + ["ZA-01", "ZA-02"]


def visible(text: str) -> str:
    """The text without HTML tags and attributes (hashed static file names are no figures)."""
    return re.sub(r"<[^>]*>", " ", text)


def a_figures_in(text: str) -> list[str]:
    """COSTLY's quantities in warehouse A (992 on hand, 1,001 received) wherever they show."""
    return [f for f in ("992", "1,001", "1001") if re.search(rf"(?<![\d.,]){f}(?![\d])", text)]


def fingerprint():
    from django.db import connection

    qn = connection.ops.quote_name
    tables = sorted(
        {
            m._meta.db_table
            for label in ("accounts", "inventory", "purchasing", "sales", "settlement", "reports")
            for m in apps.get_app_config(label).get_models(include_auto_created=True)
        }
    )
    sql = " UNION ALL ".join(
        f"SELECT '{t}', count(*), coalesce(sum(hashtext(x::text)::bigint), 0) FROM {qn(t)} x"  # noqa: S608 (model tables)
        for t in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {table: (n, digest) for table, n, digest in cursor.fetchall()}


# The tests -------------------------------------------------------------------------------------
def test_every_url_of_the_resolver_is_in_the_table():
    names = {name for name, _p in url_names() if not name.startswith("admin:")}

    missing = sorted(names - set(TABLE) - {"reports:report"})
    assert not missing, f"URL names missing from the expected-status table: {missing}"
    assert sorted(set(TABLE) - names) == [], "rows of the table that are no URL any more"
    from reports.base import REGISTRY

    assert sorted(REGISTRY) == sorted(REPORTS), "every report needs its row in REPORTS"


def check_gets(world, name: str, url: str, expected: str) -> None:
    got = {}
    for role in ROLES:
        response = world["clients"][role].get(url)
        got[role] = status_of(response, url)
        if got[role] == "L":
            assert response["Location"].endswith("?next=" + quote(url)), (role, response["Location"])
        if got[role] == "200":
            text = text_of(response)
            if role == "clerk_b":
                leaked = [m for m in a_markers(world) if m in text] + a_figures_in(visible(text))
                assert not leaked, f"{name}: clerk B sees warehouse A's {leaked}"
    assert got == dict(zip(ROLES, codes(expected), strict=True)), name


@pytest.mark.parametrize("name", APP_URLS)
def test_each_url_answers_each_role_as_the_table_says(world, db, name):
    assert name in TABLE, f"{name} is missing from the expected-status table"
    row = TABLE[name]
    get_row, post_row = (row, None) if isinstance(row, str) else row
    url = url_for(name, world)

    check_gets(world, name, url, get_row)

    clients = dict(world["clients"])
    if name == "logout":  # logging out must not end the shared clients' sessions
        for role, user in world["users"].items():
            clients[role] = Client()
            clients[role].force_login(user)
    before = fingerprint()
    data = POST_DATA.get(name, {})
    if post_row is None:
        # refused on a GET: refused on a POST too (or 405), and nothing changes. Anonymous, clerk
        # B and one more refused role are enough: the check is the view's, not the role's.
        refused = [(r, c) for r, c in zip(ROLES, codes(get_row), strict=True) if c in ("L", "403", "404")]
        refused = [rc for rc in refused if rc[0] in ("anonymous", "clerk_b")] + [
            rc for rc in refused if rc[0] not in ("anonymous", "clerk_b")
        ][:1]
        for role, code in refused:
            got = status_of(world["clients"][role].post(url, data), url)
            assert got in (code, "405"), (name, role, got)
        assert fingerprint() == before, f"{name}: a refused POST changed the database"
        return
    got = {}
    for role, code in zip(ROLES, codes(post_row), strict=True):
        client = clients[role]
        if code in ("L", "403", "404"):
            got[role] = status_of(client.post(url, data), url)
        else:
            savepoint = transaction.savepoint()  # the allowed POST is undone for the next role
            got[role] = status_of(client.post(url, data), url)
            transaction.savepoint_rollback(savepoint)
    assert got == dict(zip(ROLES, codes(post_row), strict=True)), name
    assert fingerprint() == before, f"{name}: a refused POST changed the database"


@pytest.mark.parametrize("slug", sorted(REPORTS))
def test_each_report_page_answers_each_role_as_the_table_says(world, db, slug):
    url = reverse("reports:report", args=[slug])

    check_gets(world, f"reports:report/{slug}", url, REPORTS[slug])


def test_the_django_admin_is_for_staff_only(world, db):
    # One rule for all of admin:*: every page without arguments sends anonymous visitors and the
    # roles that are not staff (the manager included) to the admin's log-in page; the
    # administrator (staff) opens the index and every list.
    admin_login = reverse("admin:login")
    pages = [name for name in ADMIN_URLS if name not in ("admin:login", "admin:logout")]
    assert len(pages) > 40
    for name in pages:
        url = reverse(name)
        roles = ROLES if name == "admin:index" else ("anonymous", "manager", "sales")
        for role in roles:
            response = world["clients"][role].get(url)
            if role == "administrator":
                assert response.status_code == 200, name
            else:
                assert response.status_code == 302, (name, role)
                assert response["Location"].startswith(admin_login), (name, role)
        if name.endswith("_changelist"):
            assert world["clients"]["administrator"].get(url).status_code == 200, name


# Purchase cost and margin stay away from sales staff -------------------------------------------
def variants(amount: Decimal) -> set[str]:
    """How a figure may be written: 4 or 2 places, with or without thousands separators."""
    out = set()
    for places in ("0.0001", "0.01"):
        q = amount.quantize(Decimal(places))
        out |= {f"{q}", f"{q:,}"}
    return out


def cost_figures(world) -> set[str]:
    """The item's cost (¥7.3311), its stock value, the cost of the goods shipped and the margin,
    as they stand in the database (checked against the arithmetic first)."""
    from inventory.models import ItemValuation
    from sales.models import ShipmentLine

    item, order = world["item"], world["po"]
    valuation = ItemValuation.objects.get(item=item)
    assert valuation.qty == D(992)  # 1,001 in, 10 out, 1 back
    # 991 × 7.3311 + the unit taken back at the cost it left with (73.31 / 10 = 7.331), to the fen
    assert valuation.value == D("7272.45")
    cogs = sum(line.cost for line in ShipmentLine.objects.filter(shipment=world["shipment"]))
    assert cogs == D("73.31")  # 10 × 7.3311 = 73.311, to the fen
    margin = 10 * SALES_PRICE - cogs  # 90.00 − 73.31 = 16.69
    figures = {"7.331"} | variants(UNIT_COST) | variants(valuation.value)
    figures |= {str(valuation.avg_cost)} | variants(valuation.avg_cost) | variants(cogs) | variants(margin)
    figures |= variants(order.total) | variants(order.total_net)  # what the supplier is paid
    figures |= variants(margin / (10 * SALES_PRICE) * 100)  # margin rate 18.54 %
    return figures


def assert_no_cost(text: str, figures: set[str], where: str) -> None:
    seen = sorted(f for f in figures if re.search(rf"(?<![\d.,]){re.escape(f)}(?![\d])", text))
    assert not seen, f"{where} shows sales staff the purchase cost or margin: {seen}"


SALES_FILES = [
    ("inventory:item_export", ""),
    ("inventory:item_export", "?format=csv"),
    ("sales:customer_export", ""),
    ("sales:customer_export", "?format=csv"),
    ("sales:receivables_export", ""),
    ("sales:receivables_statement_export", ""),
]


def test_sales_staff_see_no_purchase_cost_or_margin_anywhere(world, db):
    from reports import exports
    from reports.models import ExportJob

    sales, figures = world["clients"]["sales"], cost_figures(world)
    opened = []
    for name in APP_URLS:
        row = TABLE[name]
        if codes(row if isinstance(row, str) else row[0])[ROLES.index("sales")] == "200":
            opened.append(url_for(name, world))
    opened += [reverse("reports:report", args=[s]) for s, row in REPORTS.items() if codes(row)[2] == "200"]
    opened += [url_for(name, world) + query for name, query in SALES_FILES]
    assert len(opened) > 40  # the table gives sales staff plenty to open
    for url in opened:
        response = sales.get(url)
        assert response.status_code == 200, url
        assert_no_cost(text_of(response), figures, url)
    # the same pages show the manager the cost and the buyer the stock value: the check can fail
    manager = world["clients"]["manager"]
    shipment = text_of(manager.get(reverse("sales:shipment_detail", args=[world["shipment"].pk])))
    stock = text_of(world["clients"]["purchasing"].get(reverse("inventory:stock_on_hand")))
    assert re.search(r"(?<![\d.,])73\.31(?!\d)", shipment)
    assert re.search(r"(?<![\d.,])7,272\.45(?!\d)", stock)

    for slug, row in REPORTS.items():
        if codes(row)[2] != "200":
            continue
        response = sales.post(reverse("reports:export_start"), {"report": slug})
        assert response.status_code == 302, slug
        job = ExportJob.objects.filter(user=world["users"]["sales"], report=slug).latest("pk")
        exports.run_export(job.pk)
        download = sales.get(reverse("reports:export_download", args=[job.pk]))
        assert download.status_code == 200, slug
        assert_no_cost(text_of(download), figures, f"the {slug} export")


# Warehouse B's clerk guessing warehouse A's ids in filters and exports -------------------------
FILTERED_PAGES = [
    "inventory:stock_on_hand",
    "inventory:stockdocument_list",
    "inventory:stockcount_list",
    "inventory:location_list",
    "purchasing:receipt_list",
    "sales:shipment_list",
    "reports:alert_list",
]
STOCK_REPORTS = sorted(slug for slug, row in REPORTS.items() if row == STOCK_REPORT)


def test_clerk_b_asking_for_warehouse_a_by_id_gets_nothing_of_it(world, db):
    clerk_b, wh_a, loc_a, item = world["clients"]["clerk_b"], world["wh_a"], world["loc_a"], world["item"]
    today = timezone.localdate()
    query = f"?warehouse={wh_a.pk}&location={loc_a.pk}&item={item.pk}&start={today:%Y-01-01}&end={today}"
    urls = [reverse(name) + query for name in FILTERED_PAGES]
    urls += [reverse("reports:report", args=[slug]) + query for slug in STOCK_REPORTS]
    urls.append(reverse("inventory:stock_card", args=[item.pk]) + f"?warehouse={wh_a.pk}")
    for url in urls:
        response = clerk_b.get(url)
        assert response.status_code in (200, 403, 404), url
        if response.status_code == 200:
            text = text_of(response)
            leaked = [m for m in [*a_markers(world), "仓库A"] if m in text] + a_figures_in(visible(text))
            assert not leaked, f"{url}: clerk B sees warehouse A's {leaked}"
    # while their own document is listed: the pages do list what clerk B may see
    own = clerk_b.get(reverse("inventory:stockdocument_list") + f"?warehouse={world['wh_b'].pk}")
    assert world["doc_b"].number in own.content.decode()


def test_clerk_b_exports_of_stock_reports_hold_nothing_of_warehouse_a(world, db):
    from reports import exports
    from reports.models import ExportJob

    clerk_b, user = world["clients"]["clerk_b"], world["users"]["clerk_b"]
    today = timezone.localdate()
    for slug in STOCK_REPORTS:
        # asking for warehouse A by id starts nothing
        clerk_b.post(reverse("reports:export_start"), {"report": slug, "warehouse": world["wh_a"].pk})
        assert not ExportJob.objects.filter(user=user, report=slug).exists(), slug
        this_year = {"start": f"{today:%Y-01-01}", "end": f"{today}"}  # today's moves included
        response = clerk_b.post(reverse("reports:export_start"), {"report": slug, **this_year})
        assert response.status_code == 302, slug
        job = ExportJob.objects.get(user=user, report=slug)
        exports.run_export(job.pk)
        text = text_of(clerk_b.get(reverse("reports:export_download", args=[job.pk])))
        leaked = [m for m in [*a_markers(world), "WHA", "仓库A"] if m in text] + a_figures_in(text)
        assert not leaked, f"clerk B's {slug} export holds warehouse A's {leaked}"
        # and clerk A's file of warehouse A stays clerk A's
        assert clerk_b.get(reverse("reports:export_download", args=[world["export"].pk])).status_code == 404


# Ids that do not exist ---------------------------------------------------------------------------
ID_URLS = sorted(
    name for name, p in url_names() if not name.startswith("admin:") and "int:" in str(p.pattern)
)


def test_an_id_that_does_not_exist_is_404_never_a_crash(world, db):
    role = "administrator"  # holds every permission: the view's own lookup answers
    client, before = world["clients"][role], fingerprint()
    wrong = []
    for name in ID_URLS:
        url = re.sub(r"/\d+/", "/999999/", url_for(name, world).split("?")[0])
        row = TABLE[name]
        allowed = codes(row if isinstance(row, str) else row[1])[ROLES.index(role)] not in ("403", "404")
        for method in (client.get, client.post):
            got = method(url).status_code
            if got not in (404, 405) and not (got == 403 and not allowed):
                wrong.append((name, method.__name__, got))
    assert not wrong, f"unknown ids answered otherwise than 404: {wrong}"
    assert fingerprint() == before


# The table itself ------------------------------------------------------------------------------
A_OBJECTS = {"wh_a", "loc_a", "doc_draft", "count", "count_line", "po", "receipt", "receipt_draft"}
A_OBJECTS |= {"receipt_draft_line", "purchase_return", "so", "so_line", "shipment", "shipment_draft"}
A_OBJECTS |= {"customer_return", "alert", "export"}


def test_the_table_never_lets_clerk_b_at_an_object_of_warehouse_a():
    clerk_b = ROLES.index("clerk_b")
    opened = []
    for name, row in TABLE.items():
        if not A_OBJECTS & set(arg_keys(name)):
            continue
        for line in (row,) if isinstance(row, str) else row:
            if codes(line)[clerk_b] not in ("403", "404", "405"):
                opened.append(name)
    assert sorted(set(opened)) == []
    assert len([n for n in TABLE if A_OBJECTS & set(arg_keys(n))]) > 40


# Nonsense in the query string ------------------------------------------------------------------
NONSENSE = "?page=x&warehouse=x&location=-1&item=%00&start=2026-13-45&end=yesterday&status=zzz&q=%27%22%3C&sort=nope&format=pdf"


def test_nonsense_in_the_query_string_is_never_a_crash(world, db):
    client = world["clients"]["administrator"]
    crashed = []
    for name in APP_URLS:
        row = TABLE[name]
        if codes(row if isinstance(row, str) else row[0])[ROLES.index("administrator")] != "200":
            continue
        url = url_for(name, world).split("?")[0] + NONSENSE
        try:
            response = client.get(url)
            body_of(response)
        except Exception as exc:  # noqa: BLE001 (the test client re-raises the view's exception)
            crashed.append((name, repr(exc)[:200]))
            continue
        if response.status_code >= 500:
            crashed.append((name, response.status_code))
    for slug in REPORTS:
        response = client.get(reverse("reports:report", args=[slug]) + NONSENSE)
        if response.status_code >= 500:
            crashed.append((slug, response.status_code))
    assert not crashed


def test_clerk_b_naming_warehouse_a_objects_in_a_form_changes_nothing(world, db):
    clerk_b, wh_a, loc_a, item = world["clients"]["clerk_b"], world["wh_a"], world["loc_a"], world["item"]
    before = fingerprint()
    today = timezone.localdate()

    for code in (world["po"].number, str(world["po"].pk)):
        response = clerk_b.post(reverse("purchasing:receipt_start"), {"order": code}, follow=True)
        assert f"No order {code} to receive in your warehouses." in response.content.decode()
    for code in (world["so"].number, str(world["so"].pk)):
        response = clerk_b.post(reverse("sales:shipment_start"), {"order": code}, follow=True)
        assert f"No order {code} to ship in your warehouses." in response.content.decode()
    response = clerk_b.post(
        reverse("inventory:stockcount_create"),
        {"warehouse": wh_a.pk, "location": loc_a.pk, "qty_threshold": "0", "value_threshold": "0"},
    )
    assert response.status_code == 200 and "warehouse" in response.context["form"].errors
    response = clerk_b.post(
        reverse("inventory:stockdocument_create") + "?kind=receipt",
        {
            "warehouse": wh_a.pk,
            "posting_date": f"{today}",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-item": item.pk,
            "lines-0-unit": item.base_unit_id,
            "lines-0-qty": "5",
            "lines-0-location": loc_a.pk,
            "lines-0-unit_cost": "1.00",
        },
    )
    assert response.status_code == 200  # the form again, with the warehouse refused
    lines = clerk_b.post(reverse("inventory:stockdocument_lines"), {"kind": "receipt", "warehouse": wh_a.pk})
    assert lines.status_code == 404

    assert fingerprint() == before
    # clerk A, naming the same order, goes on with the receipt already started
    response = world["clients"]["clerk_a"].post(
        reverse("purchasing:receipt_start"), {"order": world["po"].number}
    )
    assert response["Location"] == reverse("purchasing:receipt_edit", args=[world["receipt_draft"].pk])


def test_clerk_b_gets_404_on_warehouse_a_transfers_and_posted_documents(world, db):
    clerk_a, clerk_b, before = world["clients"]["clerk_a"], world["clients"]["clerk_b"], fingerprint()
    for key in ("transfer", "doc_posted"):
        pk = world[key].pk
        for name in ("stockdocument_detail", "stockdocument_print", "stockdocument_update"):
            url = reverse(f"inventory:{name}", args=[pk])
            assert clerk_b.get(url).status_code == 404, (key, name)
            assert clerk_a.get(url).status_code in (200, 302), (key, name)  # 302: posted, not editable
        for action in ("post", "reverse", "cancel"):
            url = reverse("inventory:stockdocument_action", args=[pk, action])
            assert clerk_b.post(url).status_code in (403, 404), (key, action)  # 403: not a clerk's act
    assert fingerprint() == before
