"""The stock screens as users meet them: who may open what, a receipt entered and posted in the
browser's forms, stock on hand and the stock card with exact figures."""

import re
from datetime import datetime, time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inventory.models import PeriodClose, StockBalance, StockDocument
from inventory.services import LineInput, MoveLine, document_create, document_set_lines, post_moves
from tests.factories import ItemFactory, LocationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(warehouse_a):
    return LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")


@pytest.fixture
def stocked(users, place):
    item = ItemFactory(sku="MILK", name="纯牛奶")
    post_moves(
        doc_type="seed",
        doc_id=1,
        doc_number="SEED-1",
        user=users["manager"],
        lines=[MoveLine(item.pk, place.pk, Decimal("40"), unit_cost=Decimal("2.5"))],
    )
    return item


@pytest.fixture
def draft(users, warehouse_a, place, stocked):
    doc = document_create(kind="issue", warehouse=warehouse_a, user=users["clerk_a"])
    document_set_lines(document=doc, lines=[LineInput(stocked, place.pk, stocked.base_unit_id, Decimal("5"))])
    return doc


# role -> allowed (200) pages; everything else is 403 (anonymous: redirect to log-in)
PAGES = {
    "stock_on_hand": {"purchasing", "sales", "clerk_a", "manager", "administrator"},
    "stockdocument_list": {"purchasing", "clerk_a", "manager", "administrator"},
    "stockdocument_detail": {"purchasing", "clerk_a", "manager", "administrator"},
    "stockdocument_print": {"purchasing", "clerk_a", "manager", "administrator"},
    "stockdocument_create": {"clerk_a", "manager", "administrator"},
    "stockdocument_update": {"clerk_a", "manager", "administrator"},
    "stock_card": {"purchasing", "clerk_a", "manager", "administrator"},
}
ROLES = [None, "purchasing", "sales", "clerk_a", "manager", "administrator"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(PAGES))
def test_each_role_opens_only_its_stock_pages(page, role, client_for, draft, stocked):
    args = {
        "stockdocument_detail": [draft.pk],
        "stockdocument_print": [draft.pk],
        "stockdocument_update": [draft.pk],
        "stock_card": [stocked.pk],
    }.get(page, [])
    url = reverse(f"inventory:{page}", args=args) + (
        "?kind=receipt" if page == "stockdocument_create" else ""
    )
    response = client_for(role).get(url)
    if role is None:
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    else:
        assert response.status_code == (200 if role in PAGES[page] else 403), (page, role)


def test_a_clerk_of_another_warehouse_gets_404_on_the_document(client_for, draft):
    for name in ("stockdocument_detail", "stockdocument_update", "stockdocument_print"):
        assert client_for("clerk_b").get(reverse(f"inventory:{name}", args=[draft.pk])).status_code == 404
    response = client_for("clerk_b").post(reverse("inventory:stockdocument_action", args=[draft.pk, "post"]))
    assert response.status_code == 404
    assert StockDocument.objects.get(pk=draft.pk).status == "draft"


def test_a_clerk_enters_a_receipt_in_the_form_and_posts_it(client_for, warehouse_a, place):
    item = ItemFactory(sku="WATER", name="矿泉水")
    clerk = client_for("clerk_a")
    response = clerk.post(
        reverse("inventory:stockdocument_create") + "?kind=receipt",
        {
            "warehouse": warehouse_a.pk,
            "posting_date": "2026-11-20",
            "reference": "送货单 889",
            "note": "",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-item": item.pk,
            "lines-0-unit": item.base_unit_id,
            "lines-0-qty": "12",
            "lines-0-location": place.pk,
            "lines-0-batch_no": "",
            "lines-0-expiry_date": "",
            "lines-0-unit_cost": "1.80",
        },
    )
    doc = StockDocument.objects.get(kind="receipt")
    assert response.status_code == 302 and response.url == doc.get_absolute_url()
    assert (doc.status, doc.reference, doc.lines.get().base_qty) == ("draft", "送货单 889", Decimal("12"))

    response = clerk.post(reverse("inventory:stockdocument_action", args=[doc.pk, "post"]), follow=True)
    assert f"{doc.number} is posted." in response.content.decode()
    assert StockBalance.objects.get(item=item, location=place).on_hand == Decimal("12")
    # A second click on the same button posts nothing more.
    response = clerk.post(reverse("inventory:stockdocument_action", args=[doc.pk, "post"]), follow=True)
    assert StockBalance.objects.get(item=item, location=place).on_hand == Decimal("12")


def test_a_bad_line_saves_nothing_and_says_why(client_for, warehouse_a, warehouse_b, place):
    item = ItemFactory()
    other = LocationFactory(warehouse=warehouse_b, code="B-9")
    response = client_for("manager").post(
        reverse("inventory:stockdocument_create") + "?kind=issue",
        {
            "warehouse": warehouse_a.pk,
            "posting_date": "2026-11-20",
            "reference": "",
            "note": "",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-item": item.pk,
            "lines-0-unit": item.base_unit_id,
            "lines-0-qty": "1",
            "lines-0-location": other.pk,
            "lines-0-batch_no": "",
        },
    )
    assert response.status_code == 200
    assert "This location is not in 仓库A." in response.content.decode()
    assert StockDocument.objects.count() == 0


def test_posting_more_than_there_is_shows_the_shortage_and_keeps_the_draft(client_for, draft, users, place):
    StockBalance.objects.filter(location=place).update(reserved=Decimal("38"))
    response = client_for("clerk_a").post(
        reverse("inventory:stockdocument_action", args=[draft.pk, "post"]), follow=True
    )
    assert "wanted 5, available 2" in response.content.decode()
    assert StockDocument.objects.get(pk=draft.pk).status == "draft"


def test_sales_see_quantities_but_never_costs(client_for, stocked):
    sales = client_for("sales").get(reverse("inventory:stock_on_hand")).content.decode()
    buyer = client_for("purchasing").get(reverse("inventory:stock_on_hand")).content.decode()
    assert "纯牛奶" in sales and ">40<" in sales
    assert "2.50" not in sales and "100.00" not in sales
    assert "2.50" in buyer and "100.00" in buyer  # 40 × 2.50


def test_the_stock_card_shows_running_quantity_and_value(client_for, users, stocked, place, warehouse_a):
    post_moves(
        doc_type="seed",
        doc_id=2,
        doc_number="SEED-2",
        user=users["manager"],
        lines=[MoveLine(stocked.pk, place.pk, Decimal("-15"))],
    )  # 100.00 × 15/40 = 37.50
    html = (
        client_for("manager")
        .get(reverse("inventory:stock_card", args=[stocked.pk]), {"warehouse": warehouse_a.pk})
        .content.decode()
    )
    table = re.sub(r"\s+", " ", html[html.index('id="stock-card"') :])
    assert "SEED-1" in table and "SEED-2" in table
    assert re.search(r"SEED-2.*?-15.*?>25<.*?-37.50.*?62.50", table)
    assert re.search(r"Closing balance.*?>25<.*?62.50", table)


def test_stock_on_hand_costs_the_same_queries_for_5_or_60_rows(client_for, users, place):
    def queries(n):
        items = ItemFactory.create_batch(n)
        post_moves(
            doc_type="seed",
            doc_id=100 + n,
            doc_number=f"S{n}",
            user=users["manager"],
            lines=[MoveLine(i.pk, place.pk, Decimal("3"), unit_cost=Decimal("1")) for i in items],
        )
        client = client_for("manager")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("inventory:stock_on_hand")).status_code == 200
        assert not re.search(r"\bCOUNT\(", " ".join(q["sql"] for q in captured.captured_queries), re.I)
        return len(captured)

    assert queries(5) == queries(55)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 302),
        ("purchasing", 403),
        ("sales", 403),
        ("clerk_a", 403),
        ("manager", 200),
        ("administrator", 200),
    ],
)
def test_only_managers_and_administrators_open_month_end(role, status, client_for):
    assert client_for(role).get(reverse("inventory:period_list")).status_code == status


def test_a_manager_closes_a_month_and_only_an_administrator_reopens_it(client_for, users, place):
    item = ItemFactory()
    when = timezone.make_aware(datetime.combine(datetime(2026, 9, 15).date(), time(12)))
    post_moves(
        doc_type="seed",
        doc_id=9,
        doc_number="S9",
        user=users["manager"],
        moved_at=when,
        lines=[MoveLine(item.pk, place.pk, Decimal("5"), unit_cost=Decimal("2"))],
    )
    manager, admin = client_for("manager"), client_for("administrator")

    page = manager.get(reverse("inventory:period_list")).content.decode()
    assert 'name="month" value="2026-09"' in page
    response = manager.post(reverse("inventory:period_close"), {"month": "2026-09"}, follow=True)
    assert "2026-09 is closed." in response.content.decode()
    period = PeriodClose.objects.get()
    assert (
        client_for("clerk_a").post(reverse("inventory:period_close"), {"month": "2026-10"}).status_code == 403
    )
    assert (
        manager.post(reverse("inventory:period_reopen", args=[period.pk]), {"reason": "x"}).status_code == 403
    )

    response = admin.post(
        reverse("inventory:period_reopen", args=[period.pk]), {"reason": "补录单据"}, follow=True
    )
    assert "2026-09 is open again." in response.content.decode()
    assert not PeriodClose.objects.exists()


def _options(html: str, name: str) -> list[tuple[str, str, bool]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [
        (value, text, bool(selected))
        for value, selected, text in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select
        )
    ]


def test_the_stock_filter_lists_the_clerks_own_warehouse_and_its_active_locations(
    client_for, warehouse_a, warehouse_b, place
):
    from tests.factories import CategoryFactory

    LocationFactory(warehouse=warehouse_a, code="A-02", path="A-02 / 上层")
    LocationFactory(warehouse=warehouse_a, code="A-00", path="A-00", is_active=False)
    LocationFactory(warehouse=warehouse_b, code="B-01", path="B-01")
    food = CategoryFactory(code="F", name="食品")
    CategoryFactory(code="F1", name="乳品", parent=food)
    empty = ("", "---------", True)  # nothing chosen yet

    html = client_for("clerk_a").get(reverse("inventory:stock_on_hand")).content.decode()
    assert _options(html, "warehouse") == [empty, (str(warehouse_a.pk), "仓库A", False)]
    locations = _options(html, "location")
    assert [text for _v, text, _s in locations] == ["---------", "WHA:A-01", "WHA:A-02"]
    assert ("食品 / 乳品" in [text for _v, text, _s in _options(html, "category")]) is True

    # a chosen location stays chosen; the manager sees both warehouses, in code order
    second = locations[2][0]
    html = (
        client_for("manager").get(reverse("inventory:stock_on_hand"), {"location": second}).content.decode()
    )
    assert [(text, chosen) for _v, text, chosen in _options(html, "location")] == [
        ("---------", False),
        ("WHA:A-01", False),
        ("WHA:A-02", True),
        ("WHB:B-01", False),
    ]
    assert [text for _v, text, _s in _options(html, "warehouse")] == ["---------", "仓库A", "仓库B"]


def test_the_stock_filter_choices_match_the_forms_own(client_for, users, warehouse_a, warehouse_b, place):
    """The one-statement choices (selectors.stock_filter_choices) label and order the options as
    the filter form's model choice fields do."""
    from inventory.filters_stock import StockBalanceFilter
    from inventory.selectors import stock_filter_choices, stock_on_hand
    from tests.factories import CategoryFactory

    LocationFactory(warehouse=warehouse_b, code="B-02", path="B-02")
    LocationFactory(warehouse=warehouse_b, code="B-01", path="B-01 / 下层")
    parent = CategoryFactory(code="Z", name="杂货")
    CategoryFactory(code="Z2", name="纸品", parent=parent)
    CategoryFactory(code="A", name="饮料")
    for role in ("clerk_a", "clerk_b", "manager"):
        user = users[role]
        form = StockBalanceFilter(
            None, queryset=stock_on_hand(user), request=type("R", (), {"user": user})
        ).form
        expected = {
            name: [(int(k.value), text) for k, text in form.fields[name].widget.choices if k != ""]
            for name in ("warehouse", "location", "category")
        }
        assert stock_filter_choices(user) == expected, role
