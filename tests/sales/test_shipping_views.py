"""The shipping screens (JOURNEYS §4): every URL for every role, the pick list proposing first-
expiry-first-out and never an expired batch, a clerk scanning a bin then items, a wrong code
refused with its reason, a partial shipment posted once with its cost of goods sold shown only
to the manager, the delivery note with and without money, and a return restocked and scrapped.

GET_CASES and POST_CASES are imported by the sales enumeration test: keys and args name entries
of the `documents` fixture below ("draft", "posted", "return"; "line" is an order line of the
draft's order)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.ledger_check import ledger_differences
from inventory.models import StockBalance, StockMove
from inventory.services import MoveLine, post_moves
from sales import services
from sales.models import CustomerReturn, DocStatus, OrderStatus, SalesPrice, Shipment
from tests.factories import (
    BatchFactory,
    CustomerFactory,
    ItemBarcodeFactory,
    ItemFactory,
    ItemUnitFactory,
    LocationFactory,
    PriceLevelFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db

ROLES = (None, "purchasing", "sales", "clerk_a", "clerk_b", "manager", "administrator")
READERS = {None: 302, "sales": 200, "clerk_a": 200, "clerk_b": 200, "manager": 200, "administrator": 200}
READERS_A = {**READERS, "clerk_b": 404}  # a document of warehouse A
PICKERS_A = {None: 302, "clerk_a": 200, "clerk_b": 404, "manager": 200, "administrator": 200}
OFFICE = {None: 302, "sales": 200, "manager": 200, "administrator": 200}

# (url name, kwargs key or None, expected status per role; a role not named gets 403)
GET_CASES = [
    ("sales:shipment_list", None, READERS),
    ("sales:shipment_pick", "draft", PICKERS_A),
    ("sales:shipment_detail", "posted", READERS_A),
    ("sales:shipment_print", "posted", READERS_A),
    ("sales:return_create", "posted", OFFICE),
    ("sales:return_detail", "return", OFFICE),
]

# (url name, args, roles that get past the permission and warehouse checks)
SHIPPERS_A = {"clerk_a", "manager", "administrator"}
POST_CASES = [
    ("sales:shipment_start", (), {"clerk_a", "clerk_b", "manager", "administrator"}),
    ("sales:shipment_scan", ("draft",), SHIPPERS_A),
    ("sales:shipment_pick_line", ("draft", "line"), SHIPPERS_A),
    ("sales:shipment_action", ("draft", "cancel"), SHIPPERS_A),
    ("sales:return_create", ("posted",), {"sales", "manager", "administrator"}),
]


def D(text) -> Decimal:
    return Decimal(str(text))


N = [0]


def stock(item, location, qty, cost, user, batch=None):
    N[0] += 1
    post_moves(
        doc_type="test-in",
        doc_id=N[0],
        doc_number=f"IN-{N[0]}",
        lines=[MoveLine(item.pk, location.pk, D(qty), batch.pk if batch else None, unit_cost=D(cost))],
        user=user,
    )


@pytest.fixture
def world(users, warehouse_a):
    """Warehouse A: yoghurt in three batches (one expired) and water by the piece or the case;
    a confirmed order for 40 yoghurts at ¥6.50 and 2 cases of water at ¥36.00."""
    today = timezone.localdate()
    a1 = LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")
    b1 = LocationFactory(warehouse=warehouse_a, code="B-01", path="B-01")
    box = UnitFactory(code="BOX", name="箱")
    water = ItemFactory(sku="WATER", name="矿泉水")
    ItemUnitFactory(item=water, unit=box, factor=D(24))
    ItemBarcodeFactory(item=water, barcode="6900000000024", unit=box)
    yog = ItemFactory(sku="YOG", name="酸奶", tracking="batch_expiry", shelf_life_days=21)
    old = BatchFactory(item=yog, batch_no="Y-OLD", expiry_date=today - timedelta(days=1))
    soon = BatchFactory(item=yog, batch_no="Y-SOON", expiry_date=today + timedelta(days=5))
    later = BatchFactory(item=yog, batch_no="Y-LATE", expiry_date=today + timedelta(days=20))
    boss = users["manager"]
    stock(yog, a1, 50, "3.00", boss, old)
    stock(yog, b1, 30, "3.00", boss, soon)
    stock(yog, a1, 100, "4.20", boss, later)  # average (150 + 90 + 420) / 180 = 3.666…
    stock(water, a1, 240, "1.00", boss)
    level = PriceLevelFactory(code="WHOLESALE", name="批发价")
    customer = CustomerFactory(
        code="K001",
        name="城东超市",
        price_level=level,
        address="上海市浦东新区 1 号",
        credit_limit=D("50000"),
    )
    SalesPrice.objects.create(item=yog, price_level=level, unit=yog.base_unit, price=D("6.5000"))
    SalesPrice.objects.create(item=water, price_level=level, unit=box, price=D("36.0000"))
    order = services.order_create(customer=customer, warehouse=warehouse_a, user=users["sales"])
    services.order_set_lines(
        order_id=order.pk,
        lines=[
            services.SalesLineInput(item=yog, unit_id=yog.base_unit_id, qty=D(40)),
            services.SalesLineInput(item=water, unit_id=box.pk, qty=D(2)),
        ],
    )
    services.order_confirm(order_id=order.pk, user=users["sales"])
    order.refresh_from_db()
    yog_line, water_line = order.lines.order_by("id")
    return {
        "order": order,
        "a1": a1,
        "b1": b1,
        "yog": yog,
        "water": water,
        "soon": soon,
        "later": later,
        "yog_line": yog_line,
        "water_line": water_line,
    }


@pytest.fixture
def documents(world, users):
    """A posted shipment (30 Y-SOON), a return of one from it, and a draft shipment of the rest."""
    clerk = users["clerk_a"]
    posted = services.shipment_create(order_id=world["order"].pk, user=clerk)
    services.shipment_set_picks(
        shipment_id=posted.pk,
        picks=[services.PickInput(world["yog_line"].pk, world["b1"].pk, D(30), world["soon"].pk)],
    )
    services.shipment_post(shipment_id=posted.pk, user=clerk)
    ret = services.return_post(
        shipment_id=posted.pk,
        user=users["sales"],
        reason="破损",
        lines=[services.ReturnLineInput(posted.lines.get().pk, D(1), restock=False)],
    )
    draft = services.shipment_create(order_id=world["order"].pk, user=clerk)
    return {**world, "posted": posted, "draft": draft, "return": ret, "line": world["yog_line"]}


def resolve(args, docs):
    return [docs[a].pk if a in docs else a for a in args]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_shipping_screen_answers_each_role_as_designed(role, documents, client_for):
    client = client_for(role)
    for name, key, expected in GET_CASES:
        url = reverse(name, args=[documents[key].pk]) if key else reverse(name)
        status = client.get(url).status_code
        assert status == expected.get(role, 403), (name, role, status)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "administrator"], ids=lambda r: r or "anonymous")
def test_posts_are_refused_to_roles_without_the_right(role, documents, client_for):
    client = client_for(role)
    order = documents["order"]
    for name, args, allowed in POST_CASES:
        if role in allowed:
            continue
        url = reverse(name, args=resolve(args, documents))
        data = {"code": "YOG", "order": order.number, "place": f"{documents['b1'].pk}:", "qty": "1"}
        status = client.post(url, data).status_code
        assert status in ((302,) if role is None else (403, 404)), (name, role, status)
    assert Shipment.objects.get(pk=documents["draft"].pk).status == DocStatus.DRAFT
    assert Shipment.objects.filter(order=order).count() == 2
    assert CustomerReturn.objects.count() == 1


def start(client, order):
    response = client.post(reverse("sales:shipment_start"), {"order": order.number})
    assert response.status_code == 302
    return Shipment.objects.get(pk=int(response.url.rstrip("/").split("/")[-2]))


def test_the_pick_list_proposes_first_expiry_first_and_never_an_expired_batch(world, client_for):
    clerk = client_for("clerk_a")
    listing = clerk.get(reverse("sales:shipment_list")).content.decode()
    assert world["order"].number in listing and "6.50" not in listing  # waiting, without prices
    shipment = start(clerk, world["order"])
    assert shipment.lines.count() == 0  # nothing picked yet
    page = clerk.get(reverse("sales:shipment_pick", args=[shipment.pk])).content.decode()
    soon, late = page.index("Y-SOON"), page.index("Y-LATE")
    assert soon < late and "Y-OLD" not in page
    assert page.index("B-01") < late  # 30 from B-01 first, then 10 of Y-LATE from A-01
    assert "6.50" not in page and "36.00" not in page
    assert start(clerk, world["order"]).pk == shipment.pk  # the same draft is continued


def test_scanning_a_bin_then_items_counts_the_pick_up(world, client_for):
    clerk = client_for("clerk_a")
    shipment = start(clerk, world["order"])
    scan = reverse("sales:shipment_scan", args=[shipment.pk])
    answer = clerk.post(scan, {"code": "b-01"})
    assert answer.status_code == 200 and "Picking from B-01." in answer.content.decode()
    for _ in range(3):
        answer = clerk.post(scan, {"code": "YOG", "location": world["b1"].pk})
    assert answer.status_code == 200
    assert "YOG 酸奶: 3 of 30 个 picked at B-01." in answer.content.decode()
    # a case barcode counts a case (24) of water at A-01, its proposed place
    clerk.post(scan, {"code": "A-01"})
    answer = clerk.post(scan, {"code": "6900000000024", "location": world["a1"].pk})
    assert "WATER 矿泉水: 24 of 48 个 picked at A-01." in answer.content.decode()
    picks = sorted(
        (ln.order_line.item.sku, ln.location.code, ln.batch.batch_no if ln.batch else None, ln.base_qty)
        for ln in shipment.lines.select_related("order_line__item", "location", "batch")
    )
    assert picks == [("WATER", "A-01", None, D(24)), ("YOG", "B-01", "Y-SOON", D(3))]


def test_a_wrong_code_is_refused_with_its_reason_and_changes_nothing(world, client_for):
    clerk = client_for("clerk_a")
    shipment = start(clerk, world["order"])
    scan = reverse("sales:shipment_scan", args=[shipment.pk])
    clerk.post(scan, {"code": "YOG"})
    wrong = clerk.post(scan, {"code": "NO-SUCH"})
    assert wrong.status_code == 422
    assert "No item or bin has the code NO-SUCH." in wrong.content.decode()
    other = ItemFactory(sku="TEA", name="绿茶")
    assert other.pk
    not_ordered = clerk.post(scan, {"code": "TEA"})
    assert not_ordered.status_code == 422
    assert f"TEA 绿茶 is not on {world['order'].number}." in not_ordered.content.decode()
    assert [ln.base_qty for ln in shipment.lines.all()] == [D(1)]


def test_a_partial_shipment_is_posted_once_with_its_cost_shown_only_to_the_manager(world, client_for, users):
    clerk = client_for("clerk_a")
    shipment = start(clerk, world["order"])
    line_url = reverse("sales:shipment_pick_line", args=[shipment.pk, world["yog_line"].pk])
    place = f"{world['b1'].pk}:{world['soon'].pk}"
    saved = clerk.post(line_url, {"place": place, "all": "1"})
    assert saved.status_code == 200
    too_many = clerk.post(line_url, {"place": f"{world['a1'].pk}:{world['later'].pk}", "qty": "11"})
    assert too_many.status_code == 422
    assert "41 would be picked, but only 40 个 are still open" in too_many.content.decode()
    post = reverse("sales:shipment_action", args=[shipment.pk, "post"])
    assert clerk.post(post).status_code == 302
    again = clerk.post(post, follow=True)
    assert f"{shipment.number} has already been posted." in again.content.decode()
    assert StockMove.objects.filter(posting__doc_type="shipment").count() == 1
    order = world["order"]
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIAL
    line = shipment.lines.get()
    # 30 × 660 / 180 = 110.00 at the moving average; billed 30 × 6.50 = 195.00 + 13% = 25.35
    assert (line.cost, line.amount, line.tax) == (D("110.00"), D("195.00"), D("25.35"))
    detail = reverse("sales:shipment_detail", args=[shipment.pk])
    manager = client_for("manager").get(detail).content.decode()
    assert 'id="shipment-cost">110.00<' in manager and "195.00" in manager
    for role in ("clerk_a", "sales"):
        page = client_for(role).get(detail).content.decode()
        assert "110.00" not in page and "Cost of goods sold" not in page, role
    assert "195.00" not in client_for("clerk_a").get(detail).content.decode()
    assert "220.35" in client_for("sales").get(detail).content.decode()  # amount with tax
    assert ledger_differences() == []


def test_the_delivery_note_shows_money_only_on_a4_to_those_who_see_prices(documents, client_for):
    url = reverse("sales:shipment_print", args=[documents["posted"].pk])
    for role in ("sales", "manager"):
        page = client_for(role).get(url).content.decode()
        assert 'class="a4"' in page and "城东超市" in page and "上海市浦东新区 1 号" in page
        assert documents["order"].number in page and "Y-SOON" in page
        assert 'id="delivery-total">220.35<' in page and "195.00" in page and "6.5000" not in page
        assert "110.00" not in page  # never the cost
    clerk = client_for("clerk_a").get(url).content.decode()
    assert "Y-SOON" in clerk and "30 个" in clerk and "195.00" not in clerk and "220.35" not in clerk
    narrow = client_for("manager").get(url + "?width=narrow").content.decode()
    assert 'class="narrow"' in narrow and "Y-SOON" in narrow and "195.00" not in narrow


def test_a_return_is_restocked_and_one_scrapped_with_exact_figures(documents, client_for):
    shipment, sl = documents["posted"], documents["posted"].lines.get()  # 30 shipped, 1 scrapped
    sales = client_for("sales")
    url = reverse("sales:return_create", args=[shipment.pk])
    today = timezone.localdate().isoformat()
    response = sales.post(
        url,
        {
            "reason": "包装破损",
            "posting_date": today,
            f"qty-{sl.pk}": "10",
            f"restock-{sl.pk}": "1",
            f"location-{sl.pk}": documents["a1"].pk,
        },
    )
    assert response.status_code == 302
    back = CustomerReturn.objects.latest("id")
    # 10 of 30: cost 110.00 × 10 / 30 = 36.67; credit (195.00 + 25.35) × 10 / 30 = 73.45
    assert back.amount == D("73.45") and back.lines.get().cost == D("36.67")
    assert StockMove.objects.get(posting=back.posting).value == D("36.67")
    balance = StockBalance.objects.get(
        item=documents["yog"], location=documents["a1"], batch=documents["soon"]
    )
    assert balance.on_hand == D(10)
    detail = sales.get(reverse("sales:return_detail", args=[back.pk])).content.decode()
    assert "73.45" in detail and "36.67" not in detail
    assert (
        'id="return-cost">36.67<'
        in client_for("manager").get(reverse("sales:return_detail", args=[back.pk])).content.decode()
    )
    # the other 19 are scrapped: they take what is left
    sales.post(url, {"reason": "过期", "posting_date": today, f"qty-{sl.pk}": "19", f"restock-{sl.pk}": "0"})
    scrap = CustomerReturn.objects.latest("id")
    first = documents["return"].lines.get()  # the fixture's 1 scrapped: 3.67 cost, 7.35 credit
    assert (first.cost, first.amount) == (D("3.67"), D("7.35"))
    # cost 110.00 − 3.67 − 36.67 = 69.66; credit 220.35 − 7.35 − 73.45 = 139.55
    assert scrap.posting is None and (scrap.lines.get().cost, scrap.amount) == (D("69.66"), D("139.55"))
    assert balance.__class__.objects.get(pk=balance.pk).on_hand == D(10)
    over = sales.post(url, {"reason": "x", "posting_date": today, f"qty-{sl.pk}": "1"})
    assert over.status_code == 200 and "only 0 of this shipment are left" in over.content.decode()
    assert ledger_differences() == []


def test_a_pick_is_added_from_another_place_and_zero_drops_it(world, client_for):
    clerk = client_for("clerk_a")
    shipment = start(clerk, world["order"])
    url = reverse("sales:shipment_pick_line", args=[shipment.pk, world["yog_line"].pk])
    later = f"{world['a1'].pk}:{world['later'].pk}"
    added = clerk.post(url, {"place": later, "qty": "4", "add": "1"})
    assert added.status_code == 200 and "ship-ol-" in added.content.decode()
    clerk.post(url, {"place": later, "qty": "2", "add": "1"})
    assert [ln.base_qty for ln in shipment.lines.all()] == [D(6)]
    expired = BatchFactory(
        item=world["yog"], batch_no="Y-GONE", expiry_date=timezone.localdate() - timedelta(days=3)
    )
    refused = clerk.post(url, {"place": f"{world['a1'].pk}:{expired.pk}", "qty": "1", "add": "1"})
    assert refused.status_code == 422 and "cannot be picked there" in refused.content.decode()
    assert clerk.post(url, {"place": later, "qty": "0"}).status_code == 200
    assert shipment.lines.count() == 0
