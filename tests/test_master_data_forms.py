"""Creating and editing master data through the real screens (POST to the views).

A refused form shows why and saves nothing — neither the main record nor its inline rows; a
good form saves everything in one go. List pages search, filter, sort and page."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.models import Batch, Category, Item, ItemBarcode, ItemUnit, Location
from purchasing.models import SupplierItem
from sales.models import Customer

from .factories import (
    CategoryFactory,
    ItemBarcodeFactory,
    ItemFactory,
    ItemUnitFactory,
    LocationFactory,
    SupplierFactory,
    UnitFactory,
    WarehouseFactory,
)

NOTHING_SAVED = "Nothing was saved: please correct the errors below."


@pytest.fixture
def manager(client_for):
    return client_for("manager")


@pytest.fixture
def pcs(db):
    return UnitFactory(code="PCS", name="个")


@pytest.fixture
def box(db):
    return UnitFactory(code="BOX", name="箱")


@pytest.fixture
def category(db):
    return CategoryFactory(name="饮料")


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


def item_data(category, base_unit, *, units=(), barcodes=(), **fields) -> dict:
    data = {
        "sku": "SKU-NEW",
        "name": "矿泉水",
        "spec": "550ml",
        "category": category.pk,
        "item_type": "merchandise",
        "base_unit": base_unit.pk,
        "tracking": "none",
        "safety_stock": "0",
        "reorder_point": "0",
        "min_stock": "0",
        "max_stock": "0",
        "lead_time_days": "0",
        "shelf_life_days": "",
        "notes": "",
    }
    data.update(fields)
    data.update(_inline("units", list(units)))
    data.update(_inline("barcodes", list(barcodes)))
    return data


def _counts():
    return Item.objects.count(), ItemUnit.objects.count(), ItemBarcode.objects.count()


def _refused(response, message: str) -> str:
    assert response.status_code == 200, "a refused form is shown again, not redirected"
    html = response.content.decode()
    assert message in html
    assert NOTHING_SAVED in html
    return html


# Items: refused --------------------------------------------------------------------------------
def test_duplicate_sku_is_refused(manager, category, pcs):
    ItemFactory(sku="SKU-NEW", base_unit=pcs)
    before = _counts()

    response = manager.post(reverse("inventory:item_create"), item_data(category, pcs))

    _refused(response, "Item with this SKU already exists.")
    assert _counts() == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"safety_stock": "-1"}, "safety_stock", "Must not be negative."),
        ({"min_stock": "50", "max_stock": "10"}, "max_stock", "The maximum must not be below the minimum."),
        (
            {"tracking": "batch_expiry", "shelf_life_days": ""},
            "shelf_life_days",
            "Items tracked with expiry dates need a shelf life.",
        ),
    ],
)
def test_item_with_bad_stock_levels_or_tracking_is_refused(
    fields, field, message, manager, category, pcs, box
):
    before = _counts()
    data = item_data(
        category,
        pcs,
        units=[{"unit": box.pk, "factor": "24"}],
        barcodes=[{"barcode": "6900000000017", "unit": ""}],
        **fields,
    )

    response = manager.post(reverse("inventory:item_create"), data)

    _refused(response, message)
    assert response.context["form"].errors[field] == [message]
    assert _counts() == before


def test_zero_conversion_factor_saves_neither_item_nor_rows(manager, category, pcs, box):
    before = _counts()
    data = item_data(
        category,
        pcs,
        units=[{"unit": box.pk, "factor": "0"}],
        barcodes=[{"barcode": "6900000000017", "unit": ""}],
    )

    response = manager.post(reverse("inventory:item_create"), data)

    _refused(response, "The factor must be greater than zero.")
    assert _counts() == before


def test_same_unit_twice_in_the_conversions_saves_nothing(manager, category, pcs, box):
    before = _counts()
    data = item_data(
        category,
        pcs,
        units=[{"unit": box.pk, "factor": "24"}, {"unit": box.pk, "factor": "12"}],
        barcodes=[{"barcode": "6900000000017", "unit": ""}],
    )

    response = manager.post(reverse("inventory:item_create"), data)

    # Django's unique check on (item, unit) answers before the formset's own wording would.
    _refused(response, "Please correct the duplicate data for unit.")
    assert _counts() == before


def test_a_conversion_for_the_base_unit_itself_is_refused_on_create(manager, category, pcs):
    # 1 个 = 5 个 makes no sense: the base unit has factor 1 by definition.
    before = _counts()

    response = manager.post(
        reverse("inventory:item_create"), item_data(category, pcs, units=[{"unit": pcs.pk, "factor": "5"}])
    )

    _refused(response, "The base unit needs no conversion.")
    assert _counts() == before


def test_a_conversion_for_the_base_unit_itself_is_refused_on_edit(manager, category, pcs):
    item = ItemFactory(sku="SKU-EDIT", base_unit=pcs, category=category)

    response = manager.post(
        reverse("inventory:item_update", args=[item.pk]),
        item_data(category, pcs, sku="SKU-EDIT", units=[{"unit": pcs.pk, "factor": "5"}]),
    )

    _refused(response, "The base unit needs no conversion.")
    assert not ItemUnit.objects.filter(item=item).exists()


def test_barcode_used_by_another_item_is_refused(manager, category, pcs):
    other = ItemBarcodeFactory(barcode="6901234567892")
    before = _counts()

    response = manager.post(
        reverse("inventory:item_create"),
        item_data(category, pcs, barcodes=[{"barcode": "6901234567892", "unit": ""}]),
    )

    _refused(response, "already exists")
    assert _counts() == before
    assert ItemBarcode.objects.get(barcode="6901234567892").item == other.item


def test_edit_with_a_duplicate_sku_changes_nothing(manager, category, pcs):
    ItemFactory(sku="SKU-TAKEN", base_unit=pcs)
    item = ItemFactory(sku="SKU-MINE", name="旧名", base_unit=pcs, category=category)

    response = manager.post(
        reverse("inventory:item_update", args=[item.pk]),
        item_data(category, pcs, sku="SKU-TAKEN", name="新名"),
    )

    _refused(response, "Item with this SKU already exists.")
    item.refresh_from_db()
    assert (item.sku, item.name) == ("SKU-MINE", "旧名")


# Items: saved ----------------------------------------------------------------------------------
def test_item_with_a_box_of_24_and_two_barcodes_is_saved_in_one_post(manager, category, pcs, box):
    data = item_data(
        category,
        pcs,
        sku="SKU-WATER",
        safety_stock="12.5",
        units=[{"unit": box.pk, "factor": "24", "is_purchase_default": "on"}],
        barcodes=[{"barcode": "6900000000017", "unit": ""}, {"barcode": "6900000000024", "unit": box.pk}],
    )

    response = manager.post(reverse("inventory:item_create"), data)

    item = Item.objects.get(sku="SKU-WATER")
    assert response.status_code == 302
    assert response["Location"] == item.get_absolute_url()
    assert item.safety_stock == Decimal("12.5")
    conversion = item.units.get()
    assert (conversion.unit, conversion.factor, conversion.is_purchase_default) == (box, Decimal("24"), True)
    assert {(b.barcode, b.unit) for b in item.barcodes.all()} == {
        ("6900000000017", None),
        ("6900000000024", box),
    }
    detail = manager.get(item.get_absolute_url()).content.decode()
    assert "1 箱 = 24 个" in detail
    assert item.history.first().history_user.username == "manager"


def test_removing_a_conversion_on_edit_deletes_only_that_row(manager, category, pcs, box):
    item = ItemFactory(sku="SKU-EDIT", base_unit=pcs, category=category)
    conversion = ItemUnitFactory(item=item, unit=box, factor=Decimal("24"))
    data = item_data(category, pcs, sku="SKU-EDIT", name="改名")
    data.update(
        _inline("units", [{"id": conversion.pk, "unit": box.pk, "factor": "24", "DELETE": "on"}], initial=1)
    )

    response = manager.post(reverse("inventory:item_update", args=[item.pk]), data)

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name == "改名"
    assert not item.units.exists()


# Categories ------------------------------------------------------------------------------------
def test_category_under_a_parent_gets_its_path_and_depth(manager):
    manager.post(reverse("inventory:category_create"), {"code": "P", "name": "父", "parent": ""})
    parent = Category.objects.get(code="P")

    response = manager.post(
        reverse("inventory:category_create"), {"code": "C", "name": "子", "parent": parent.pk}
    )

    child = Category.objects.get(code="C")
    assert response.status_code == 302
    assert (parent.path, parent.depth) == ("父", 0)
    assert (child.path, child.depth) == ("父 / 子", 1)


def test_renaming_a_parent_updates_the_path_of_its_children(manager):
    parent = CategoryFactory(code="P", name="父")
    child = CategoryFactory(code="C", name="子", parent=parent)
    grandchild = CategoryFactory(code="G", name="孙", parent=child)

    response = manager.post(
        reverse("inventory:category_update", args=[parent.pk]), {"code": "P", "name": "新父", "parent": ""}
    )

    assert response.status_code == 302
    child.refresh_from_db()
    grandchild.refresh_from_db()
    assert child.path == "新父 / 子"
    assert (grandchild.path, grandchild.depth) == ("新父 / 子 / 孙", 2)


@pytest.mark.parametrize("new_parent", ["self", "child", "grandchild"])
def test_a_category_cannot_be_placed_under_itself_or_a_descendant(new_parent, manager):
    parent = CategoryFactory(code="P", name="父")
    child = CategoryFactory(code="C", name="子", parent=parent)
    grandchild = CategoryFactory(code="G", name="孙", parent=child)
    target = {"self": parent, "child": child, "grandchild": grandchild}[new_parent]

    response = manager.post(
        reverse("inventory:category_update", args=[parent.pk]),
        {"code": "P2", "name": "父", "parent": target.pk},
    )

    _refused(response, "父 cannot be placed under itself or one of its children.")
    parent.refresh_from_db()
    child.refresh_from_db()
    assert (parent.code, parent.parent, parent.path, parent.depth) == ("P", None, "父", 0)
    assert child.path == "父 / 子"


def test_category_list_reads_as_a_tree(manager):
    # Created out of order; the list shows each parent followed by its children.
    b = CategoryFactory(code="B", name="B")
    a = CategoryFactory(code="A", name="A")
    CategoryFactory(code="B1", name="B1", parent=b)
    CategoryFactory(code="A1", name="A1", parent=a)
    CategoryFactory(code="A0", name="0", parent=a)

    html = manager.get(reverse("inventory:category_list")).content.decode()

    paths = re.findall(r'<a href="/inventory/categories/\d+/">([^<]+)</a>', html)
    assert paths == ["A", "A / 0", "A / A1", "B", "B / B1"]


def test_warehouse_list_is_sorted_by_code(manager, warehouse_a, warehouse_b):
    WarehouseFactory(code="AAA", name="总仓")  # created last, sorts first

    html = manager.get(reverse("inventory:warehouse_list")).content.decode()

    codes = re.findall(r'<a href="/inventory/warehouses/\d+/">([^<]+)</a>', html)
    assert codes == ["AAA", "WHA", "WHB"]


# Batches, locations ----------------------------------------------------------------------------
def test_batch_expiring_before_it_was_made_is_refused(client_for):
    item = ItemFactory(tracking="batch_expiry", shelf_life_days=180)

    response = client_for("clerk_a").post(
        reverse("inventory:batch_create"),
        {
            "item": item.pk,
            "batch_no": "B-1",
            "production_date": "2026-03-05",
            "expiry_date": "2026-03-04",
            "notes": "",
        },
    )

    _refused(response, "The expiry date must not be before the production date.")
    assert not Batch.objects.exists()


def test_batch_of_an_expiry_tracked_item_needs_an_expiry_date(client_for):
    item = ItemFactory(tracking="batch_expiry", shelf_life_days=180)

    response = client_for("clerk_a").post(
        reverse("inventory:batch_create"),
        {
            "item": item.pk,
            "batch_no": "B-1",
            "production_date": "2026-03-05",
            "expiry_date": "",
            "notes": "",
        },
    )

    _refused(response, "This item is tracked by expiry date: enter one.")
    assert not Batch.objects.exists()


def test_clerk_creates_a_batch(client_for):
    item = ItemFactory(tracking="batch_expiry", shelf_life_days=180)

    response = client_for("clerk_a").post(
        reverse("inventory:batch_create"),
        {
            "item": item.pk,
            "batch_no": "B-1",
            "production_date": "2026-03-05",
            "expiry_date": "2026-09-01",
            "notes": "",
        },
    )

    batch = Batch.objects.get()
    assert response.status_code == 302
    assert (batch.item, batch.batch_no, str(batch.production_date), str(batch.expiry_date)) == (
        item,
        "B-1",
        "2026-03-05",
        "2026-09-01",
    )


def test_location_parent_in_another_warehouse_is_refused(manager, warehouse_a, warehouse_b):
    parent_in_b = LocationFactory(warehouse=warehouse_b, code="B-ZONE")

    response = manager.post(
        reverse("inventory:location_create"),
        {
            "warehouse": warehouse_a.pk,
            "parent": parent_in_b.pk,
            "code": "A-01",
            "name": "",
            "kind": "bin",
            "capacity": "",
        },
    )

    _refused(response, "The parent location must be in the same warehouse.")
    assert not Location.objects.filter(code="A-01").exists()


def test_clerk_creates_a_bin_under_a_zone_and_gets_its_path(client_for, warehouse_a):
    zone = LocationFactory(warehouse=warehouse_a, code="Z1", kind="zone")

    response = client_for("clerk_a").post(
        reverse("inventory:location_create"),
        {
            "warehouse": warehouse_a.pk,
            "parent": zone.pk,
            "code": "01",
            "name": "",
            "kind": "bin",
            "capacity": "100",
        },
    )

    location = Location.objects.get(code="01")
    assert response.status_code == 302
    assert (location.path, location.capacity) == ("Z1/01", Decimal("100"))


# Suppliers, customers --------------------------------------------------------------------------
def _supplier_item_data(supplier, item, unit, **fields):
    data = {
        "supplier": supplier.pk,
        "item": item.pk,
        "supplier_sku": "X-1",
        "unit": unit.pk,
        "price": "10.50",
        "min_order_qty": "0",
        "pack_qty": "1",
        "lead_time_days": "",
        "is_preferred": "",
    }
    data.update(fields)
    data.update(_inline("breaks", []))
    return data


def test_supplier_item_with_a_negative_price_is_refused(client_for, pcs):
    supplier, item = SupplierFactory(), ItemFactory(base_unit=pcs)

    response = client_for("purchasing").post(
        reverse("purchasing:supplieritem_create"), _supplier_item_data(supplier, item, pcs, price="-0.01")
    )

    _refused(response, "The price must not be negative.")
    assert not SupplierItem.objects.exists()


def test_supplier_item_in_a_unit_the_item_cannot_convert_is_refused(client_for, pcs, box):
    supplier, item = SupplierFactory(), ItemFactory(sku="SKU-W", name="水", base_unit=pcs)

    response = client_for("purchasing").post(
        reverse("purchasing:supplieritem_create"), _supplier_item_data(supplier, item, box)
    )

    _refused(response, "SKU-W 水 has no conversion for this unit: add it on the item first.")
    assert not SupplierItem.objects.exists()


def test_supplier_item_in_a_converted_unit_with_a_price_break_is_saved(client_for, pcs, box):
    supplier, item = SupplierFactory(), ItemFactory(base_unit=pcs)
    ItemUnitFactory(item=item, unit=box, factor=Decimal("24"))
    data = _supplier_item_data(supplier, item, box, price="240.00")
    data.update(_inline("breaks", [{"min_qty": "10", "price": "228.00"}]))

    response = client_for("purchasing").post(reverse("purchasing:supplieritem_create"), data)

    supplier_item = SupplierItem.objects.get()
    assert response.status_code == 302
    assert (supplier_item.unit, supplier_item.price) == (box, Decimal("240.00"))
    assert [(b.min_qty, b.price) for b in supplier_item.price_breaks.all()] == [
        (Decimal("10"), Decimal("228"))
    ]


def test_customer_with_a_negative_credit_limit_is_refused(client_for):
    response = client_for("sales").post(
        reverse("sales:customer_create"),
        {
            "code": "K-1",
            "name": "客户甲",
            "channel": "store",
            "price_level": "",
            "contact_person": "",
            "phone": "",
            "email": "",
            "address": "",
            "tax_id": "",
            "credit_limit": "-100",
            "payment_terms_days": "30",
            "notes": "",
        },
    )

    _refused(response, "The credit limit must not be negative.")
    assert not Customer.objects.exists()


# Deactivate ------------------------------------------------------------------------------------
def test_deactivated_item_leaves_the_default_list_and_history_says_who(manager, users):
    item = ItemFactory(sku="SKU-OLD")
    ItemFactory(sku="SKU-KEEP", category=item.category)

    response = manager.post(reverse("inventory:item_toggle", args=[item.pk]))

    item.refresh_from_db()
    assert response.status_code == 302
    assert item.is_active is False
    assert item.history.first().history_user == users["manager"]
    assert item.history.first().is_active is False
    default_list = manager.get(reverse("inventory:item_list")).content.decode()
    inactive_list = manager.get(reverse("inventory:item_list") + "?is_active=false").content.decode()
    assert listed_skus(default_list) == ["SKU-KEEP"]
    assert listed_skus(inactive_list) == ["SKU-OLD"]


def test_toggling_again_reactivates(manager):
    item = ItemFactory(is_active=False)

    manager.post(reverse("inventory:item_toggle", args=[item.pk]))

    item.refresh_from_db()
    assert item.is_active is True


# Lists -----------------------------------------------------------------------------------------
def listed_skus(html: str) -> list[str]:
    return re.findall(r'<a href="/inventory/items/\d+/">([^<]+)</a>', html)


def test_item_list_search_matches_sku_name_and_barcode(manager, category):
    water = ItemFactory(sku="SKU-1", name="矿泉水", category=category)
    ItemFactory(sku="SKU-2", name="可乐", category=category)
    tea = ItemFactory(sku="SKU-3", name="绿茶", category=category)
    ItemBarcodeFactory(item=tea, barcode="6900000000031")
    ItemBarcodeFactory(item=tea, barcode="6900000000048")  # two matches, one row

    by_name = manager.get(reverse("inventory:item_list"), {"q": "泉水"}).content.decode()
    by_barcode = manager.get(reverse("inventory:item_list"), {"q": "690000000"}).content.decode()
    by_sku = manager.get(reverse("inventory:item_list"), {"q": "sku-1"}).content.decode()

    assert listed_skus(by_name) == [water.sku]
    assert listed_skus(by_barcode) == [tea.sku]
    assert listed_skus(by_sku) == [water.sku]


def test_item_list_category_filter_includes_sub_categories_only(manager):
    drinks = CategoryFactory(name="饮料")
    juice = CategoryFactory(name="果汁", parent=drinks)
    wine = CategoryFactory(name="饮料酒")  # a separate top category whose name starts alike
    ItemFactory(sku="SKU-D", category=drinks)
    ItemFactory(sku="SKU-J", category=juice)
    ItemFactory(sku="SKU-W", category=wine)

    html = manager.get(reverse("inventory:item_list"), {"category": drinks.pk}).content.decode()
    sub = manager.get(reverse("inventory:item_list"), {"category": juice.pk}).content.decode()

    assert listed_skus(html) == ["SKU-D", "SKU-J"]
    assert listed_skus(sub) == ["SKU-J"]


def test_item_list_sorts_by_sku_descending(manager, category):
    for sku in ("SKU-B", "SKU-C", "SKU-A"):
        ItemFactory(sku=sku, category=category)

    ascending = manager.get(reverse("inventory:item_list")).content.decode()
    descending = manager.get(reverse("inventory:item_list"), {"sort": "-sku"}).content.decode()

    assert listed_skus(ascending) == ["SKU-A", "SKU-B", "SKU-C"]
    assert listed_skus(descending) == ["SKU-C", "SKU-B", "SKU-A"]


def test_item_list_pages_by_25(manager, category):
    for n in range(30):
        ItemFactory(sku=f"SKU-{n:02d}", category=category)

    first = manager.get(reverse("inventory:item_list")).content.decode()
    second = manager.get(reverse("inventory:item_list"), {"page": 2}).content.decode()

    assert listed_skus(first) == [f"SKU-{n:02d}" for n in range(25)]
    assert listed_skus(second) == [f"SKU-{n:02d}" for n in range(25, 30)]


def test_item_list_keeps_the_filter_when_paging_and_sorting(manager, category):
    other = CategoryFactory(name="其他")
    for n in range(30):
        ItemFactory(sku=f"SKU-{n:02d}", category=category)
    ItemFactory(sku="SKU-ZZ", category=other)

    second = manager.get(
        reverse("inventory:item_list"), {"category": category.pk, "sort": "-sku", "page": 2}
    ).content.decode()

    assert listed_skus(second) == [f"SKU-{n:02d}" for n in range(4, -1, -1)]


def test_an_item_whose_category_was_deactivated_can_still_be_edited_and_saved(client_for):
    # Given an item in a category that has since been deactivated
    item = ItemFactory(name="旧名")
    item.category.is_active = False
    item.category.save()
    # When the manager edits only the name and keeps the category
    response = client_for("manager").post(
        reverse("inventory:item_update", args=[item.pk]),
        {
            "sku": item.sku,
            "name": "新名",
            "spec": "",
            "category": item.category_id,
            "item_type": item.item_type,
            "base_unit": item.base_unit_id,
            "tracking": "none",
            "safety_stock": "10",
            "reorder_point": "20",
            "min_stock": "0",
            "max_stock": "0",
            "lead_time_days": "0",
            "shelf_life_days": "",
            "notes": "",
            "units-TOTAL_FORMS": "0",
            "units-INITIAL_FORMS": "0",
            "barcodes-TOTAL_FORMS": "0",
            "barcodes-INITIAL_FORMS": "0",
        },
    )
    # Then it saves, keeping the inactive category
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name == "新名"
    assert item.category.is_active is False
