"""Supplier performance (供应商绩效): on-time rate, fill rate, reject rate, average lead time and price
variance over a period, worked out by hand from a constructed buying history, on the sortable list
and on the supplier page, and who may see them.

The history (T = today; milk 1 箱 = 24 瓶 at ¥60 a box on the list, yoghurt 1 箱 = 12 at ¥30):

  华东食品 (HDSP)
    PO A  ordered T-40, expected T-30: milk 10 boxes at ¥63 (list ¥60), yoghurt 20 boxes at ¥29 (list ¥30)
      receipt A1 T-32 (on time): milk 10 accepted; yoghurt 8 accepted, 2 rejected
      receipt A2 T-25 (late):    yoghurt 10 accepted                  → A stays partially received
    PO B  ordered T-20, expected T-15: milk 5 boxes at the list price
      receipt B1 T-15 (on the day, on time): milk 4 accepted, 1 rejected
    PO C  ordered T-10, expected T-5: yoghurt 10 boxes at the list price, approved, nothing received
          (a draft receipt dated T-3 is not counted)
    PO D  draft, PO E cancelled, both ordered T-10 at ¥100 and ¥90 a box: not counted
    PO O  ordered T-200, expected T-190: milk 2 boxes; receipt T-180 (late): 1 accepted, 1 rejected
  江南乳业 (JNRY)
    PO F  ordered T-12, expected T-6: milk 1 box at ¥61, no price list; receipt T-7: 1 accepted
  无单供应商 (ZZNO): nothing at all
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from purchasing import services
from purchasing.models import OrderStatus, PurchaseOrder
from purchasing.performance import default_period, supplier_performance
from tests.factories import SupplierFactory, UserFactory

from .conftest import D

pytestmark = pytest.mark.django_db

URL = reverse("purchasing:supplier_performance")


def days_ago(n: int):
    return timezone.localdate() - timedelta(days=n)


def approved(supplier, wh, buyer, lines, *, ordered: int, expected: int) -> PurchaseOrder:
    order = services.order_create(
        supplier=supplier,
        warehouse=wh,
        user=buyer,
        order_date=days_ago(ordered),
        expected_date=days_ago(expected),
    )
    services.order_set_lines(order_id=order.pk, lines=lines)
    services.order_submit(order_id=order.pk, user=buyer)  # below the approval threshold: approved at once
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED
    return order


def receive(order, user, location, *counts, day: int, post: bool = True):
    """counts: (order line, accepted, rejected) in the line's unit, received `day` days ago."""
    on = days_ago(day)
    receipt = services.receipt_create(order_id=order.pk, user=user, posting_date=on)
    services.receipt_set_lines(
        receipt_id=receipt.pk,
        lines=[
            services.ReceiptLineInput(
                order_line_id=line.pk,
                location_id=location.pk,
                accepted_qty=D(accepted),
                rejected_qty=D(rejected),
                reject_reason="damaged" if D(rejected) else "",
                batch_no=f"B{on:%Y%m%d}",
                expiry_date=on + timedelta(days=30),
            )
            for line, accepted, rejected in counts
        ],
    )
    if post:
        services.receipt_post(receipt_id=receipt.pk, user=user)
    return receipt


def line_of(order, item):
    return order.lines.get(item=item)


@pytest.fixture
def history(supplier, wh, bin_a, buyer, storeman, milk, yoghurt, box, milk_price, yoghurt_price):
    line = services.OrderLineInput
    a = approved(
        supplier,
        wh,
        buyer,
        [
            line(item=milk, unit_id=box.pk, qty=D("10"), price=D("63")),
            line(item=yoghurt, unit_id=box.pk, qty=D("20"), price=D("29")),
        ],
        ordered=40,
        expected=30,
    )
    receive(a, storeman, bin_a, (line_of(a, milk), "10", "0"), (line_of(a, yoghurt), "8", "2"), day=32)
    receive(a, storeman, bin_a, (line_of(a, yoghurt), "10", "0"), day=25)

    b = approved(supplier, wh, buyer, [line(item=milk, unit_id=box.pk, qty=D("5"))], ordered=20, expected=15)
    receive(b, storeman, bin_a, (line_of(b, milk), "4", "1"), day=15)

    c = approved(
        supplier, wh, buyer, [line(item=yoghurt, unit_id=box.pk, qty=D("10"))], ordered=10, expected=5
    )
    receive(c, storeman, bin_a, (line_of(c, yoghurt), "10", "0"), day=3, post=False)

    d = services.order_create(
        supplier=supplier, warehouse=wh, user=buyer, order_date=days_ago(10), expected_date=days_ago(5)
    )
    services.order_set_lines(
        order_id=d.pk, lines=[line(item=milk, unit_id=box.pk, qty=D("1"), price=D("100"))]
    )
    e = approved(
        supplier,
        wh,
        buyer,
        [line(item=milk, unit_id=box.pk, qty=D("2"), price=D("90"))],
        ordered=10,
        expected=5,
    )
    services.order_cancel(order_id=e.pk, user=buyer)

    old = approved(
        supplier, wh, buyer, [line(item=milk, unit_id=box.pk, qty=D("2"))], ordered=200, expected=190
    )
    receive(old, storeman, bin_a, (line_of(old, milk), "1", "1"), day=180)

    jnry = SupplierFactory(code="JNRY", name="江南乳业")
    f = approved(
        jnry, wh, buyer, [line(item=milk, unit_id=box.pk, qty=D("1"), price=D("61"))], ordered=12, expected=6
    )
    receive(f, storeman, bin_a, (line_of(f, milk), "1", "0"), day=7)

    nothing = SupplierFactory(code="ZZNO", name="无单供应商")
    SupplierFactory(code="ZZOLD", name="停用供应商", is_active=False)  # inactive, no figures: not listed
    return {"HDSP": supplier, "JNRY": jnry, "ZZNO": nothing, "A": a, "B": b, "C": c}


def rows_by_code(start, end, **kwargs):
    return {row.supplier.code: row for row in supplier_performance(start, end, **kwargs)}


# The figures --------------------------------------------------------------------------------------


def test_the_last_90_days_worked_out_by_hand(history):
    start, end = default_period()
    assert (start, end) == (days_ago(89), days_ago(0))
    hd = rows_by_code(start, end)["HDSP"]

    # Receipt lines: A1 milk (T-32 ≤ T-30), A1 yoghurt (on time), A2 yoghurt (T-25 > T-30: late),
    # B1 milk (T-15 ≤ T-15). The draft receipt of C does not count: 3 of 4 → 75.0%
    assert (hd.on_time_lines, hd.receipt_lines, hd.on_time_rate) == (3, 4, D("75.0"))

    # Fill: lines expected in the period of approved or further orders (not D, a draft; not E,
    # cancelled; not the old order, expected T-190), in bottles:
    #   A milk 240 of 240, A yoghurt 96 + 120 = 216 of 240, B milk 96 of 120, C yoghurt 0 of 120
    #   552 / 720 = 76.666… → 76.7%
    assert (hd.filled_base_qty, hd.ordered_base_qty) == (D("552"), D("720"))
    assert hd.fill_rate == D("76.7")

    # Rejected: A1 yoghurt 2 × 12 = 24, B1 milk 1 × 24 = 24 → 48, of
    # 240 (A1 milk) + 96 + 24 (A1 yoghurt) + 120 (A2 yoghurt) + 96 + 24 (B1 milk) = 600 → 8.0%
    assert (hd.rejected_base_qty, hd.inspected_base_qty, hd.reject_rate) == (D("48"), D("600"), D("8.0"))

    # Lead time: A1 40 − 32 = 8 days, A2 40 − 25 = 15, B1 20 − 15 = 5 → 28 / 3 = 9.33… → 9.3
    assert (hd.receipts, hd.lead_days, hd.lead_time_days) == (3, D("28"), D("9.3"))

    # Price variance over A, B and C (dated in the period, neither draft nor cancelled):
    #   A milk (63 − 60) × 10 = +30 on 600; A yoghurt (29 − 30) × 20 = −20 on 600;
    #   B milk 0 on 5 × 60 = 300; C yoghurt 0 on 10 × 30 = 300
    #   +10 / 1,800 = +0.555…% → +0.6% (paid above the list)
    assert (hd.over_list_value, hd.list_value) == (D("10"), D("1800"))
    assert hd.price_variance == D("0.6")


def test_a_supplier_always_on_time_without_a_price_list(history):
    start, end = default_period()
    jn = rows_by_code(start, end)["JNRY"]
    # One receipt line at T-7 against T-6: 1 of 1; 24 of 24 bottles; nothing rejected;
    # 12 − 7 = 5 days; the line had no list price, so no variance can be measured
    assert (jn.on_time_rate, jn.fill_rate, jn.reject_rate, jn.lead_time_days) == (
        D("100.0"),
        D("100.0"),
        D("0.0"),
        D("5.0"),
    )
    assert jn.price_variance is None


def test_a_supplier_without_orders_has_no_figures_and_inactive_ones_without_figures_are_left_out(history):
    start, end = default_period()
    rows = rows_by_code(start, end)
    assert list(rows) == ["HDSP", "JNRY", "ZZNO"]
    nothing = rows["ZZNO"]
    assert not nothing.has_data
    assert (
        nothing.on_time_rate,
        nothing.fill_rate,
        nothing.reject_rate,
        nothing.lead_time_days,
        nothing.price_variance,
    ) == (None, None, None, None, None)


def test_a_longer_period_takes_in_the_old_order(history):
    hd = rows_by_code(days_ago(200), days_ago(0))["HDSP"]
    # The old receipt (T-180 against T-190) is a fifth line, late: 3 of 5 → 60.0%
    assert (hd.on_time_lines, hd.receipt_lines, hd.on_time_rate) == (3, 5, D("60.0"))
    # Its milk: 24 accepted of 48 → (552 + 24) / (720 + 48) = 576 / 768 = 75.0%
    assert hd.fill_rate == D("75.0")
    # 24 more rejected of 48 more received: 72 / 648 = 11.11… → 11.1%
    assert hd.reject_rate == D("11.1")
    # 200 − 180 = 20 days more: (28 + 20) / 4 = 12.0
    assert hd.lead_time_days == D("12.0")
    # 2 boxes at the list price add 120 to the list value: +10 / 1,920 = +0.52…% → +0.5%
    assert hd.price_variance == D("0.5")


def test_a_period_with_only_the_old_order_excludes_the_recent_ones(history):
    hd = rows_by_code(days_ago(200), days_ago(170))["HDSP"]
    # Only the old receipt: late, 24 of 48 rejected, 20 days; its line was expected at T-190
    assert (hd.receipt_lines, hd.on_time_rate, hd.reject_rate, hd.lead_time_days) == (
        1,
        D("0.0"),
        D("50.0"),
        D("20.0"),
    )
    assert (hd.fill_rate, hd.price_variance) == (D("50.0"), D("0.0"))


def test_figures_are_aggregated_in_the_database_in_four_queries(history, django_assert_num_queries):
    start, end = default_period()
    with django_assert_num_queries(4):  # receipt lines, receipts, order lines, suppliers
        rows = supplier_performance(start, end)
    assert len(rows) == 3
    with django_assert_num_queries(3):  # one supplier: it is not fetched again
        [row] = supplier_performance(start, end, supplier=history["JNRY"])
    assert row.on_time_rate == D("100.0")


# The list -------------------------------------------------------------------------------------------


def codes_in(response) -> list[str]:
    return re.findall(r'data-supplier="([^"]+)"', response.content.decode())


def row_html(response, code: str) -> str:
    html = response.content.decode()
    start = html.index(f'data-supplier="{code}"')
    return html[start : html.index("</tr>", start)]


def test_the_list_shows_the_figures_and_dashes_and_the_definitions(history, client_for):
    response = client_for("purchasing").get(URL)
    assert response.status_code == 200
    assert codes_in(response) == ["HDSP", "JNRY", "ZZNO"]
    hd = row_html(response, "HDSP")
    for text in ("75.0%", "76.7%", "8.0%", "9.3", "+0.6%", "3 of 4 receipt lines on time"):
        assert text in hd
    jn = row_html(response, "JNRY")
    assert "100.0%" in jn and "5.0" in jn and "—" in jn  # no price variance
    assert row_html(response, "ZZNO").count("—") == 5
    body = response.content.decode()
    assert "out of all receipt lines in the period" in body
    assert f"{days_ago(89):%Y-%m-%d} to {days_ago(0):%Y-%m-%d}" in body
    assert f'name="start" value="{days_ago(89).isoformat()}"' in body  # the dates in use fill the filter


def test_the_list_filters_by_period_and_supplier(history, client_for):
    client = client_for("manager")
    response = client.get(URL, {"start": days_ago(200).isoformat(), "end": days_ago(0).isoformat()})
    assert "60.0%" in row_html(response, "HDSP")
    response = client.get(URL, {"start": days_ago(200).isoformat(), "end": days_ago(170).isoformat()})
    assert "50.0%" in row_html(response, "HDSP")
    assert "—" in row_html(response, "JNRY")  # nothing of JNRY back then
    response = client.get(URL, {"supplier": history["JNRY"].pk})
    assert codes_in(response) == ["JNRY"]


def test_a_period_ending_before_it_starts_is_refused(history, client_for):
    response = client_for("purchasing").get(
        URL, {"start": days_ago(1).isoformat(), "end": days_ago(5).isoformat()}
    )
    assert response.status_code == 200
    assert "The start of the period cannot be after its end." in response.content.decode()
    assert codes_in(response) == []


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("on_time_rate", ["HDSP", "JNRY", "ZZNO"]),  # 75.0, 100.0, —
        ("-on_time_rate", ["JNRY", "HDSP", "ZZNO"]),  # no figure last either way
        ("lead_time_days", ["JNRY", "HDSP", "ZZNO"]),  # 5.0, 9.3, —
        ("-reject_rate", ["HDSP", "JNRY", "ZZNO"]),  # 8.0, 0.0, —
        ("-price_variance", ["HDSP", "JNRY", "ZZNO"]),  # +0.6, then the two without, by code
        ("-code", ["ZZNO", "JNRY", "HDSP"]),
        ("nonsense", ["HDSP", "JNRY", "ZZNO"]),  # ignored: by code
    ],
)
def test_the_list_sorts_by_any_measure(history, client_for, sort, expected):
    response = client_for("purchasing").get(URL, {"sort": sort})
    assert codes_in(response) == expected


@pytest.mark.parametrize(
    ("role", "status"),
    [("purchasing", 200), ("manager", 200), ("administrator", 200), ("sales", 403), ("clerk_a", 403)],
)
def test_who_may_see_the_list(client_for, role, status):
    assert client_for(role).get(URL).status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client_for):
    response = client_for(None).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# The supplier page ------------------------------------------------------------------------------


def test_the_supplier_page_shows_the_last_90_days(history, client_for):
    response = client_for("purchasing").get(history["HDSP"].get_absolute_url())
    html = response.content.decode()
    assert 'id="supplier-performance"' in html
    for text in ("75.0%", "3 of 4 receipt lines on time", "76.7%", "8.0%", "9.3", "3 receipts", "+0.6%"):
        assert text in html
    assert f"{URL}?supplier={history['HDSP'].pk}" in html


def test_the_supplier_page_of_a_supplier_without_orders_shows_dashes(history, client_for):
    response = client_for("manager").get(history["ZZNO"].get_absolute_url())
    html = response.content.decode()
    card = html[html.index('id="supplier-performance"') :]
    card = card[: card.index("Supplier items and prices")]
    assert card.count('<div class="fs-4 fw-semibold">—</div>') == 5
    assert "receipt lines on time" not in card


def test_the_card_is_left_out_for_those_who_may_not_see_orders(history, roles):
    from django.test import Client

    user = UserFactory(username="reader")
    user.user_permissions.add(Permission.objects.get(codename="view_supplier"))
    client = Client()
    client.force_login(user)
    response = client.get(history["HDSP"].get_absolute_url())
    assert response.status_code == 200
    assert 'id="supplier-performance"' not in response.content.decode()
