"""The money-owed screens (JOURNEYS §7) of both books: every URL for every role, finance recording
a payment against two receipts and the payables page showing the exact new balance, bad amounts
refused with the reason and nothing saved, a customer's statement with hand-computed opening and
closing balances (page, print and Excel alike), allocating and undoing, reversing a payment.

Test data is made through settlement.services (add_document / add_return / record_payment), the
way posted receipts and shipments make it. GET_CASES and POST_CASES name every URL of the two
books; args name entries of the `ledger` fixture."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from itertools import count

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook

from purchasing.models import PayableAllocation, PayableEntry, SupplierPayment
from purchasing.payables import BOOK as PAYABLES
from sales.models import CustomerPayment, ReceivableAllocation, ReceivableEntry
from sales.receivables import BOOK as RECEIVABLES
from settlement import selectors, services
from settlement.models import PaymentStatus
from tests.factories import CustomerFactory, SupplierFactory

pytestmark = pytest.mark.django_db

ROLES = (None, "purchasing", "sales", "clerk_a", "clerk_b", "manager", "administrator", "finance")
PAY_READ = {"purchasing": 200, "manager": 200, "administrator": 200, "finance": 200}
RCV_READ = {"sales": 200, "manager": 200, "administrator": 200, "finance": 200}
WRITE = {"manager": 200, "administrator": 200, "finance": 200}  # record, allocate, reverse: both books
WRITERS = set(WRITE)

# (url name, args: keys of the ledger fixture, expected status per role; a role not named gets 403)
GET_CASES = [
    ("purchasing:payables_list", (), PAY_READ),
    ("purchasing:payables_export", (), PAY_READ),
    ("purchasing:payables_detail", ("supplier",), PAY_READ),
    ("purchasing:payables_statement", ("supplier",), PAY_READ),
    ("purchasing:payables_statement_print", ("supplier",), PAY_READ),
    ("purchasing:payables_statement_export", ("supplier",), PAY_READ),
    ("purchasing:payables_allocate", ("pay_credit",), WRITE),
    ("purchasing:payment_list", (), PAY_READ),
    ("purchasing:payment_create", (), WRITE),
    ("purchasing:payment_detail", ("pay_payment",), PAY_READ),
    ("sales:receivables_list", (), RCV_READ),
    ("sales:receivables_export", (), RCV_READ),
    ("sales:receivables_detail", ("customer",), RCV_READ),
    ("sales:receivables_statement", ("customer",), RCV_READ),
    ("sales:receivables_statement_print", ("customer",), RCV_READ),
    ("sales:receivables_statement_export", ("customer",), RCV_READ),
    ("sales:receivables_allocate", ("rcv_credit",), WRITE),
    ("sales:payment_list", (), RCV_READ),
    ("sales:payment_create", (), WRITE),
    ("sales:payment_detail", ("rcv_payment",), RCV_READ),
]

# (url name, args, roles that get past the permission check)
POST_CASES = [
    ("purchasing:payables_allocate", ("pay_credit",), WRITERS),
    ("purchasing:payables_unallocate", ("pay_allocation",), WRITERS),
    ("purchasing:payment_create", (), WRITERS),
    ("purchasing:payment_reverse", ("pay_payment",), WRITERS),
    ("sales:receivables_allocate", ("rcv_credit",), WRITERS),
    ("sales:receivables_unallocate", ("rcv_allocation",), WRITERS),
    ("sales:payment_create", (), WRITERS),
    ("sales:payment_reverse", ("rcv_payment",), WRITERS),
]
PREFIXES = ("purchasing:payables_", "purchasing:payment_", "sales:receivables_", "sales:payment_")


def D(text) -> Decimal:
    return Decimal(str(text))


SOURCE_IDS = count(900001)


def owed(book, party, number, day, amount):
    """What a posted receipt (payables) or shipment (receivables) makes owed."""
    return services.add_document(
        book,
        party=party,
        source_type="receipt" if book is PAYABLES else "shipment",
        source_id=next(SOURCE_IDS),
        number=number,
        day=day,
        amount=D(amount),
    )


def paid(book, party, day, amount, user, *, to=()):
    allocations = [services.AllocationInput(entry.pk, D(a)) for entry, a in to]
    return services.record_payment(
        book, party=party, day=day, method="bank", amount=D(amount), user=user, allocations=allocations
    )


@pytest.fixture
def ledger(users):
    """On each side a party with two open documents and a payment partly allocated to the first."""
    today = timezone.localdate()
    finance = users["finance"]
    supplier = SupplierFactory(code="S001", name="华东食品")
    customer = CustomerFactory(code="K001", name="城东超市")
    objects = {"supplier": supplier, "customer": customer}
    for book, party, prefix in ((PAYABLES, supplier, "pay"), (RECEIVABLES, customer, "rcv")):
        first = owed(book, party, f"{prefix.upper()}-DOC-1", today - timedelta(days=45), "800.00")
        second = owed(book, party, f"{prefix.upper()}-DOC-2", today - timedelta(days=5), "200.00")
        payment = paid(book, party, today - timedelta(days=2), "500.00", finance, to=[(first, "300.00")])
        objects[f"{prefix}_payment"] = payment
        objects[f"{prefix}_credit"] = services.payment_entry(book, payment)
        objects[f"{prefix}_allocation"] = book.allocation_model.objects.get(
            credit=objects[f"{prefix}_credit"]
        )
        objects[f"{prefix}_debits"] = (first, second)
    return objects


def url(name, args, objects):
    return reverse(name, args=[objects[a].pk for a in args])


# Who may open what -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_money_screen_answers_each_role_as_designed(role, ledger, client_for):
    client = client_for(role)
    for name, args, expected in GET_CASES:
        response = client.get(url(name, args, ledger))
        if role is None:
            assert response.status_code == 302 and "/login" in response["Location"], name
        else:
            assert response.status_code == expected.get(role, 403), (name, role, response.status_code)


def snapshot():
    """Everything a refused POST must leave as it was."""
    return {
        "payments": sorted(SupplierPayment.objects.values_list("pk", "status"))
        + sorted(CustomerPayment.objects.values_list("pk", "status")),
        "allocations": sorted(PayableAllocation.objects.values_list("pk", "undone_at"))
        + sorted(ReceivableAllocation.objects.values_list("pk", "undone_at")),
        "entries": sorted(PayableEntry.objects.values_list("pk", "allocated"))
        + sorted(ReceivableEntry.objects.values_list("pk", "allocated")),
    }


def post_data(name, ledger):
    """A POST that would succeed for a role with the right, so a missing check would show."""
    side = "pay" if name.startswith("purchasing:") else "rcv"
    second = ledger[f"{side}_debits"][1]
    return {
        "date": timezone.localdate().isoformat(),
        "method": "cash",
        "amount": "10.00",
        "reason": "typed twice",
        f"alloc-{second.pk}": "10.00",
    }


@pytest.mark.parametrize("role", [r for r in ROLES if r not in WRITERS], ids=lambda r: r or "anonymous")
def test_writes_are_refused_to_roles_without_the_right_and_change_nothing(role, ledger, client_for):
    client = client_for(role)
    before = snapshot()
    for name, args, allowed in POST_CASES:
        assert role not in allowed
        target = url(name, args, ledger)
        if name.endswith("payment_create"):
            party = ledger["supplier" if name.startswith("purchasing:") else "customer"]
            target += f"?party={party.pk}"
        response = client.post(target, post_data(name, ledger))
        if role is None:
            assert response.status_code == 302 and "/login" in response["Location"], name
        else:
            assert response.status_code == 403, (name, role, response.status_code)
    assert snapshot() == before


def test_sales_staff_get_403_on_every_payables_url_and_see_no_amount(ledger, client_for):
    client = client_for("sales")
    for name, args, _expected in GET_CASES:
        if name.startswith("purchasing:"):
            response = client.get(url(name, args, ledger))
            assert response.status_code == 403, name
            assert b"800.00" not in response.content and b"S001" not in response.content
    before = snapshot()
    for name, args, _allowed in POST_CASES:
        if name.startswith("purchasing:"):
            assert client.post(url(name, args, ledger), post_data(name, ledger)).status_code == 403, name
    assert snapshot() == before


def test_purchasing_staff_never_see_receivables(ledger, client_for):
    client = client_for("purchasing")
    for name, args, _expected in GET_CASES:
        if name.startswith("sales:"):
            assert client.get(url(name, args, ledger)).status_code == 403, name


def _names(resolver, namespace=None):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _names(p, p.namespace or namespace)
        elif isinstance(p, URLPattern) and namespace and p.name:
            yield f"{namespace}:{p.name}"


def test_every_money_url_is_in_the_role_tables():
    found = {n for n in _names(get_resolver()) if n.startswith(PREFIXES)}
    tabled = {name for name, *_rest in GET_CASES + POST_CASES}
    assert found - tabled == set(), "money URLs missing from the role tables"
    assert tabled - found == set(), "role tables naming URLs that do not exist"


def test_finance_sees_the_money_screens_in_the_navigation(client_for):
    page = client_for("finance").get(reverse("home")).content.decode()
    for name in (
        "purchasing:payables_list",
        "purchasing:payment_list",
        "sales:receivables_list",
        "sales:payment_list",
    ):
        assert f'data-url-name="{name}"' in page, name


# Recording a payment ---------------------------------------------------------------------------


@pytest.fixture
def owing(users):
    """华东食品 is owed three receipts: 750.00 (40 days old), 400.00 (10 days) and 250.00 (today)."""
    today = timezone.localdate()
    supplier = SupplierFactory(code="S100", name="华东食品", payment_terms_days=30)
    return {
        "supplier": supplier,
        "r1": owed(PAYABLES, supplier, "GRN-1", today - timedelta(days=40), "750.00"),
        "r2": owed(PAYABLES, supplier, "GRN-2", today - timedelta(days=10), "400.00"),
        "r3": owed(PAYABLES, supplier, "GRN-3", today, "250.00"),
    }


def payment_form(owing, amount, allocations=None, **extra):
    data = {
        "date": timezone.localdate().isoformat(),
        "method": "bank",
        "reference": "BANK-778",
        "amount": amount,
        "note": "",
        **extra,
    }
    for key, value in (allocations or {}).items():
        data[f"alloc-{owing[key].pk}"] = value
    return data


def create_url(party):
    return reverse("purchasing:payment_create") + f"?party={party.pk}"


def test_finance_pays_two_receipts_and_the_payables_page_shows_the_new_balance(owing, client_for):
    finance = client_for("finance")
    supplier = owing["supplier"]
    form = finance.get(create_url(supplier)).content.decode()
    assert "GRN-1" in form and "GRN-2" in form and "GRN-3" in form

    response = finance.post(
        create_url(supplier), payment_form(owing, "1,000.00", {"r1": "600.00", "r2": "400.00"})
    )

    payment = SupplierPayment.objects.get(supplier=supplier)
    assert response.status_code == 302
    assert response["Location"] == reverse("purchasing:payment_detail", args=[payment.pk])
    assert (payment.amount, payment.reference, payment.status) == (D("1000.00"), "BANK-778", "posted")
    allocated = dict(
        PayableAllocation.objects.filter(credit__source_id=payment.pk).values_list("debit", "amount")
    )
    assert allocated == {owing["r1"].pk: D("600.00"), owing["r2"].pk: D("400.00")}

    # 750.00 + 400.00 + 250.00 − 1,000.00 = 400.00: GRN-1 has 150.00 open (31–60 days), GRN-3 250.00 (0–30)
    listing = finance.get(reverse("purchasing:payables_list"))
    row = next(r for r in listing.context["rows"] if r.party == supplier)
    assert row.buckets == [D("250.00"), D("150.00"), D("0"), D("0")]
    assert (row.credit, row.balance, row.overdue) == (D("0"), D("400.00"), D("150.00"))
    html = listing.content.decode()
    row_html = html[html.index(f'id="party-{supplier.pk}"') :].split("</tr>")[0]
    assert '<td class="num fw-semibold balance">400.00</td>' in row_html
    assert "Ageing counts the days from each document" in html

    # as of yesterday: neither the payment nor GRN-3 (dated today) yet: 750.00 + 400.00
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    earlier = finance.get(reverse("purchasing:payables_list"), {"as_of": yesterday}).context["rows"]
    assert [r.balance for r in earlier if r.party == supplier] == [D("1150.00")]

    detail = finance.get(reverse("purchasing:payment_detail", args=[payment.pk])).content.decode()
    assert "GRN-1" in detail and "600.00" in detail and 'id="payment-open">0.00<' in detail
    account = finance.get(reverse("purchasing:payables_detail", args=[supplier.pk])).content.decode()
    assert 'id="party-balance">400.00<' in account


BAD_AMOUNTS = [
    ("abc", {}, "The amount: abc is not an amount."),
    ("-5", {}, "The amount must be greater than zero."),
    ("1.234", {}, "The amount: amounts are to the fen (two decimal places)."),
    ("500.00", {"r2": "450.00"}, "GRN-2 has 400.00 open; 450.00 cannot be allocated to it."),
    ("500.00", {"r1": "abc"}, "GRN-1: abc is not an amount."),
    ("500.00", {"r1": "400.00", "r2": "200.00"}, "has 500.00 left to allocate; 600.00 is more than that."),
]


@pytest.mark.parametrize(("amount", "allocations", "message"), BAD_AMOUNTS)
def test_a_bad_amount_is_refused_with_the_reason_and_nothing_is_saved(
    amount, allocations, message, owing, client_for
):
    entries_before = sorted(PayableEntry.objects.values_list("pk", "allocated"))

    response = client_for("finance").post(
        create_url(owing["supplier"]), payment_form(owing, amount, allocations)
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert SupplierPayment.objects.count() == 0
    assert PayableAllocation.objects.count() == 0
    assert sorted(PayableEntry.objects.values_list("pk", "allocated")) == entries_before


def test_a_future_as_of_date_is_refused_and_today_is_shown(owing, client_for):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    response = client_for("finance").get(reverse("purchasing:payables_list"), {"as_of": tomorrow})

    assert "The as-of date cannot be in the future." in response.content.decode()
    assert response.context["as_of"] == timezone.localdate()


def test_fill_oldest_first_proposes_without_saving(owing, client_for):
    response = client_for("finance").post(
        create_url(owing["supplier"]), payment_form(owing, "900.00", fill="1")
    )

    rows = {r.entry.number: r.value for r in response.context["rows"]}
    assert rows == {"GRN-1": "750.00", "GRN-2": "150.00", "GRN-3": ""}
    assert SupplierPayment.objects.count() == 0


def test_choosing_the_party_first(owing, client_for):
    finance = client_for("finance")
    page = finance.get(reverse("purchasing:payment_create")).content.decode()
    assert 'id="choose-party"' in page and "华东食品" in page
    assert finance.get(reverse("purchasing:payment_create") + "?party=x").status_code == 404


def test_payments_list_filters_by_party_and_method(ledger, owing, users, client_for):
    paid(PAYABLES, owing["supplier"], timezone.localdate(), "12.34", users["finance"])
    finance = client_for("finance")

    everything = finance.get(reverse("purchasing:payment_list")).context["payments"]
    theirs = finance.get(reverse("purchasing:payment_list"), {"party": owing["supplier"].pk}).context[
        "payments"
    ]
    cash = finance.get(reverse("purchasing:payment_list"), {"method": "cash"}).context["payments"]

    assert len(everything) == 2
    assert [(p.amount, p.allocated_amount) for p in theirs] == [(D("12.34"), D("0.00"))]
    assert cash == []


# Statements ------------------------------------------------------------------------------------


@pytest.fixture
def account(users):
    """城东超市's account: before the period a shipment of 1,000.00 and 300.00 received; in the
    period a shipment of 500.00, 50.00 of it returned, 200.00 received; after it a shipment of 70.00."""
    today = timezone.localdate()
    day = lambda n: today - timedelta(days=n)  # noqa: E731
    finance = users["finance"]
    customer = CustomerFactory(code="K100", name="城东超市")
    s1 = owed(RECEIVABLES, customer, "SHP-1", day(100), "1000.00")
    paid(RECEIVABLES, customer, day(95), "300.00", finance, to=[(s1, "300.00")])
    s2 = owed(RECEIVABLES, customer, "SHP-2", day(30), "500.00")
    services.add_return(
        RECEIVABLES,
        party=customer,
        source_type="return",
        source_id=next(SOURCE_IDS),
        number="CRT-1",
        day=day(20),
        amount=D("50.00"),
        against=(s2.source_type, s2.source_id),
        user=finance,
    )
    received = paid(RECEIVABLES, customer, day(10), "200.00", finance)
    owed(RECEIVABLES, customer, "SHP-3", day(2), "70.00")
    return {"customer": customer, "start": day(60), "end": day(5), "received": received}


def period(account):
    return {"start": account["start"].isoformat(), "end": account["end"].isoformat()}


def test_the_statement_shows_the_hand_computed_opening_and_closing_balance(account, client_for):
    response = client_for("finance").get(
        reverse("sales:receivables_statement", args=[account["customer"].pk]), period(account)
    )

    statement = response.context["statement"]
    # opening 1,000.00 − 300.00 = 700.00; then +500.00 −50.00 −200.00; SHP-3 is after the period
    assert statement.opening == D("700.00")
    assert [(r.number, r.debit, r.credit, r.balance) for r in response.context["rows"]] == [
        ("SHP-2", D("500.00"), D("0"), D("1200.00")),
        ("CRT-1", D("0"), D("50.00"), D("1150.00")),
        (account["received"].number, D("0"), D("200.00"), D("950.00")),
    ]
    assert (statement.debits, statement.credits, statement.closing) == (D("500.00"), D("250.00"), D("950.00"))
    html = response.content.decode()
    assert 'id="opening-balance">700.00<' in html and 'id="closing-balance">950.00<' in html
    assert "Returned by the customer" in html and "Money received" in html
    assert f"start={account['start'].isoformat()}" in html  # print and Excel links keep the period


def test_the_statement_defaults_to_this_quarter(account, client_for):
    today = timezone.localdate()

    statement = (
        client_for("sales")
        .get(reverse("sales:receivables_statement", args=[account["customer"].pk]))
        .context["statement"]
    )

    assert statement.start == today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    assert statement.end == today


def test_the_statement_workbook_has_the_same_numbers(account, client_for):
    response = client_for("finance").get(
        reverse("sales:receivables_statement_export", args=[account["customer"].pk]), period(account)
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows.index(("Date", "Number", "Kind", "Owed", "Paid or returned", "Balance"))
    assert sheet.freeze_panes == f"A{header + 2}"  # the header row (1-based: header + 1) stays in view
    assert all(cell.font.bold for cell in sheet[header + 1])
    table = rows[header + 1 :]

    def money(value):
        return None if value is None else D(value).quantize(D("0.01"))

    assert [(r[1], r[2], money(r[3]), money(r[4]), money(r[5])) for r in table] == [
        (None, "Opening balance", None, None, D("700.00")),
        ("SHP-2", "Goods shipped", D("500.00"), None, D("1200.00")),
        ("CRT-1", "Returned by the customer", None, D("50.00"), D("1150.00")),
        (account["received"].number, "Money received", None, D("200.00"), D("950.00")),
        (None, "Closing balance", D("500.00"), D("250.00"), D("950.00")),
    ]
    assert table[0][0].date() == account["start"] and table[-1][0].date() == account["end"]
    assert isinstance(table[-1][5], int | float)  # numbers, not text


def test_the_statement_prints_on_a4_with_both_signatures(account, client_for, settings):
    settings.JXC_COMPANY_NAME = "示例贸易有限公司"
    settings.JXC_COMPANY_ADDRESS = "上海市黄浦区 8 号"

    response = client_for("finance").get(
        reverse("sales:receivables_statement_print", args=[account["customer"].pk]), period(account)
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "示例贸易有限公司" in html and "上海市黄浦区 8 号" in html and "城东超市" in html
    assert 'id="opening-balance">700.00<' in html and 'id="closing-balance">950.00<' in html
    assert "For us" in html and "For 城东超市" in html
    assert "jxc/print.css" in html


def test_the_balances_workbook_writes_numbers_the_as_of_date_and_neutralised_text(users, client_for):
    today = timezone.localdate()
    sneaky = SupplierFactory(code="S200", name="=HYPERLINK(1)")
    owed(PAYABLES, sneaky, "GRN-9", today - timedelta(days=70), "1234.50")

    response = client_for("purchasing").get(reverse("purchasing:payables_export"))

    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    as_of = next(r for r in rows if r[0] == "As of")
    assert as_of[1].date() == today
    header = next(i for i, r in enumerate(rows) if r[0] == "Code")
    assert all(cell.font.bold for cell in sheet[header + 1] if cell.value)
    assert sheet.freeze_panes == f"A{header + 2}"
    line = next(r for r in rows if r[0] == "S200")
    assert line[1] == "'=HYPERLINK(1)"
    assert [D(v) for v in line[2:9]] == [
        D("0"),
        D("0"),
        D("1234.5"),
        D("0"),
        D("0"),
        D("1234.5"),
        D("1234.5"),
    ]
    assert rows[-1][0] == "Total" and D(rows[-1][7]) == D("1234.5")


# Allocating, undoing, reversing ----------------------------------------------------------------


def test_allocating_a_credit_oldest_first_and_undoing_it(account, client_for):
    finance = client_for("finance")
    customer = account["customer"]
    credit = services.payment_entry(RECEIVABLES, account["received"])
    allocate_url = reverse("sales:receivables_allocate", args=[credit.pk])

    proposed = {r.entry.number: r.value for r in finance.get(allocate_url).context["rows"]}
    # the 200.00 goes to the oldest first: SHP-1 has 1,000.00 − 300.00 = 700.00 open
    assert proposed == {"SHP-1": "200.00", "SHP-2": "", "SHP-3": ""}
    shp2 = ReceivableEntry.objects.get(number="SHP-2")

    refused = finance.post(allocate_url, {f"alloc-{shp2.pk}": "450.00"})
    assert "has 200.00 left to allocate; 450.00 is more than that." in refused.content.decode()
    assert ReceivableAllocation.objects.filter(credit=credit).count() == 0

    done = finance.post(allocate_url, {f"alloc-{shp2.pk}": "150.00"})
    assert done["Location"] == reverse("sales:payment_detail", args=[account["received"].pk])
    shp2.refresh_from_db()
    assert shp2.open_amount == D("300.00")  # 500.00 − 50.00 returned − 150.00
    allocation = ReceivableAllocation.objects.get(credit=credit)

    page = finance.get(done["Location"]).content.decode()
    assert f'data-allocation="{allocation.pk}"' in page and 'id="allocate-rest"' in page

    finance.post(reverse("sales:receivables_unallocate", args=[allocation.pk]))
    allocation.refresh_from_db()
    shp2.refresh_from_db()
    assert not allocation.active and allocation.undone_by.username == "finance"
    assert shp2.open_amount == D("450.00")
    assert selectors.party_balance(RECEIVABLES, customer) == D("1020.00")  # 950.00 + 70.00: unchanged
    again = finance.get(done["Location"]).content.decode()
    assert "undone" in again and f'data-allocation="{allocation.pk}"' not in again


def test_reversing_needs_a_reason_and_puts_the_balance_back(ledger, client_for):
    finance = client_for("finance")
    payment = ledger["pay_payment"]
    supplier = ledger["supplier"]
    reverse_url = reverse("purchasing:payment_reverse", args=[payment.pk])
    assert selectors.party_balance(PAYABLES, supplier) == D("500.00")  # 800.00 + 200.00 − 500.00

    refused = finance.post(reverse_url, {"reason": "  "})
    assert refused.status_code == 200 and "This field is required." in refused.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.POSTED

    done = finance.post(reverse_url, {"reason": "录入重复"})
    assert done.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REVERSED and payment.reversal_reason == "录入重复"
    assert selectors.party_balance(PAYABLES, supplier) == D("1000.00")
    page = finance.get(reverse("purchasing:payment_detail", args=[payment.pk])).content.decode()
    assert 'id="reverse-form"' not in page and "录入重复" in page

    twice = finance.post(reverse_url, {"reason": "again"})
    assert "has already been reversed" in twice.content.decode()
