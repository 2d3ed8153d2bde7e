"""Generated hostile input typed into the document screens: purchase and sales order lines, stock
documents, purchase and customer returns, the stocktake's count entry and scan, and payments.
Numbers too large for any column, negative, NaN and Infinity spelt out, 30-digit decimals, every
kind of Unicode, empty and very long text, ids that do not exist or belong to another warehouse.

Whatever is typed: never a server error, and nothing half-saved — either the whole document is
saved as typed (a redirect) or the screen comes back and the database is as it was. Each example
runs in a savepoint rolled back afterwards, so every example meets the same database. The classic
hostile values are tried on every screen as explicit examples, whatever hypothesis draws besides.
"""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from inventory.models import (
    StockBalance,
    StockCountLine,
    StockDocument,
    StockDocumentLine,
    StockMove,
)
from inventory.services import MoveLine, count_create, count_start, post_moves
from purchasing import services as purchasing
from purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReturn,
    PurchaseReturnLine,
    SupplierPayment,
)
from sales import services as selling
from sales.models import (
    CustomerPayment,
    CustomerReturn,
    CustomerReturnLine,
    SalesOrder,
    SalesOrderLine,
    SalesPrice,
)
from tests.conftest import login
from tests.factories import (
    CustomerFactory,
    ItemFactory,
    ItemUnitFactory,
    LocationFactory,
    PriceLevelFactory,
    SupplierFactory,
    SupplierItemFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure here is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# What a hostile user types ----------------------------------------------------------------------
TEXT = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40),
    st.sampled_from(
        [
            "",
            "   ",
            "x" * 5000,
            "长" * 300,
            "<script>alert(1)</script>",
            "'; DROP TABLE inventory_item; --",
            '=HYPERLINK("http://evil","x")',
            "a\x00b",
            "\u202egnp.exe",
            "🙂" * 100,
        ]
    ),
)

NUMBER = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "-0",
            "-1",
            "0.00001",
            "NaN",
            "-NaN",
            "sNaN",
            "Infinity",
            "-Infinity",
            "inf",
            "1e30",
            "-1e30",
            "1e-30",
            "1E+999999999",
            "9" * 30,
            "0." + "9" * 30,
            "123456789012345678901234567890.123456789012345678901234567890",
            "1,000.5",
            "１２",
            "٣",
            "0x10",
            "1_000",
            " 7 ",
        ]
    ),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats().map(repr),
    TEXT,
)

DATE = st.one_of(
    st.dates().map(str),
    st.sampled_from(["", "2026-02-30", "0001-01-01", "9999-12-31", "2026年3月5日", "99999-01-01", "-1"]),
    TEXT,
)

# Tried on every screen whatever hypothesis draws: the classics, in every number field at once.
CLASSIC_NUMBERS = [
    "1e30",
    "-1e30",
    "9" * 30,
    "0." + "9" * 30,
    "1E+999999999",
    "NaN",
    "sNaN",
    "-Infinity",
    "-1",
    "",
]
CLASSIC_TEXTS = ["x" * 5000, "a\x00b", "长" * 300]


def classics(good: dict, numbers=(), texts=()):
    """hypothesis @example()s of `good` input with every field of `numbers` set to one classic
    number, then every field of `texts` to one classic text."""

    def decorate(test):
        for value in CLASSIC_NUMBERS:
            test = example(typed={**good, **dict.fromkeys(numbers, value)})(test)
        for value in CLASSIC_TEXTS:
            test = example(typed={**good, **dict.fromkeys(texts, value)})(test)
        return test

    return decorate


JUNK_IDS = ["", "0", "-1", "abc", "1.5", "1e3", "99999999999999999999", "9223372036854775808", " 1"]


def ids(*good) -> st.SearchStrategy[str]:
    """One of the given ids (this warehouse's, another's), or an id that is no id at all."""
    return st.one_of(
        st.sampled_from([str(pk) for pk in good]),
        st.sampled_from(JUNK_IDS),
        st.integers(min_value=-(2**63), max_value=2**64).map(str),
    )


def decimal_or_none(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


@contextmanager
def rolled_back():
    """Run one example and undo whatever it wrote."""
    savepoint = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)


def counts(*models) -> tuple[int, ...]:
    return tuple(model.objects.count() for model in models)


# The world: warehouse A (the clerk's) and B (another) ------------------------------------------
@pytest.fixture
def world(users, warehouse_a, warehouse_b):
    box = UnitFactory(code="BOX", name="箱")
    milk = ItemFactory(sku="MILK", name="纯牛奶")
    ItemUnitFactory(item=milk, unit=box, factor=Decimal("24"))
    a01 = LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")
    b01 = LocationFactory(warehouse=warehouse_b, code="B-01", path="B-01")
    for place in (a01, b01):
        post_moves(
            doc_type="test-in",
            doc_id=place.pk,
            doc_number=f"IN-{place.code}",
            lines=[MoveLine(milk.pk, place.pk, Decimal("100"), None, unit_cost=Decimal("2.00"))],
            user=users["manager"],
        )
    supplier = SupplierFactory(code="HDSP", name="华东食品")
    SupplierItemFactory(supplier=supplier, item=milk, unit=box, price=Decimal("60.0000"))
    level = PriceLevelFactory(code="WHOLESALE", name="批发价")
    SalesPrice.objects.create(item=milk, price_level=level, unit=box, price=Decimal("72.0000"))
    customer = CustomerFactory(code="K001", name="城东超市", price_level=level, credit_limit=Decimal("50000"))
    order = purchasing.order_create(supplier=supplier, warehouse=warehouse_a, user=users["purchasing"])
    purchasing.order_set_lines(
        order_id=order.pk, lines=[purchasing.OrderLineInput(item=milk, unit_id=box.pk, qty=Decimal("10"))]
    )
    purchasing.order_submit(order_id=order.pk, user=users["purchasing"])
    receipt = purchasing.receipt_create(order_id=order.pk, user=users["clerk_a"])
    purchasing.receipt_set_lines(
        receipt_id=receipt.pk,
        lines=[
            purchasing.ReceiptLineInput(
                order_line_id=receipt.lines.get().order_line_id, location_id=a01.pk, accepted_qty=Decimal("2")
            )
        ],
    )
    purchasing.receipt_post(receipt_id=receipt.pk, user=users["clerk_a"])
    sale = selling.order_create(customer=customer, warehouse=warehouse_a, user=users["sales"])
    selling.order_set_lines(
        order_id=sale.pk, lines=[selling.SalesLineInput(item=milk, unit_id=box.pk, qty=Decimal("2"))]
    )
    selling.order_confirm(order_id=sale.pk, user=users["sales"])
    shipment = selling.shipment_create(order_id=sale.pk, user=users["clerk_a"])
    selling.shipment_set_picks(
        shipment_id=shipment.pk,
        picks=[selling.PickInput(sale.lines.get().pk, a01.pk, Decimal("48"))],
    )
    selling.shipment_post(shipment_id=shipment.pk, user=users["clerk_a"])
    counting_a = count_start(
        count_id=count_create(warehouse=warehouse_a, user=users["manager"]).pk, user=users["manager"]
    )
    counting_b = count_start(
        count_id=count_create(warehouse=warehouse_b, user=users["manager"]).pk, user=users["manager"]
    )
    return {
        "users": users,
        "wha": warehouse_a,
        "whb": warehouse_b,
        "milk": milk,
        "box": box,
        "a01": a01,
        "b01": b01,
        "supplier": supplier,
        "customer": customer,
        "receipt": receipt,
        "shipment": shipment,
        "count_a": counting_a,
        "line_a": counting_a.lines.get(),
        "count_b": counting_b,
        "line_b": counting_b.lines.get(),
    }


def _answered(response, *, allowed=(200, 302)) -> int:
    # The test client re-raises a view's exception, so reaching here already means no crash.
    assert response.status_code in allowed, response.status_code
    return response.status_code


# Order lines ------------------------------------------------------------------------------------
def order_line_input(world):
    return st.fixed_dictionaries(
        {
            "item": ids(world["milk"].pk),
            "unit": ids(world["box"].pk, world["milk"].base_unit_id),
            "qty": NUMBER,
            "price": NUMBER,
            "tax_rate": NUMBER,
            "discount": NUMBER,
            "expected_date": DATE,
            "note": TEXT,
            "order_date": DATE,
            "reference": TEXT,
            "warehouse": ids(world["wha"].pk, world["whb"].pk),
        }
    )


def good_order_line(world) -> dict:
    return {
        "item": str(world["milk"].pk),
        "unit": str(world["box"].pk),
        "qty": "2",
        "price": "",
        "tax_rate": "",
        "discount": "",
        "expected_date": "",
        "note": "",
        "order_date": "2026-11-02",
        "reference": "",
        "warehouse": str(world["wha"].pk),
    }


ORDER_NUMBERS = ("qty", "price", "tax_rate", "discount")
ORDER_TEXTS = ("note", "reference")


def test_purchase_order_lines_take_any_input(world):
    client = login(world["users"]["purchasing"])
    url = reverse("purchasing:order_create")

    @EXAMPLES
    @classics(good_order_line(world), ORDER_NUMBERS, ORDER_TEXTS)
    @given(typed=order_line_input(world))
    def run(typed):
        with rolled_back():
            before = counts(PurchaseOrder, PurchaseOrderLine)
            data = {
                "supplier": world["supplier"].pk,
                "warehouse": typed["warehouse"],
                "order_date": typed["order_date"],
                "expected_date": "",
                "reference": typed["reference"],
                "note": typed["note"],
                "lines-TOTAL_FORMS": "2",
                "lines-INITIAL_FORMS": "0",
                "lines-0-item": world["milk"].pk,
                "lines-0-unit": world["box"].pk,
                "lines-0-qty": "1",
                **{f"lines-1-{k}": typed[k] for k in ("item", "unit", "qty", "price", "tax_rate", "note")},
                "lines-1-expected_date": typed["expected_date"],
            }
            status = _answered(client.post(url, data))
            after = counts(PurchaseOrder, PurchaseOrderLine)
            if status == 302:
                order = PurchaseOrder.objects.latest("pk")
                assert after == (before[0] + 1, before[1] + order.lines.count())
                assert order.lines.count() in (1, 2)  # a line left empty is no line
            else:
                assert after == before

    run()


def test_sales_order_lines_take_any_input(world):
    client = login(world["users"]["sales"])
    url = reverse("sales:order_create")

    @EXAMPLES
    @classics(good_order_line(world), ORDER_NUMBERS, ORDER_TEXTS)
    @given(typed=order_line_input(world))
    def run(typed):
        with rolled_back():
            before = counts(SalesOrder, SalesOrderLine, StockBalance)
            reserved = list(StockBalance.objects.order_by("pk").values_list("reserved", flat=True))
            data = {
                "customer": world["customer"].pk,
                "warehouse": typed["warehouse"],
                "order_date": typed["order_date"],
                "requested_date": typed["expected_date"],
                "reference": typed["reference"],
                "note": typed["note"],
                "lines-TOTAL_FORMS": "2",
                "lines-INITIAL_FORMS": "0",
                "lines-0-item": world["milk"].pk,
                "lines-0-unit": world["box"].pk,
                "lines-0-qty": "1",
                **{
                    f"lines-1-{k}": typed[k] for k in ("item", "unit", "qty", "price", "discount", "tax_rate")
                },
                "lines-1-note": typed["note"],
            }
            status = _answered(client.post(url, data))
            after = counts(SalesOrder, SalesOrderLine, StockBalance)
            if status == 302:
                order = SalesOrder.objects.latest("pk")
                assert after == (before[0] + 1, before[1] + order.lines.count(), before[2])
            else:
                assert after == before
            # Writing an order reserves nothing: only confirming does.
            assert list(StockBalance.objects.order_by("pk").values_list("reserved", flat=True)) == reserved

    run()


# Stock documents --------------------------------------------------------------------------------
def test_stock_documents_take_any_input(world):
    client = login(world["users"]["clerk_a"])
    kinds = st.sampled_from(["receipt", "issue", "transfer", "loss", "gain", "bogus", "", "RECEIPT"])
    typed_line = st.fixed_dictionaries(
        {
            "kind": kinds,
            "warehouse": ids(world["wha"].pk, world["whb"].pk),
            "to_warehouse": ids(world["wha"].pk, world["whb"].pk),
            "posting_date": DATE,
            "reason": TEXT,
            "reference": TEXT,
            "item": ids(world["milk"].pk),
            "unit": ids(world["box"].pk, world["milk"].base_unit_id),
            "qty": NUMBER,
            "location": ids(world["a01"].pk, world["b01"].pk),
            "to_location": ids(world["a01"].pk, world["b01"].pk),
            "batch_no": TEXT,
            "expiry_date": DATE,
            "unit_cost": NUMBER,
        }
    )

    good = {
        "kind": "receipt",
        "warehouse": str(world["wha"].pk),
        "to_warehouse": "",
        "posting_date": "2026-11-02",
        "reason": "",
        "reference": "",
        "item": str(world["milk"].pk),
        "unit": str(world["milk"].base_unit_id),
        "qty": "3",
        "location": str(world["a01"].pk),
        "to_location": "",
        "batch_no": "",
        "expiry_date": "",
        "unit_cost": "2.5",
    }

    @EXAMPLES
    @classics(good, ("qty", "unit_cost"), ("reference", "batch_no"))
    @classics({**good, "kind": "issue"}, ("qty",))
    @given(typed=typed_line)
    def run(typed):
        with rolled_back():
            watched = (StockDocument, StockDocumentLine, StockMove)
            before = counts(*watched)
            data = {
                "warehouse": typed["warehouse"],
                "to_warehouse": typed["to_warehouse"],
                "posting_date": typed["posting_date"],
                "reason": typed["reason"],
                "reference": typed["reference"],
                "note": "",
                "lines-TOTAL_FORMS": "1",
                "lines-INITIAL_FORMS": "0",
                **{
                    f"lines-0-{k}": typed[k]
                    for k in ("item", "unit", "qty", "location", "to_location", "batch_no", "expiry_date")
                },
                "lines-0-unit_cost": typed["unit_cost"],
            }
            url = reverse("inventory:stockdocument_create") + f"?kind={typed['kind']}"
            status = _answered(client.post(url, data), allowed=(200, 302, 404))
            after = counts(*watched)
            if status == 302:
                document = StockDocument.objects.latest("pk")
                assert document.warehouse_id == world["wha"].pk, "a clerk writes only in their warehouse"
                assert after == (before[0] + 1, before[1] + 1, before[2]), "a draft moves no stock"
            else:
                assert after == before

    run()


# Purchase returns: a quantity typed per received line -------------------------------------------
def test_purchase_returns_take_any_quantity(world):
    client = login(world["users"]["purchasing"])
    receipt = world["receipt"]
    line = receipt.lines.get()
    url = reverse("purchasing:return_create", args=[receipt.pk])
    good = {"reason": "defective", "posting_date": receipt.posting_date.isoformat(), "note": "", "qty": "1"}

    @EXAMPLES
    @classics(good, ("qty",), ("note",))
    @given(
        typed=st.fixed_dictionaries(
            {
                "reason": st.one_of(st.sampled_from(["defective", "bogus", ""]), TEXT),
                "posting_date": DATE,
                "note": TEXT,
                "qty": NUMBER,
            }
        )
    )
    def run(typed):
        with rolled_back():
            watched = (PurchaseReturn, PurchaseReturnLine, StockMove)
            before = counts(*watched)
            data = {key: typed[key] for key in ("reason", "posting_date", "note")}
            data[f"qty-{line.pk}"] = typed["qty"]
            status = _answered(client.post(url, data))
            after = counts(*watched)
            if status == 302:
                returned = PurchaseReturnLine.objects.latest("pk")
                assert returned.qty == Decimal(typed["qty"].strip())
                assert after == (before[0] + 1, before[1] + 1, before[2] + 1)
            else:
                assert after == before

    run()


def test_customer_returns_take_any_quantity_and_location(world):
    client = login(world["users"]["sales"])
    shipment = world["shipment"]
    line = shipment.lines.get()
    url = reverse("sales:return_create", args=[shipment.pk])
    good = {"reason": "破损", "posting_date": shipment.posting_date.isoformat(), "qty": "1"}
    good.update(restock="1", location=str(world["a01"].pk))

    @EXAMPLES
    @classics(good, ("qty",), ("reason",))
    @given(
        typed=st.fixed_dictionaries(
            {
                "reason": TEXT,
                "posting_date": DATE,
                "qty": NUMBER,
                "restock": st.sampled_from(["1", "0", "", "yes"]),
                "location": ids(world["a01"].pk, world["b01"].pk),
            }
        )
    )
    def run(typed):
        with rolled_back():
            watched = (CustomerReturn, CustomerReturnLine, StockMove)
            before = counts(*watched)
            last_move = StockMove.objects.latest("pk").pk
            data = {"reason": typed["reason"], "posting_date": typed["posting_date"]}
            data.update({f"{key}-{line.pk}": typed[key] for key in ("qty", "restock", "location")})
            status = _answered(client.post(url, data))
            after = counts(*watched)
            if status == 302:
                returned = CustomerReturnLine.objects.latest("pk")
                assert returned.base_qty == Decimal(typed["qty"].strip())
                assert after[:2] == (before[0] + 1, before[1] + 1)
                new_moves = StockMove.objects.filter(pk__gt=last_move)
                assert not new_moves.filter(location__warehouse=world["whb"]).exists(), "restocked in B"
            else:
                assert after == before

    run()


# The stocktake: count entry and scans -----------------------------------------------------------
def test_count_entry_takes_any_quantity_on_any_line(world):
    client = login(world["users"]["clerk_a"])
    line_ids = [(world["count_a"].pk, world["line_a"].pk), (world["count_a"].pk, world["line_b"].pk)]
    line_ids += [(world["count_b"].pk, world["line_b"].pk)]

    mine = line_ids[0]

    @EXAMPLES
    @classics({"qty": "3", "where": mine, "htmx": True}, ("qty",))
    @classics({"qty": "3", "where": mine, "htmx": False}, ("qty",))
    @given(
        typed=st.fixed_dictionaries(
            {"qty": NUMBER, "where": st.sampled_from(line_ids), "htmx": st.booleans()}
        )
    )
    def run(typed):
        where, htmx = typed["where"], typed["htmx"]
        with rolled_back():
            before = list(StockCountLine.objects.order_by("pk").values_list("pk", "counted_qty"))
            headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
            url = reverse("inventory:stockcount_line", args=where)
            status = _answered(client.post(url, {"qty": typed["qty"]}, **headers), allowed=(200, 302, 404))
            after = dict(StockCountLine.objects.values_list("pk", "counted_qty"))
            changed = {pk for pk, qty in before if after[pk] != qty}
            if where != (world["count_a"].pk, world["line_a"].pk):
                assert status == 404 and changed == set(), "another warehouse's line is out of reach"
                return
            number = decimal_or_none(typed["qty"])
            if changed:
                # Saved exactly as typed, and only where it was typed.
                assert changed == {world["line_a"].pk}
                assert number is not None and after[world["line_a"].pk] == number
            assert StockMove.objects.filter(posting__doc_type="stockcount").count() == 0

    run()


def test_count_scans_take_any_code_and_location(world):
    client = login(world["users"]["clerk_a"])
    url = reverse("inventory:stockcount_scan", args=[world["count_a"].pk])

    @EXAMPLES
    @given(
        code=st.one_of(TEXT, st.sampled_from(["MILK", "A-01", "B-01", "milk"])),
        location=ids(world["a01"].pk, world["b01"].pk),
    )
    def run(code, location):
        with rolled_back():
            before = list(StockCountLine.objects.order_by("pk").values_list("pk", "counted_qty"))
            _answered(client.post(url, {"code": code, "location": location}, HTTP_HX_REQUEST="true"))
            after = dict(StockCountLine.objects.values_list("pk", "counted_qty"))
            changed = {pk for pk, qty in before if after[pk] != qty}
            assert changed <= {world["line_a"].pk}, "a scan counts only in the clerk's own count"

    run()


# Payments ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "url_name", "party", "model"),
    [
        ("manager", "purchasing:payment_create", "supplier", SupplierPayment),
        ("manager", "sales:payment_create", "customer", CustomerPayment),
    ],
)
def test_payments_take_any_amount(world, role, url_name, party, model):
    client = login(world["users"][role])
    parties = ids(world[party].pk)

    good = {"party": str(world[party].pk), "date": "2026-11-02", "method": "bank", "amount": "100"}
    good.update(reference="", note="")

    @EXAMPLES
    @classics(good, ("amount",), ("reference", "note"))
    @given(
        typed=st.fixed_dictionaries(
            {
                "party": parties,
                "date": DATE,
                "method": st.one_of(st.sampled_from(["bank", "cash", "wechat", "bogus", ""]), TEXT),
                "amount": NUMBER,
                "reference": TEXT,
                "note": TEXT,
            }
        )
    )
    def run(typed):
        with rolled_back():
            before = counts(model)
            url = reverse(url_name) + f"?party={typed['party']}"
            data = {key: typed[key] for key in ("date", "method", "amount", "reference", "note")}
            status = _answered(client.post(url, data), allowed=(200, 302, 404))
            if status == 302:
                payment = model.objects.latest("pk")
                assert counts(model) == (before[0] + 1,)
                assert payment.amount == Decimal(typed["amount"].strip().replace(",", ""))
            else:
                assert counts(model) == before

    run()
