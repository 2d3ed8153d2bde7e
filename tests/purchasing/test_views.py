"""The purchasing screens: every order/receipt/return URL for every role, creating an order in
the browser form with exact totals, the approval buttons, and a clerk receiving by scanner."""

import re

import pytest
from django.urls import reverse

from purchasing import services
from purchasing.models import OrderStatus, PurchaseOrder, PurchaseReceipt, ReceiptStatus
from tests.factories import ItemBarcodeFactory, LocationFactory

from .conftest import D

pytestmark = pytest.mark.django_db

ROLES = (None, "purchasing", "sales", "clerk_a", "clerk_b", "manager", "administrator")
OFFICE = {"purchasing": 200, "manager": 200, "administrator": 200}  # everyone else 403
DOCK_A = {"clerk_a": 200, "manager": 200, "administrator": 200}  # receiving in warehouse A


@pytest.fixture
def world(users, warehouse_a, supplier, milk, box, milk_price):
    """An approved order for warehouse A with one posted receipt, one draft receipt and a return."""
    bin_a = LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")
    order = services.order_create(supplier=supplier, warehouse=warehouse_a, user=users["purchasing"])
    services.order_set_lines(
        order_id=order.pk, lines=[services.OrderLineInput(item=milk, unit_id=box.pk, qty=D("10"))]
    )
    services.order_submit(order_id=order.pk, user=users["purchasing"])
    posted = services.receipt_create(order_id=order.pk, user=users["clerk_a"])
    line = posted.lines.get()
    services.receipt_set_lines(
        receipt_id=posted.pk,
        lines=[
            services.ReceiptLineInput(
                order_line_id=line.order_line_id, location_id=bin_a.pk, accepted_qty=D("2")
            )
        ],
    )
    services.receipt_post(receipt_id=posted.pk, user=users["clerk_a"])
    ret = services.return_create(
        receipt_id=posted.pk,
        user=users["purchasing"],
        reason="defective",
        lines=[services.ReturnLineInput(receipt_line_id=posted.lines.get().pk, qty=D("1"))],
    )
    draft = services.receipt_create(order_id=order.pk, user=users["clerk_a"])
    return {"order": order, "posted": posted, "draft": draft, "return": ret, "bin": bin_a}


def get_cases():
    """(url name, kwargs key, expected status per role) for GET."""
    return [
        ("purchasing:order_list", None, OFFICE),
        ("purchasing:order_create", None, OFFICE),
        ("purchasing:order_detail", "order", OFFICE),
        ("purchasing:order_update", "order", {}),  # not a draft: redirected (302) for the office
        ("purchasing:order_print", "order", OFFICE),
        ("purchasing:receipt_list", None, {**OFFICE, "clerk_a": 200, "clerk_b": 200}),
        ("purchasing:receipt_detail", "posted", {**OFFICE, "clerk_a": 200, "clerk_b": 404}),
        ("purchasing:receipt_edit", "draft", {**DOCK_A, "purchasing": 403, "clerk_b": 404}),
        ("purchasing:return_create", "posted", OFFICE),
        ("purchasing:return_detail", "return", OFFICE),
        ("purchasing:order_export", "order", OFFICE),
        ("purchasing:order_import", "order", OFFICE),  # the order is not a draft: the page says so
        ("purchasing:order_import_template", None, OFFICE),
        ("purchasing:reorder", None, OFFICE),
        ("purchasing:supplier_performance", None, OFFICE),
    ]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_purchasing_screen_answers_each_role_as_designed(role, world, client_for):
    client = client_for(role)
    for name, key, expected in get_cases():
        url = reverse(name, args=[world[key].pk]) if key else reverse(name)
        status = client.get(url).status_code
        if role is None:
            assert status == 302, name
        elif name == "purchasing:order_update" and role in OFFICE:
            assert status == 302, name  # only drafts are edited
        else:
            assert status == expected.get(role, 403), (name, role, status)


POST_CASES = [
    # (url name, args, roles that get past the permission check)
    ("purchasing:order_action", ("order", "close"), {"purchasing", "manager", "administrator"}),
    ("purchasing:order_action", ("order", "approve"), {"manager", "administrator"}),
    ("purchasing:receipt_start", (), {"clerk_a", "clerk_b", "manager", "administrator"}),
    ("purchasing:receipt_scan", ("draft",), {"clerk_a", "manager", "administrator"}),
    ("purchasing:receipt_action", ("draft", "cancel"), {"clerk_a", "manager", "administrator"}),
    ("purchasing:receipt_line", ("draft", "line"), {"clerk_a", "manager", "administrator"}),
]
# Master data and its import/export have their own table (tests/test_master_data_access.py),
# payables and payments to suppliers theirs (tests/settlement/test_views.py, which checks that
# every one of them is in it).
MASTER = re.compile(
    r"^purchasing:(supplier|supplieritem)_(list|detail|create|update|toggle|import|export|import_template)$"
    r"|^purchasing:(payables|payment)_"
)


def test_every_purchasing_url_is_in_one_of_the_tables():
    from django.urls import URLPattern, URLResolver, get_resolver

    def names(resolver, namespace=None):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                yield from names(p, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name and namespace:
                yield f"{namespace}:{p.name}"

    found = {n for n in names(get_resolver()) if n.startswith("purchasing:") and not MASTER.match(n)}
    tabled = {name for name, _key, _expected in get_cases()} | {name for name, _args, _roles in POST_CASES}
    assert found - tabled == set(), "purchasing URLs missing from the role tables"
    assert tabled - found == set()


@pytest.mark.parametrize("role", ["sales", "purchasing", "clerk_b"])
def test_posts_are_refused_to_roles_without_the_right(role, world, client_for):
    client = client_for(role)
    for name, args, allowed in POST_CASES:
        if role in allowed:
            continue
        resolved = [world[a].pk if a in world else a for a in args]
        if "line" in args:
            resolved = [world["draft"].pk, world["draft"].lines.first().pk]
        status = client.post(reverse(name, args=resolved), {"code": "x"}).status_code
        assert status in (403, 404), (name, role, status)
    world["draft"].refresh_from_db()
    assert world["draft"].status == ReceiptStatus.DRAFT
    assert PurchaseOrder.objects.get(pk=world["order"].pk).status == OrderStatus.PARTIAL


def test_a_buyer_writes_an_order_in_the_form_and_sees_exact_totals(
    users, client_for, supplier, warehouse_a, milk, box, milk_price
):
    client = client_for("purchasing")
    data = {
        "supplier": supplier.pk,
        "warehouse": warehouse_a.pk,
        "order_date": "2026-11-02",
        "expected_date": "",
        "reference": "",
        "note": "",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-item": milk.pk,
        "lines-0-unit": box.pk,
        "lines-0-qty": "120",  # the 100-box break: ¥55.50
        "lines-1-item": milk.pk,
        "lines-1-unit": milk.base_unit_id,
        "lines-1-qty": "12",
        "lines-1-price": "2.6",
        "lines-1-tax_rate": "9",
    }
    response = client.post(reverse("purchasing:order_create"), data)
    order = PurchaseOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    # 120 × 55.50 = 6,660.00, tax 865.80; 12 × 2.60 = 31.20, tax 2.81 (2.808)
    assert (order.total_net, order.total_tax, order.total) == (D("6691.20"), D("868.61"), D("7559.81"))
    assert order.expected_date.isoformat() == "2026-11-07"  # + 5 days' lead time
    page = client.get(order.get_absolute_url()).content.decode()
    assert "7,559.81" in page and "Within the approval limit" in page


def test_a_bad_line_saves_nothing_and_says_why(users, client_for, supplier, warehouse_a, yoghurt, box):
    client = client_for("purchasing")
    data = {
        "supplier": supplier.pk,
        "warehouse": warehouse_a.pk,
        "order_date": "2026-11-02",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-item": yoghurt.pk,
        "lines-0-unit": box.pk,
        "lines-0-qty": "3",
    }
    response = client.post(reverse("purchasing:order_create"), data)
    assert response.status_code == 200
    assert "has no price for YOG 酸奶; enter the price." in response.content.decode()
    assert PurchaseOrder.objects.count() == 0


def test_a_manager_approves_from_the_page_but_not_their_own(
    users, client_for, supplier, warehouse_a, milk, box, milk_price
):
    order = services.order_create(supplier=supplier, warehouse=warehouse_a, user=users["purchasing"])
    services.order_set_lines(
        order_id=order.pk, lines=[services.OrderLineInput(item=milk, unit_id=box.pk, qty=D("200"))]
    )
    services.order_submit(order_id=order.pk, user=users["purchasing"])
    buyer_page = client_for("purchasing").get(order.get_absolute_url()).content.decode()
    assert (
        'data-action="approve"' not in buyer_page
        and "a manager who did not create or submit it" in buyer_page
    )
    manager = client_for("manager")
    assert 'data-action="approve"' in manager.get(order.get_absolute_url()).content.decode()
    manager.post(reverse("purchasing:order_action", args=[order.pk, "approve"]))
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED and order.approved_by == users["manager"]


def test_a_clerk_receives_by_scanner(
    users, client_for, warehouse_a, supplier, milk, yoghurt, box, milk_price, yoghurt_price
):
    order = services.order_create(supplier=supplier, warehouse=warehouse_a, user=users["purchasing"])
    services.order_set_lines(
        order_id=order.pk,
        lines=[
            services.OrderLineInput(item=milk, unit_id=box.pk, qty=D("3")),
            services.OrderLineInput(item=yoghurt, unit_id=box.pk, qty=D("2")),
        ],
    )
    services.order_submit(order_id=order.pk, user=users["purchasing"])
    LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")
    dock = LocationFactory(warehouse=warehouse_a, code="B-07", path="B-07")
    ItemBarcodeFactory(item=milk, barcode="6900000000017", unit=box)  # the case barcode
    ItemBarcodeFactory(item=milk, barcode="6900000000024")  # one bottle
    clerk = client_for("clerk_a")
    # the PO number, scanned, opens a receipt with the expected lines
    response = clerk.post(reverse("purchasing:receipt_start"), {"order": order.number.lower()})
    receipt = PurchaseReceipt.objects.get()
    assert response["Location"] == reverse("purchasing:receipt_edit", args=[receipt.pk])
    page = clerk.get(response["Location"]).content.decode()
    assert page.count('class="card mb-2 receipt-line') == 2
    scan = reverse("purchasing:receipt_scan", args=[receipt.pk])
    # the bin label chooses where the goods go
    answer = clerk.post(scan, {"code": "b-07"}).content.decode()
    assert "Putting away in B-07." in answer and f'name="location" value="{dock.pk}"' in answer
    for _ in range(3):  # three cases
        answer = clerk.post(scan, {"code": "6900000000017", "location": dock.pk}).content.decode()
    assert (
        "MILK 纯牛奶: 3 of 3 箱." in answer and "text-bg-success complete" in answer
    )  # the line turns green
    answer = clerk.post(scan, {"code": "6900000000024", "location": dock.pk}).content.decode()
    assert "MILK 纯牛奶: 3.0417 of 3 箱." in answer  # one bottle is 1/24 of a case
    wrong = clerk.post(scan, {"code": "NOPE-1", "location": dock.pk})
    assert wrong.status_code == 422 and "No item or bin has the code NOPE-1." in wrong.content.decode()
    milk_line, yog_line = receipt.lines.order_by("id")
    # the clerk corrects the count by hand and rejects one crushed case
    response = clerk.post(
        reverse("purchasing:receipt_line", args=[receipt.pk, milk_line.pk]),
        {
            f"l{milk_line.pk}-accepted_qty": "2",
            f"l{milk_line.pk}-rejected_qty": "1",
            f"l{milk_line.pk}-reject_reason": "damaged",
            f"l{milk_line.pk}-location": dock.pk,
        },
    )
    assert response.status_code == 200
    # a rejected quantity without a reason is refused on the line
    response = clerk.post(
        reverse("purchasing:receipt_line", args=[receipt.pk, yog_line.pk]),
        {
            f"l{yog_line.pk}-accepted_qty": "1",
            f"l{yog_line.pk}-rejected_qty": "1",
            f"l{yog_line.pk}-location": dock.pk,
        },
    )
    assert response.status_code == 422 and "Say why the goods were rejected." in response.content.decode()
    clerk.post(reverse("purchasing:receipt_action", args=[receipt.pk, "post"]))
    receipt.refresh_from_db()
    order.refresh_from_db()
    assert receipt.status == ReceiptStatus.POSTED and order.status == OrderStatus.PARTIAL
    milk_ol = order.lines.get(item=milk)
    assert (milk_ol.received_base_qty, milk_ol.rejected_base_qty, milk_ol.backorder_base_qty) == (
        D("48"),
        D("24"),
        D("24"),
    )
    assert receipt.lines.count() == 1  # the yoghurt line had nothing received
    detail = clerk.get(receipt.get_absolute_url()).content.decode()
    assert "Damaged" in detail and "¥" not in detail and "120.00" not in detail  # clerks see no money
    office = client_for("purchasing").get(order.get_absolute_url()).content.decode()
    assert re.search(r"backorder[^>]*>\s*24\s*<", office)


def test_a_clerk_of_another_warehouse_cannot_start_receiving(world, client_for):
    response = client_for("clerk_b").post(
        reverse("purchasing:receipt_start"), {"order": world["order"].number}
    )
    assert response.status_code == 302
    assert PurchaseReceipt.objects.filter(created_by__username="clerk_b").count() == 0


def test_the_buyer_returns_goods_from_the_receipt(world, client_for):
    client = client_for("purchasing")
    posted = world["posted"]
    line = posted.lines.get()
    bad = client.post(
        reverse("purchasing:return_create", args=[posted.pk]),
        {"reason": "defective", "posting_date": posted.posting_date.isoformat(), f"qty-{line.pk}": "abc"},
    )
    assert "Enter a quantity of zero or more." in bad.content.decode()
    response = client.post(
        reverse("purchasing:return_create", args=[posted.pk]),
        {"reason": "defective", "posting_date": posted.posting_date.isoformat(), f"qty-{line.pk}": "1"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "67.80" in page  # one box: 60.00 + 13% tax
    line.refresh_from_db()
    assert line.returned_base_qty == D("24")


def test_a_return_reduces_what_the_supplier_is_owed_for_goods(world, client_for, supplier):
    # received 2 boxes at ¥60 + 13%: 135.60; the return of 1 box (67.80) is still a draft
    page = client_for("purchasing").get(supplier.get_absolute_url()).content.decode()
    assert re.search(r'id="goods-net">\s*135.60', page)
    services.return_post(return_id=world["return"].pk, user=world["order"].created_by)
    page = client_for("manager").get(supplier.get_absolute_url()).content.decode()
    assert re.search(r'id="goods-returned">\s*67.80', page) and re.search(r'id="goods-net">\s*67.80', page)
    assert 'id="supplier-goods"' not in client_for("sales").get(supplier.get_absolute_url()).content.decode()


def test_the_printed_order_carries_the_company_the_supplier_and_the_totals(world, client_for, settings):
    settings.JXC_COMPANY_NAME = "华东商贸有限公司"
    settings.JXC_COMPANY_ADDRESS = "上海市浦东新区"
    page = (
        client_for("purchasing")
        .get(reverse("purchasing:order_print", args=[world["order"].pk]))
        .content.decode()
    )
    assert "华东商贸有限公司 · Purchase order" in page and "上海市浦东新区" in page
    assert world["order"].number in page and "华东食品" in page
    # 10 boxes × ¥60.00 = 600.00 + 78.00 tax = 678.00
    assert "600.00" in page and "78.00" in page and "678.00" in page
    assert "jxc/print.css" in page  # the print stylesheet names the CJK fonts
