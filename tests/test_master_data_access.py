"""Who may open which master-data screen.

Every master-data URL of the inventory, purchasing and sales namespaces, opened by every role:
an allowed role gets the page, a role without the permission gets 403, an anonymous visitor is
sent to the login page. The expected table below is written out by hand from the role table
(accounts/migrations/0002_roles.py) so that a change to either shows up here. Clerks are also
limited to their own warehouse: anything in another warehouse is 404, as if it did not exist."""

import re
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sales.models import SalesPrice

from .factories import (
    BatchFactory,
    CategoryFactory,
    CustomerFactory,
    ItemFactory,
    LocationFactory,
    PriceLevelFactory,
    SupplierFactory,
    SupplierItemFactory,
    UnitFactory,
)

ROLES = (None, "purchasing", "sales", "clerk_a", "manager", "administrator")
V, A, C = "view", "add", "change"
ALL = {V, A, C}

# app namespace -> model name -> role -> actions that role holds on the model.
RIGHTS = {
    "inventory": {
        "unit": {"purchasing": ALL, "sales": {V}, "clerk_a": {V}, "manager": ALL},
        "category": {"purchasing": ALL, "sales": {V}, "clerk_a": {V}, "manager": ALL},
        "item": {"purchasing": ALL, "sales": {V}, "clerk_a": {V}, "manager": ALL},
        "warehouse": {"purchasing": {V}, "sales": {V}, "clerk_a": {V}, "manager": ALL},
        "location": {"purchasing": {V}, "sales": {V}, "clerk_a": ALL, "manager": ALL},
        "batch": {"purchasing": {V}, "sales": {V}, "clerk_a": ALL, "manager": ALL},
    },
    "purchasing": {
        "supplier": {"purchasing": ALL, "manager": ALL},
        "supplieritem": {"purchasing": ALL, "manager": ALL},
    },
    "sales": {
        "customer": {"sales": ALL, "manager": ALL},
        "pricelevel": {"sales": {V}, "manager": ALL},
        "salesprice": {"sales": ALL, "manager": ALL},
    },
}
# URL action -> (permission action it needs, whether it takes the object's pk)
ACTIONS = {
    "list": (V, False),
    "detail": (V, True),
    "create": (A, False),
    "update": (C, True),
    "toggle": (C, True),
}
# URL names in these namespaces that are not master-data screens and belong to other test
# suites: import/export, the stock screens (tests/inventory/test_stock_views.py) and the
# money-owed screens (tests/settlement/test_views.py).
OTHER_SCREENS = re.compile(
    r"_(import|export)(_\w+)?$|^inventory:(stockdocument|stockcount|stock|scan|period|opening)_"
    r"|^purchasing:(order|receipt|return|reorder|supplier_performance)"
    r"|^sales:(order|shipment|return|pick)"
    r"|^purchasing:(payables|payment)_|^sales:(receivables|payment)_"
)


def may(role, app, model, action) -> bool:
    if role is None:
        return False
    if role == "administrator":
        return True
    return ACTIONS[action][0] in RIGHTS[app][model].get(role, set())


EXPECTED_URLS = sorted(
    f"{app}:{model}_{action}" for app, models in RIGHTS.items() for model in models for action in ACTIONS
)
CASES = [(name, role) for name in EXPECTED_URLS for role in ROLES]


def _names(resolver, namespace=None):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _names(p, p.namespace or namespace)
        elif isinstance(p, URLPattern) and namespace and p.name:
            yield f"{namespace}:{p.name}"


@pytest.fixture
def objects(users, warehouse_a, warehouse_b):
    """One object of each master-data model, all in warehouse A where that matters."""
    item = ItemFactory(tracking="batch")
    return {
        "unit": UnitFactory(code="KG", name="千克"),
        "category": CategoryFactory(),
        "item": item,
        "warehouse": warehouse_a,
        "location": LocationFactory(warehouse=warehouse_a, code="A-01"),
        "batch": BatchFactory(item=item),
        "supplier": SupplierFactory(),
        "supplieritem": SupplierItemFactory(price=Decimal("8.8800")),
        "customer": CustomerFactory(),
        "pricelevel": PriceLevelFactory(),
        "salesprice": SalesPrice.objects.create(
            item=item, price_level=PriceLevelFactory(), unit=item.base_unit, price=Decimal("9.9000")
        ),
    }


def _url(name, objects):
    app, rest = name.split(":")
    model, action = rest.rsplit("_", 1)
    args = [objects[model].pk] if ACTIONS[action][1] else []
    return reverse(name, args=args), app, model, action


def test_every_master_data_url_is_in_the_expected_table():
    # Given the URL resolver, when we list the screens of the three master-data apps,
    # then each one is in the table above and each row of the table is a real URL.
    found = {n for n in _names(get_resolver()) if n.split(":")[0] in RIGHTS and not OTHER_SCREENS.search(n)}
    assert found - set(EXPECTED_URLS) == set(), "URL patterns missing from the expected table"
    assert set(EXPECTED_URLS) - found == set(), "expected screens without a URL pattern"


@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r or 'anonymous'}" for n, r in CASES])
def test_get_gives_page_forbidden_or_login(name, role, objects, client_for):
    url, app, model, action = _url(name, objects)

    response = client_for(role).get(url)

    if role is None:
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={quote(url)}"
    elif not may(role, app, model, action):
        assert response.status_code == 403
        assert b'id="forbidden"' in response.content
    elif action == "toggle":
        assert response.status_code == 405  # deactivating is a POST from the detail page
    else:
        assert response.status_code == 200


TOGGLE_CASES = [(n, r) for n, r in CASES if n.endswith("_toggle")]


@pytest.mark.parametrize(
    ("name", "role"), TOGGLE_CASES, ids=[f"{n}-{r or 'anonymous'}" for n, r in TOGGLE_CASES]
)
def test_toggle_post_deactivates_only_for_roles_allowed_to_change(name, role, objects, client_for):
    url, app, model, action = _url(name, objects)
    obj = objects[model]

    response = client_for(role).post(url)

    obj.refresh_from_db()
    if role is None:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert obj.is_active is True
    elif may(role, app, model, action):
        assert response.status_code == 302
        assert response["Location"] == obj.get_absolute_url()
        assert obj.is_active is False
    else:
        assert response.status_code == 403
        assert obj.is_active is True


# Warehouse scope -------------------------------------------------------------------------------
@pytest.fixture
def locations(warehouse_a, warehouse_b):
    return {
        "a": LocationFactory(warehouse=warehouse_a, code="A-RACK-01"),
        "b": LocationFactory(warehouse=warehouse_b, code="B-RACK-01"),
    }


def test_clerk_gets_404_on_another_warehouse(client_for, warehouse_a, warehouse_b):
    clerk = client_for("clerk_a")

    assert clerk.get(reverse("inventory:warehouse_detail", args=[warehouse_a.pk])).status_code == 200
    assert clerk.get(reverse("inventory:warehouse_detail", args=[warehouse_b.pk])).status_code == 404


def test_manager_edits_a_warehouse_only_a_manager_may_change(client_for, warehouse_b):
    # Clerks hold no change right on warehouses at all: editing is 403 for A and B alike.
    url = reverse("inventory:warehouse_update", args=[warehouse_b.pk])

    assert client_for("clerk_a").get(url).status_code == 403
    assert client_for("clerk_b").get(url).status_code == 403
    assert client_for("manager").get(url).status_code == 200


@pytest.mark.parametrize("name", ["inventory:location_detail", "inventory:location_update"])
def test_clerk_gets_404_on_a_location_in_another_warehouse(name, client_for, locations):
    clerk = client_for("clerk_a")

    assert clerk.get(reverse(name, args=[locations["a"].pk])).status_code == 200
    assert clerk.get(reverse(name, args=[locations["b"].pk])).status_code == 404


def test_clerk_cannot_deactivate_a_location_in_another_warehouse(client_for, locations):
    response = client_for("clerk_a").post(reverse("inventory:location_toggle", args=[locations["b"].pk]))

    assert response.status_code == 404
    locations["b"].refresh_from_db()
    assert locations["b"].is_active is True


def test_clerk_lists_show_only_their_warehouse(client_for, locations):
    clerk = client_for("clerk_a")

    warehouses = clerk.get(reverse("inventory:warehouse_list")).content.decode()
    location_list = clerk.get(reverse("inventory:location_list")).content.decode()

    assert "仓库A" in warehouses and "仓库B" not in warehouses
    assert "A-RACK-01" in location_list and "B-RACK-01" not in location_list


def test_manager_sees_both_warehouses_and_their_locations(client_for, locations, warehouse_b):
    manager = client_for("manager")

    warehouses = manager.get(reverse("inventory:warehouse_list")).content.decode()
    location_list = manager.get(reverse("inventory:location_list")).content.decode()

    assert "仓库A" in warehouses and "仓库B" in warehouses
    assert "A-RACK-01" in location_list and "B-RACK-01" in location_list
    assert manager.get(reverse("inventory:warehouse_detail", args=[warehouse_b.pk])).status_code == 200
    assert manager.get(reverse("inventory:location_detail", args=[locations["b"].pk])).status_code == 200


def test_clerk_cannot_open_a_new_location_form_for_another_warehouse(client_for, warehouse_b):
    response = client_for("clerk_a").get(
        reverse("inventory:location_create") + f"?warehouse={warehouse_b.pk}"
    )

    assert response.status_code == 404


def test_clerk_cannot_create_a_location_in_another_warehouse(client_for, warehouse_b):
    from inventory.models import Location

    response = client_for("clerk_a").post(
        reverse("inventory:location_create"),
        {
            "warehouse": warehouse_b.pk,
            "code": "SNEAK",
            "name": "",
            "kind": "bin",
            "capacity": "",
        },
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["warehouse"][0]
    assert not Location.objects.filter(code="SNEAK").exists()


def test_new_location_form_offers_clerk_only_their_warehouse(client_for, locations, warehouse_a):
    form = client_for("clerk_a").get(reverse("inventory:location_create")).context["form"]

    assert list(form.fields["warehouse"].queryset) == [warehouse_a]
    assert list(form.fields["parent"].queryset) == [locations["a"]]


# Supplier prices stay with purchasing ----------------------------------------------------------
def test_sales_staff_never_see_supplier_prices(client_for, users):
    supplier_item = SupplierItemFactory(price=Decimal("8.8800"))
    sales = client_for("sales")

    for url in (
        reverse("purchasing:supplieritem_list"),
        reverse("purchasing:supplieritem_detail", args=[supplier_item.pk]),
        reverse("purchasing:supplier_detail", args=[supplier_item.supplier.pk]),
    ):
        response = sales.get(url)
        assert response.status_code == 403, url
        assert b"8.88" not in response.content


def test_purchasing_sees_the_supplier_price(client_for):
    supplier_item = SupplierItemFactory(price=Decimal("8.8800"))

    response = client_for("purchasing").get(reverse("purchasing:supplieritem_list"))

    assert response.status_code == 200
    assert "8.88" in response.content.decode()
    assert supplier_item.item.sku in response.content.decode()


# Navigation ------------------------------------------------------------------------------------
INVENTORY_NAV = [
    "inventory:item_list",
    "inventory:category_list",
    "inventory:unit_list",
    "inventory:warehouse_list",
    "inventory:location_list",
    "inventory:batch_list",
]
PURCHASING_NAV = [
    "purchasing:reorder",
    "purchasing:order_list",
    "purchasing:supplier_performance",
    "purchasing:payables_list",
    "purchasing:payment_list",
    "purchasing:supplier_list",
    "purchasing:supplieritem_list",
]
SALES_NAV = [
    "sales:order_list",
    "sales:receivables_list",
    "sales:payment_list",
    "sales:customer_list",
    "sales:pricelevel_list",
    "sales:salesprice_list",
]
SYSTEM_NAV = ["admin:accounts_user_changelist", "finance_staff", "admin:index"]
STOCK_NAV = ["inventory:stock_on_hand", "inventory:stockdocument_list", "purchasing:receipt_list"]
COUNT_NAV = ["inventory:stockcount_list"]  # stocktakes: clerks, managers, administrators
VALUE_NAV = ["inventory:stock_valuation"]  # whoever may see stock values (not sales, not clerks)
SHIP_NAV = ["sales:shipment_list"]  # shipping: clerks, sales (read), managers, administrators
REPORTS_NAV = ["reports:report_index", "reports:export_list"]  # whoever holds a report permission (not finance)
NAV = {
    "purchasing": STOCK_NAV + VALUE_NAV + INVENTORY_NAV + PURCHASING_NAV + REPORTS_NAV,
    # quantities and shipments (to follow their orders), no stock documents
    "sales": ["inventory:stock_on_hand"] + SHIP_NAV + INVENTORY_NAV + SALES_NAV + REPORTS_NAV,
    "clerk_a": STOCK_NAV + SHIP_NAV + COUNT_NAV + INVENTORY_NAV + REPORTS_NAV,
    # managers also close months (月结) and give the finance role; not staff: no Django admin
    "manager": STOCK_NAV
    + SHIP_NAV
    + COUNT_NAV
    + VALUE_NAV
    + ["inventory:period_list"]
    + INVENTORY_NAV
    + PURCHASING_NAV
    + SALES_NAV
    + REPORTS_NAV
    + ["finance_staff"],
    "administrator": STOCK_NAV
    + SHIP_NAV
    + COUNT_NAV
    + VALUE_NAV
    + ["inventory:period_list"]
    + INVENTORY_NAV
    + PURCHASING_NAV
    + SALES_NAV
    + REPORTS_NAV
    + SYSTEM_NAV,
    # money owed on both sides (往来账) and the parties it is owed by or to
    "finance": [
        "purchasing:payables_list",
        "purchasing:payment_list",
        "purchasing:supplier_list",
        "sales:receivables_list",
        "sales:payment_list",
        "sales:customer_list",
    ],
}


def nav_entries(html: str) -> list[str]:
    nav = re.search(r'<nav[^>]*id="main-nav".*?</nav>', html, re.S)
    assert nav, "the page has no #main-nav"
    return re.findall(r'data-url-name="([^"]+)"', nav.group(0))


@pytest.mark.parametrize("role", list(NAV))
def test_home_page_shows_exactly_the_roles_navigation(role, client_for):
    response = client_for(role).get(reverse("home"))

    assert response.status_code == 200
    assert nav_entries(response.content.decode()) == NAV[role]


@pytest.mark.parametrize("role", list(NAV))
def test_every_nav_entry_opens_for_its_role(role, client_for):
    client = client_for(role)

    for name in NAV[role]:
        assert client.get(reverse(name)).status_code == 200, name


def test_clerk_nav_has_no_suppliers_or_customers_and_admin_nav_has_system(client_for):
    clerk = client_for("clerk_a").get(reverse("home")).content.decode()
    admin = client_for("administrator").get(reverse("home")).content.decode()

    assert 'data-section="inventory"' in clerk
    assert 'data-section="purchasing"' not in clerk and 'data-section="sales"' not in clerk
    assert "Suppliers" not in clerk and "Customers" not in clerk
    assert 'data-section="admin"' in admin


def test_anonymous_home_goes_to_login(client_for):
    response = client_for(None).get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"
