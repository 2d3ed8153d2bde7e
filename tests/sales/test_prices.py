"""Sales price lists: what a customer pays per unit for a quantity (sales.pricing.sales_price),
and the screens that keep the list (a refused form shows why and saves nothing)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from sales.models import SalesPrice, SalesPriceBreak
from sales.pricing import sales_price

from ..factories import CustomerFactory, ItemFactory, ItemUnitFactory, PriceLevelFactory, UnitFactory

NOTHING_SAVED = "Nothing was saved: please correct the errors below."


@pytest.fixture
def bottle(db):
    return UnitFactory(code="BTL", name="瓶")


@pytest.fixture
def box(db):
    return UnitFactory(code="BOX", name="箱")


@pytest.fixture
def item(bottle, box):
    """Mineral water kept in bottles, sold also by the box of 24."""
    water = ItemFactory(sku="SKU-W", name="矿泉水", base_unit=bottle)
    ItemUnitFactory(item=water, unit=box, factor=Decimal("24"))
    return water


@pytest.fixture
def wholesale(db):
    return PriceLevelFactory(code="WHOLESALE", name="批发价")


@pytest.fixture
def customer(wholesale):
    return CustomerFactory(price_level=wholesale)


def _price(item, level, unit, price, breaks=(), **fields) -> SalesPrice:
    sp = SalesPrice.objects.create(item=item, price_level=level, unit=unit, price=Decimal(price), **fields)
    for min_qty, break_price in breaks:
        SalesPriceBreak.objects.create(sales_price=sp, min_qty=Decimal(min_qty), price=Decimal(break_price))
    return sp


# The lookup ------------------------------------------------------------------------------------
def test_without_breaks_the_list_price_is_the_price(customer, wholesale, item, bottle):
    listed = _price(item, wholesale, bottle, "2.5000")

    quote = sales_price(customer, item, bottle.pk, Decimal("10"))

    assert quote.price == Decimal("2.5000")
    assert quote.sales_price == listed


@pytest.mark.parametrize(
    ("qty", "expected"),
    [("99", "2.5000"), ("100", "2.2000"), ("499.9999", "2.2000"), ("500", "2.0000"), ("600", "2.0000")],
)
def test_the_highest_break_not_above_the_quantity_replaces_the_price(
    qty, expected, customer, wholesale, item, bottle
):
    _price(item, wholesale, bottle, "2.5000", breaks=[("500", "2.0000"), ("100", "2.2000")])

    assert sales_price(customer, item, bottle.pk, Decimal(qty)).price == Decimal(expected)


def test_a_price_per_box_asked_per_bottle_is_divided_by_the_factor(customer, wholesale, item, bottle, box):
    _price(item, wholesale, box, "54.0000", breaks=[("10", "50.0000")])

    # 24 bottles are 1 box: 54 / 24 = 2.25 per bottle.
    assert sales_price(customer, item, bottle.pk, Decimal("24")).price == Decimal("2.2500")
    # 240 bottles are 10 boxes, the break applies: 50 / 24 = 2.08333… → 2.0833 (half-up).
    assert sales_price(customer, item, bottle.pk, Decimal("240")).price == Decimal("2.0833")


def test_a_price_per_bottle_asked_per_box_is_multiplied_by_the_factor(customer, wholesale, item, bottle, box):
    _price(item, wholesale, bottle, "2.5000", breaks=[("240", "2.3000")])

    # 9 boxes are 216 bottles, below the break: 2.5 × 24 = 60 per box.
    assert sales_price(customer, item, box.pk, Decimal("9")).price == Decimal("60.0000")
    # 10 boxes are 240 bottles, the break applies: 2.3 × 24 = 55.2 per box.
    assert sales_price(customer, item, box.pk, Decimal("10")).price == Decimal("55.2000")


def test_the_price_in_the_unit_asked_for_wins_over_a_converted_one(customer, wholesale, item, bottle, box):
    _price(item, wholesale, bottle, "2.5000")
    per_box = _price(item, wholesale, box, "55.0000")

    quote = sales_price(customer, item, box.pk, Decimal("1"))

    assert (quote.price, quote.sales_price) == (Decimal("55.0000"), per_box)


def test_a_unit_the_item_cannot_convert_gives_no_price(customer, wholesale, item, bottle):
    _price(item, wholesale, bottle, "2.5000")
    crate = UnitFactory(code="CRATE", name="筐")

    assert sales_price(customer, item, crate.pk, Decimal("1")) is None


def test_a_customer_without_a_price_level_gets_no_price(wholesale, item, bottle):
    _price(item, wholesale, bottle, "2.5000")
    walk_in = CustomerFactory(price_level=None)

    assert sales_price(walk_in, item, bottle.pk, Decimal("1")) is None


def test_another_levels_price_is_not_used(customer, item, bottle):
    retail = PriceLevelFactory(code="RETAIL", name="零售价")
    _price(item, retail, bottle, "3.0000")

    assert sales_price(customer, item, bottle.pk, Decimal("1")) is None


def test_an_inactive_price_is_ignored(customer, wholesale, item, bottle, box):
    _price(item, wholesale, bottle, "2.5000", is_active=False)

    assert sales_price(customer, item, bottle.pk, Decimal("1")) is None

    # With an active price per box as well, that one is converted instead.
    _price(item, wholesale, box, "48.0000")

    assert sales_price(customer, item, bottle.pk, Decimal("1")).price == Decimal("2.0000")


# The screens -----------------------------------------------------------------------------------
def _inline(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def _form_data(level, item, unit, *, price="54.00", breaks=()) -> dict:
    data = {"price_level": level.pk, "item": item.pk, "unit": unit.pk, "price": price}
    data.update(_inline("breaks", list(breaks)))
    return data


def _counts():
    return SalesPrice.objects.count(), SalesPriceBreak.objects.count()


def _refused(response, message: str) -> None:
    assert response.status_code == 200, "a refused form is shown again, not redirected"
    html = response.content.decode()
    assert message in html
    assert NOTHING_SAVED in html


def test_sales_staff_save_a_price_per_box_with_two_breaks(client_for, wholesale, item, box):
    data = _form_data(
        wholesale,
        item,
        box,
        breaks=[{"min_qty": "50", "price": "48.00"}, {"min_qty": "10", "price": "50.00"}],
    )

    response = client_for("sales").post(reverse("sales:salesprice_create"), data)

    listed = SalesPrice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == listed.get_absolute_url()
    assert (listed.price_level, listed.item, listed.unit, listed.price) == (
        wholesale,
        item,
        box,
        Decimal("54"),
    )
    assert [(b.min_qty, b.price) for b in listed.price_breaks.all()] == [
        (Decimal("10"), Decimal("50")),
        (Decimal("50"), Decimal("48")),
    ]
    detail = client_for("sales").get(response["Location"]).content.decode()
    assert "from 10 箱: 50.00 each" in detail and "from 50 箱: 48.00 each" in detail


def test_the_new_price_form_offers_a_searchable_item_and_prefills_the_level(client_for, wholesale):
    response = client_for("sales").get(reverse("sales:salesprice_create"), {"price_level": wholesale.pk})

    form = response.context["form"]
    assert form.initial["price_level"] == str(wholesale.pk)
    assert "data-searchable" in str(form["item"])


def test_a_negative_price_is_refused_and_nothing_saved(client_for, wholesale, item, box):
    data = _form_data(wholesale, item, box, price="-0.01", breaks=[{"min_qty": "10", "price": "50.00"}])

    response = client_for("sales").post(reverse("sales:salesprice_create"), data)

    _refused(response, "The price must not be negative.")
    assert _counts() == (0, 0)


def test_a_negative_break_price_is_refused_and_nothing_saved(client_for, wholesale, item, box):
    data = _form_data(wholesale, item, box, breaks=[{"min_qty": "10", "price": "-1"}])

    response = client_for("sales").post(reverse("sales:salesprice_create"), data)

    _refused(response, "The price must not be negative.")
    assert _counts() == (0, 0)


def test_the_same_break_quantity_twice_is_refused_and_nothing_saved(client_for, wholesale, item, box):
    data = _form_data(
        wholesale,
        item,
        box,
        breaks=[{"min_qty": "10", "price": "50.00"}, {"min_qty": "10.0", "price": "49.00"}],
    )

    response = client_for("sales").post(reverse("sales:salesprice_create"), data)

    _refused(response, "Each quantity break may appear only once.")
    assert _counts() == (0, 0)


def test_a_second_price_for_the_same_item_level_and_unit_is_refused(client_for, wholesale, item, box):
    _price(item, wholesale, box, "54.0000")
    data = _form_data(wholesale, item, box, price="50.00", breaks=[{"min_qty": "10", "price": "45.00"}])

    response = client_for("manager").post(reverse("sales:salesprice_create"), data)

    _refused(response, "This price level already has a price for this item in this unit: edit that one.")
    assert _counts() == (1, 0)
    assert SalesPrice.objects.get().price == Decimal("54.0000")


def test_editing_a_price_into_another_ones_unit_is_refused(client_for, wholesale, item, bottle, box):
    _price(item, wholesale, box, "54.0000")
    per_bottle = _price(item, wholesale, bottle, "2.5000")

    response = client_for("sales").post(
        reverse("sales:salesprice_update", args=[per_bottle.pk]), _form_data(wholesale, item, box)
    )

    _refused(response, "This price level already has a price for this item in this unit: edit that one.")
    per_bottle.refresh_from_db()
    assert (per_bottle.unit, per_bottle.price) == (bottle, Decimal("2.5000"))


def test_a_unit_the_item_cannot_convert_is_refused(client_for, wholesale, item):
    crate = UnitFactory(code="CRATE", name="筐")

    response = client_for("sales").post(
        reverse("sales:salesprice_create"), _form_data(wholesale, item, crate)
    )

    _refused(response, "SKU-W 矿泉水 has no conversion for this unit: add it on the item first.")
    assert _counts() == (0, 0)


def test_editing_replaces_a_break_and_keeps_the_others(client_for, wholesale, item, box):
    listed = _price(item, wholesale, box, "54.0000", breaks=[("10", "50.0000"), ("50", "48.0000")])
    first, second = listed.price_breaks.all()
    data = _form_data(wholesale, item, box, price="55.00")
    data.update(
        _inline(
            "breaks",
            [
                {"id": first.pk, "min_qty": "10", "price": "51.00"},
                {"id": second.pk, "min_qty": "50", "price": "48.00", "DELETE": "on"},
            ],
            initial=2,
        )
    )

    response = client_for("sales").post(reverse("sales:salesprice_update", args=[listed.pk]), data)

    assert response.status_code == 302
    listed.refresh_from_db()
    assert listed.price == Decimal("55")
    assert [(b.min_qty, b.price) for b in listed.price_breaks.all()] == [(Decimal("10"), Decimal("51"))]


def test_the_price_level_page_lists_its_prices(client_for, wholesale, item, box):
    _price(item, wholesale, box, "54.0000", breaks=[("10", "50.0000")])
    _price(ItemFactory(sku="SKU-OLD"), wholesale, box, "1.0000", is_active=False)

    html = client_for("sales").get(reverse("sales:pricelevel_detail", args=[wholesale.pk])).content.decode()

    assert 'id="level-prices"' in html
    assert "SKU-W" in html and "54.00" in html and "≥10: 50.00" in html
    assert "SKU-OLD" not in html


def test_the_price_list_filters_by_level_and_searches_items(client_for, wholesale, item, bottle):
    retail = PriceLevelFactory(code="RETAIL", name="零售价")
    _price(item, wholesale, bottle, "2.5000")
    _price(ItemFactory(sku="SKU-COLA", name="可乐"), retail, bottle, "3.0000")
    sales = client_for("sales")
    url = reverse("sales:salesprice_list")

    by_level = sales.get(url, {"price_level": wholesale.pk}).content.decode()
    by_search = sales.get(url, {"q": "可乐"}).content.decode()

    assert "SKU-W" in by_level and "SKU-COLA" not in by_level
    assert "SKU-COLA" in by_search and "SKU-W" not in by_search


# Who may keep the price list -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [("sales", 200), ("manager", 200), ("administrator", 200), ("purchasing", 403), ("clerk_a", 403)],
)
def test_who_may_open_the_new_price_form(role, status, client_for):
    assert client_for(role).get(reverse("sales:salesprice_create")).status_code == status


@pytest.mark.parametrize("role", ["purchasing", "clerk_a"])
def test_roles_without_the_right_cannot_save_a_price(role, client_for, wholesale, item, box):
    response = client_for(role).post(reverse("sales:salesprice_create"), _form_data(wholesale, item, box))

    assert response.status_code == 403
    assert _counts() == (0, 0)


@pytest.mark.parametrize("role", ["purchasing", "clerk_a"])
def test_roles_without_the_right_cannot_edit_a_price(role, client_for, wholesale, item, box):
    listed = _price(item, wholesale, box, "54.0000")

    response = client_for(role).post(
        reverse("sales:salesprice_update", args=[listed.pk]), _form_data(wholesale, item, box, price="1.00")
    )

    assert response.status_code == 403
    listed.refresh_from_db()
    assert listed.price == Decimal("54.0000")


def test_an_anonymous_visitor_is_sent_to_log_in(client_for, wholesale, item, box):
    url = reverse("sales:salesprice_create")

    response = client_for(None).post(url, _form_data(wholesale, item, box))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert _counts() == (0, 0)
