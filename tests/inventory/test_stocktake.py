"""The stocktake (盘点) as users meet it, on PostgreSQL: exact quantities and moving-average values
of the adjustments, moves during the count accounted for, thresholds deciding who posts, and the
screens — who may open what, blind counting, the scanner."""

import itertools
import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from inventory.exceptions import AlreadyPosted, InsufficientStock, InventoryError
from inventory.ledger_check import ledger_differences
from inventory.models import (
    Batch,
    ItemValuation,
    Location,
    Posting,
    StockBalance,
    StockCount,
    StockCountLine,
    StockMove,
)
from inventory.services import (
    MoveLine,
    count_approve,
    count_cancel,
    count_create,
    count_record,
    count_return,
    count_start,
    count_submit,
    post_moves,
)
from inventory.services.documents import InvalidTransition
from tests.factories import (
    CategoryFactory,
    ItemBarcodeFactory,
    ItemFactory,
    ItemUnitFactory,
    LocationFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="stocktake locks need PostgreSQL")

D = Decimal
_doc_ids = itertools.count(1)


def receive(item, location, qty, cost, user, batch=None):
    n = next(_doc_ids)
    return post_moves(
        doc_type="seed",
        doc_id=n,
        doc_number=f"SEED-{n}",
        user=user,
        lines=[MoveLine(item.pk, location.pk, D(qty), batch.pk if batch else None, unit_cost=D(cost))],
    )


def issue(item, location, qty, user, batch=None):
    n = next(_doc_ids)
    return post_moves(
        doc_type="seed",
        doc_id=n,
        doc_number=f"SEED-{n}",
        user=user,
        lines=[MoveLine(item.pk, location.pk, -D(qty), batch.pk if batch else None)],
    )


def on_hand(item, location, batch=None):
    row = StockBalance.objects.filter(item=item, location=location, batch=batch).first()
    return row.on_hand if row else D("0")


def valuation(item):
    v = ItemValuation.objects.get(item=item)
    return v.qty, v.value


def line_of(count, item, location=None):
    q = StockCountLine.objects.filter(count=count, item=item)
    return (q.filter(location=location) if location else q).get()


def adjustments(count):
    return list(
        StockMove.objects.filter(posting__doc_type="stockcount", posting__doc_id=count.pk)
        .order_by("pk")
        .values_list("item__sku", "location__code", "qty", "value")
    )


def started(warehouse, user, **fields):
    fields.setdefault("qty_threshold", D("1000"))
    fields.setdefault("value_threshold", D("100000"))
    count = count_create(warehouse=warehouse, user=user, **fields)
    return count_start(count_id=count.pk, user=user)


@pytest.fixture
def place(warehouse_a):
    return LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")


@pytest.fixture
def place2(warehouse_a):
    return LocationFactory(warehouse=warehouse_a, code="A-02", path="A-02")


@pytest.fixture
def manager(users):
    return users["manager"]


@pytest.fixture
def clerk_a(users):
    return users["clerk_a"]


@pytest.fixture
def milk(db):
    return ItemFactory(sku="MILK", name="纯牛奶")


@pytest.fixture
def tea(db):
    return ItemFactory(sku="TEA", name="绿茶")


# The snapshot -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_starting_a_count_snapshots_every_balance_in_scope_at_the_average_cost(
    manager, warehouse_a, warehouse_b, place, place2, milk, tea
):
    # given milk at two bins of 仓库A (10 @ 2.50 and 4 @ 4.00 → average 2.928571), tea at A-01,
    # milk also in 仓库B, and an empty balance at A-02 (tea fully issued)
    receive(milk, place, "10", "2.50", manager)
    receive(milk, place2, "4", "4.00", manager)
    receive(tea, place, "3", "1.00", manager)
    receive(tea, place2, "1", "1.00", manager)
    issue(tea, place2, "1", manager)
    receive(milk, LocationFactory(warehouse=warehouse_b, code="B-01"), "7", "2.00", manager)

    count = started(warehouse_a, manager)

    # then one line per balance with stock in 仓库A, none for the empty one nor for 仓库B
    lines = {
        (ln.item.sku, ln.location.code): (ln.snapshot_qty, ln.unit_cost, ln.counted_qty)
        for ln in count.lines.select_related("item", "location")
    }
    # milk: (25.00 + 16.00 + 14.00) / 21 = 2.619048 across both warehouses
    assert lines == {
        ("MILK", "A-01"): (D("10"), D("2.619048"), None),
        ("MILK", "A-02"): (D("4"), D("2.619048"), None),
        ("TEA", "A-01"): (D("3"), D("1.000000"), None),
    }
    assert (count.status, count.snapshot_move_id) == ("counting", StockMove.objects.order_by("-pk")[0].pk)
    assert count.number.startswith("SC-") and count.started_at is not None


@pytest.mark.django_db
def test_the_scope_follows_the_location_subtree_and_the_category_subtree_and_never_transit(
    manager, warehouse_a, milk
):
    zone = LocationFactory(warehouse=warehouse_a, code="冷藏区", path="冷藏区", kind="zone")
    bin_in = LocationFactory(warehouse=warehouse_a, code="C-01", parent=zone, path="冷藏区/C-01")
    bin_out = LocationFactory(warehouse=warehouse_a, code="C-011", path="C-011")
    transit = LocationFactory(warehouse=warehouse_a, code="TRANSIT", path="TRANSIT", kind="transit")
    dairy = CategoryFactory(name="乳品")
    yoghurt = CategoryFactory(name="酸奶", parent=dairy)
    other = CategoryFactory(name="饮料")
    cup = ItemFactory(sku="CUP", category=yoghurt)
    cola = ItemFactory(sku="COLA", category=other)
    for item in (cup, cola):
        for loc in (bin_in, bin_out, transit):
            receive(item, loc, "2", "1.00", manager)

    by_zone = started(warehouse_a, manager, location=zone)
    by_category = started(warehouse_a, manager, location=bin_out, category=dairy)

    assert sorted(by_zone.lines.values_list("item__sku", "location__code")) == [
        ("COLA", "C-01"),
        ("CUP", "C-01"),
    ]
    assert list(by_category.lines.values_list("item__sku", "location__code")) == [("CUP", "C-011")]
    assert milk.pk  # untouched item, no stock: not on any sheet


@pytest.mark.django_db
def test_an_empty_scope_and_a_location_already_being_counted_are_refused(
    manager, warehouse_a, place, place2, milk
):
    empty = count_create(warehouse=warehouse_a, user=manager, location=place)
    with pytest.raises(InventoryError, match=rf"Nothing is on hand in the scope of {empty.number}"):
        count_start(count_id=empty.pk, user=manager)
    assert StockCount.objects.get(pk=empty.pk).status == "draft"

    receive(milk, place, "5", "1.00", manager)
    whole = started(warehouse_a, manager)
    bin_only = count_create(warehouse=warehouse_a, user=manager, location=place)
    with pytest.raises(InventoryError, match=rf"仓库A is already being counted in {whole.number}"):
        count_start(count_id=bin_only.pk, user=manager)

    # once the other count is cancelled, the bin can be counted
    count_cancel(count_id=whole.pk, user=manager)
    assert count_start(count_id=bin_only.pk, user=manager).status == "counting"


# Moves during the count -------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_issue_before_the_line_is_counted_is_accounted_for_and_one_after_is_not_counted_twice(
    manager, clerk_a, warehouse_a, place, milk
):
    # given 10 on hand when the count starts
    receive(milk, place, "10", "2.50", manager)
    count = started(warehouse_a, manager)

    # when sales issue 3 before the clerk reaches the bin, who then finds 7
    issue(milk, place, "3", manager)
    line = count_record(count_id=count.pk, line_id=line_of(count, milk).pk, qty=D("7"), user=clerk_a)

    # then the 3 issued are accounted for: no variance
    assert (line.snapshot_qty, line.moved_qty, line.counted_qty, line.variance) == (
        D("10"),
        D("-3"),
        D("7"),
        D("0"),
    )
    # and an issue of 1 after the count is not counted twice
    issue(milk, place, "1", manager)
    count = count_submit(count_id=count.pk, user=clerk_a)

    assert count.status == "posted" and count.posting is None
    assert adjustments(count) == []
    assert on_hand(milk, place) == D("6")
    assert valuation(milk) == (D("6"), D("15.00"))
    assert ledger_differences() == []


@pytest.mark.django_db
def test_a_receipt_during_the_count_and_a_real_loss_post_exactly_the_loss_at_the_average(
    manager, clerk_a, warehouse_a, place, milk
):
    # given 10 @ 3.3333 = 33.33
    receive(milk, place, "10", "3.3333", manager)
    count = started(warehouse_a, manager)
    # when 5 more arrive at 4.00 (15 worth 53.33) and the clerk counts 12: 3 are missing
    receive(milk, place, "5", "4.00", manager)
    count_record(count_id=count.pk, line_id=line_of(count, milk).pk, qty=D("12"), user=clerk_a)
    count = count_submit(count_id=count.pk, user=clerk_a)

    # then the loss of 3 leaves at the moving average: round(53.33 × 3 / 15, 2) = 10.67
    assert adjustments(count) == [("MILK", "A-01", D("-3.0000"), D("-10.67"))]
    assert on_hand(milk, place) == D("12")
    assert valuation(milk) == (D("12"), D("42.66"))
    assert count.posting.doc_number == count.number
    assert ledger_differences() == []


@pytest.mark.django_db
def test_a_gain_enters_at_the_average_and_found_stock_gets_a_line_of_its_own(
    manager, clerk_a, warehouse_a, place, place2, milk, tea
):
    # given milk 3 @ 1.00 + 1 @ 2.00 = 4 worth 5.00 (average 1.25) at A-01, tea at A-01
    receive(milk, place, "3", "1.00", manager)
    receive(milk, place, "1", "2.00", manager)
    receive(tea, place, "2", "3.00", manager)
    count = started(warehouse_a, manager)

    # when the clerk finds 6 milk at A-01, 2 milk at A-02 (not on the sheet) and the tea
    count_record(count_id=count.pk, line_id=line_of(count, milk, place).pk, qty=D("6"), user=clerk_a)
    found = count_record(count_id=count.pk, item=milk, location_id=place2.pk, qty=D("2"), user=clerk_a)
    count_record(count_id=count.pk, line_id=line_of(count, tea).pk, qty=D("2"), user=clerk_a)

    assert (found.snapshot_qty, found.unit_cost, found.counted_qty) == (D("0"), D("1.250000"), D("2"))
    count = count_submit(count_id=count.pk, user=clerk_a)

    # then both gains enter at the average 1.25: 2 × 1.25 = 2.50 each; tea does not move
    assert adjustments(count) == [
        ("MILK", "A-01", D("2.0000"), D("2.50")),
        ("MILK", "A-02", D("2.0000"), D("2.50")),
    ]
    assert valuation(milk) == (D("8"), D("10.00"))
    assert (on_hand(milk, place), on_hand(milk, place2)) == (D("6"), D("2"))
    assert ledger_differences() == []


@pytest.mark.django_db
def test_found_stock_of_an_item_with_nothing_on_hand_enters_at_its_last_average(
    manager, clerk_a, warehouse_a, place, place2, milk, tea
):
    # given milk was received at 2.40 and all issued; tea gives the count a scope
    receive(milk, place, "5", "2.40", manager)
    issue(milk, place, "5", manager)
    receive(tea, place2, "1", "1.00", manager)
    count = started(warehouse_a, manager)

    # when 3 milk turn up at A-01
    count_record(count_id=count.pk, item=milk, location_id=place.pk, qty=D("3"), user=clerk_a)
    count_record(count_id=count.pk, line_id=line_of(count, tea).pk, qty=D("1"), user=clerk_a)
    count = count_submit(count_id=count.pk, user=clerk_a)

    # then they enter at the cost the count valued them at: 3 × 2.40 = 7.20
    assert adjustments(count) == [("MILK", "A-01", D("3.0000"), D("7.20"))]
    assert valuation(milk) == (D("3"), D("7.20"))
    assert ledger_differences() == []


@pytest.mark.django_db
def test_found_stock_of_a_batch_item_needs_the_batch_and_a_new_batch_its_expiry(
    manager, clerk_a, warehouse_a, place, milk
):
    yog = ItemFactory(sku="YOG", tracking="batch_expiry", shelf_life_days=21)
    receive(milk, place, "1", "1.00", manager)
    count = started(warehouse_a, manager)

    with pytest.raises(InventoryError, match="is tracked by batch; enter the batch number"):
        count_record(count_id=count.pk, item=yog, location_id=place.pk, qty=D("4"), user=clerk_a)
    with pytest.raises(InventoryError, match="Batch L1 of YOG .* is new; enter its expiry date"):
        count_record(
            count_id=count.pk, item=yog, location_id=place.pk, batch_no="L1", qty=D("4"), user=clerk_a
        )
    assert not Batch.objects.filter(item=yog).exists()

    line = count_record(
        count_id=count.pk,
        item=yog,
        location_id=place.pk,
        batch_no="L1",
        expiry_date=date(2027, 1, 31),
        qty=D("4"),
        user=clerk_a,
    )
    assert (line.batch.batch_no, line.batch.expiry_date, line.counted_qty) == (
        "L1",
        date(2027, 1, 31),
        D("4"),
    )
    # scanning the same batch again adds to the same line
    count_record(
        count_id=count.pk, item=yog, location_id=place.pk, batch_no="L1", qty=D("1"), user=clerk_a, mode="add"
    )
    assert StockCountLine.objects.get(pk=line.pk).counted_qty == D("5")


@pytest.mark.django_db
def test_stock_outside_the_scope_cannot_be_recorded(
    manager, clerk_a, warehouse_a, warehouse_b, place, place2, milk
):
    receive(milk, place, "1", "1.00", manager)
    count = started(warehouse_a, manager, location=place)
    elsewhere = LocationFactory(warehouse=warehouse_b, code="B-01")
    for location in (place2, elsewhere):
        with pytest.raises(InventoryError, match="This location is not in the scope"):
            count_record(count_id=count.pk, item=milk, location_id=location.pk, qty=D("1"), user=clerk_a)
    with pytest.raises(InventoryError, match="cannot be negative"):
        count_record(
            count_id=count.pk, line_id=line_of(count, milk).pk, qty=D("-1"), user=clerk_a, mode="add"
        )


# Submitting, thresholds and approval --------------------------------------------------------------
@pytest.mark.django_db
def test_uncounted_lines_are_refused_unless_submitted_as_zero(
    manager, clerk_a, warehouse_a, place, place2, milk
):
    receive(milk, place, "4", "2.50", manager)
    receive(milk, place2, "6", "2.50", manager)
    count = started(warehouse_a, manager)
    count_record(count_id=count.pk, line_id=line_of(count, milk, place).pk, qty=D("4"), user=clerk_a)

    with pytest.raises(InventoryError, match=rf"1 lines of {count.number} are not counted yet"):
        count_submit(count_id=count.pk, user=clerk_a)
    assert StockCount.objects.get(pk=count.pk).status == "counting"

    count = count_submit(count_id=count.pk, user=clerk_a, zero_uncounted=True)

    # the 6 at A-02 are written off: 6 × 2.50 = 15.00
    assert count.status == "posted"
    assert adjustments(count) == [("MILK", "A-02", D("-6.0000"), D("-15.00"))]
    assert line_of(count, milk, place2).counted_by == clerk_a
    assert ledger_differences() == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("counted", "qty_threshold", "value_threshold", "status"),
    [
        ("7", "5", "100", "posted"),  # −3 ≤ 5 and |−3 × 2.50| = 7.50 ≤ 100: posts directly
        ("4", "5", "100", "submitted"),  # −6 > 5
        ("7", "5", "7.49", "submitted"),  # 7.50 > 7.49
        ("7", "3", "7.50", "posted"),  # exactly at both thresholds: not above
        ("10", "0", "0", "posted"),  # no variance, nothing to approve
    ],
)
def test_a_threshold_decides_whether_the_count_posts_or_waits_for_a_manager(
    manager, clerk_a, warehouse_a, place, milk, counted, qty_threshold, value_threshold, status
):
    receive(milk, place, "10", "2.50", manager)
    count = started(warehouse_a, manager, qty_threshold=D(qty_threshold), value_threshold=D(value_threshold))
    count_record(count_id=count.pk, line_id=line_of(count, milk).pk, qty=D(counted), user=clerk_a)

    count = count_submit(count_id=count.pk, user=clerk_a)

    assert count.status == status
    assert count.submitted_by == clerk_a
    expected = D(counted) if status == "posted" else D("10")
    assert on_hand(milk, place) == expected


@pytest.mark.django_db
def test_a_manager_approves_once_and_never_their_own_submission(users, warehouse_a, place, milk):
    manager, clerk = users["manager"], users["clerk_a"]
    other_manager = UserFactory(username="manager2", roles=["manager"])
    receive(milk, place, "10", "2.50", manager)
    count = started(warehouse_a, clerk, qty_threshold=D("0"), value_threshold=D("0"))
    count_record(count_id=count.pk, line_id=line_of(count, milk).pk, qty=D("8"), user=manager)
    count = count_submit(count_id=count.pk, user=manager)
    assert count.status == "submitted"

    # a clerk cannot approve, nor the manager who submitted it
    with pytest.raises(InvalidTransition, match="Only a manager can approve"):
        count_approve(count_id=count.pk, user=clerk)
    with pytest.raises(InvalidTransition, match="You cannot approve a count you submitted."):
        count_approve(count_id=count.pk, user=manager)
    assert on_hand(milk, place) == D("10")

    # another manager approves: the loss of 2 posts, 2 × 2.50 = 5.00
    count = count_approve(count_id=count.pk, user=other_manager)
    assert (count.status, count.approved_by, count.posted_by) == ("posted", other_manager, other_manager)
    assert adjustments(count) == [("MILK", "A-01", D("-2.0000"), D("-5.00"))]
    place.refresh_from_db()
    assert place.last_counted_at == line_of(count, milk).counted_at

    # and a second approval (double click) posts nothing more
    with pytest.raises(AlreadyPosted, match=rf"{count.number} has already been posted."):
        count_approve(count_id=count.pk, user=other_manager)
    assert Posting.objects.filter(doc_type="stockcount").count() == 1
    assert on_hand(milk, place) == D("8")
    assert ledger_differences() == []


@pytest.mark.django_db
def test_an_approved_loss_the_stock_no_longer_covers_fails_with_the_shortage_and_changes_nothing(
    users, warehouse_a, place, milk
):
    manager, clerk = users["manager"], users["clerk_a"]
    receive(milk, place, "10", "2.50", manager)
    count = started(warehouse_a, clerk, qty_threshold=D("0"), value_threshold=D("0"))
    count_record(count_id=count.pk, line_id=line_of(count, milk).pk, qty=D("7"), user=clerk)
    count_submit(count_id=count.pk, user=clerk)
    # after the count 8 leave: 2 remain, the loss of 3 cannot be covered
    issue(milk, place, "8", manager)
    before = (on_hand(milk, place), valuation(milk), StockMove.objects.count(), Posting.objects.count())

    with pytest.raises(InsufficientStock) as refused:
        count_approve(count_id=count.pk, user=manager)

    assert refused.value.message == "Not enough stock: MILK 纯牛奶 at WHA:A-01: wanted 3, available 2."
    assert (
        on_hand(milk, place),
        valuation(milk),
        StockMove.objects.count(),
        Posting.objects.count(),
    ) == before
    count.refresh_from_db()
    place.refresh_from_db()
    assert (count.status, count.posting, place.last_counted_at) == ("submitted", None, None)


@pytest.mark.django_db
def test_a_returned_count_is_recounted_and_posts_the_recount(users, warehouse_a, place, milk):
    manager, clerk = users["manager"], users["clerk_a"]
    receive(milk, place, "10", "2.00", manager)
    count = started(warehouse_a, clerk, qty_threshold=D("1"), value_threshold=D("100"))
    line = line_of(count, milk)
    count_record(count_id=count.pk, line_id=line.pk, qty=D("1"), user=clerk)
    count_submit(count_id=count.pk, user=clerk)

    count = count_return(count_id=count.pk, user=manager)
    assert (count.status, count.submitted_by) == ("counting", None)
    count_record(count_id=count.pk, line_id=line.pk, qty=D("9"), user=clerk)
    count = count_submit(count_id=count.pk, user=clerk)

    assert count.status == "posted"
    assert adjustments(count) == [("MILK", "A-01", D("-1.0000"), D("-2.00"))]
    with pytest.raises(InvalidTransition):
        count_record(count_id=count.pk, line_id=line.pk, qty=D("9"), user=clerk)
    with pytest.raises(InvalidTransition):
        count_cancel(count_id=count.pk, user=manager)


@pytest.mark.django_db
def test_posting_records_when_each_counted_location_was_last_counted(
    manager, clerk_a, warehouse_a, place, place2, milk
):
    receive(milk, place, "1", "1.00", manager)
    receive(milk, place2, "1", "1.00", manager)
    untouched = LocationFactory(warehouse=warehouse_a, code="A-03", path="A-03")
    count = started(warehouse_a, manager)
    first = count_record(count_id=count.pk, line_id=line_of(count, milk, place).pk, qty=D("1"), user=clerk_a)
    second = count_record(
        count_id=count.pk, line_id=line_of(count, milk, place2).pk, qty=D("1"), user=clerk_a
    )

    count_submit(count_id=count.pk, user=clerk_a)

    stamps = dict(Location.objects.values_list("code", "last_counted_at"))
    assert stamps == {"A-01": first.counted_at, "A-02": second.counted_at, "A-03": None}
    assert untouched.last_counted_at is None


# Concurrency ------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_clerks_scanning_the_same_line_at_once_lose_no_increment(roles, warehouse_a, place, milk):
    from tests.inventory.test_concurrency import run_together

    clerk = UserFactory(username="counter", roles=["warehouse_clerk"])
    receive(milk, place, "100", "1.00", clerk)
    # a clerk may not set thresholds above the settings' defaults
    count = started(warehouse_a, clerk, qty_threshold=D("0"), value_threshold=D("0"))
    line = line_of(count, milk)

    def scans():
        for _ in range(5):
            count_record(count_id=count.pk, line_id=line.pk, qty=D("1"), user=clerk, mode="add")
        return "ok"

    def found():
        for _ in range(5):
            count_record(
                count_id=count.pk, item=milk, location_id=place.pk, qty=D("2"), user=clerk, mode="add"
            )
        return "ok"

    results = run_together([scans] * 6 + [found] * 2)

    assert results == ["ok"] * 8
    # 6 threads × 5 scans × 1 + 2 threads × 5 × 2 = 50, on the one line
    assert StockCountLine.objects.get(pk=line.pk).counted_qty == D("50")
    assert StockCountLine.objects.filter(count=count).count() == 1
    assert ledger_differences() == []


# Screens ----------------------------------------------------------------------------------------
ROLES = [None, "purchasing", "sales", "clerk_b", "clerk_a", "manager", "administrator"]
# page -> roles that get it; clerk_b works in 仓库B only (404 on a count of 仓库A)
PAGES = {
    "stockcount_list": ({"clerk_a", "clerk_b", "manager", "administrator"}, "GET", False),
    "stockcount_create": ({"clerk_a", "clerk_b", "manager", "administrator"}, "GET", False),
    "stockcount_detail": ({"clerk_a", "manager", "administrator"}, "GET", True),
    "stockcount_sheet": ({"clerk_a", "manager", "administrator"}, "GET", True),
    "stockcount_review": ({"manager", "administrator"}, "GET", True),  # blind: counters do not see it
    "stockcount_print": ({"clerk_a", "manager", "administrator"}, "GET", True),
}


@pytest.fixture
def counting(users, warehouse_a, place, milk):
    receive(milk, place, "10", "2.50", users["manager"])
    return started(warehouse_a, users["manager"], blind=True)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(PAGES))
def test_each_role_opens_only_its_stocktake_pages(page, role, client_for, counting):
    allowed, _method, with_pk = PAGES[page]
    url = reverse(f"inventory:{page}", args=[counting.pk] if with_pk else [])

    response = client_for(role).get(url)

    if role is None:
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    elif role in allowed:
        assert response.status_code == 200, (page, role)
    elif role == "clerk_b":
        assert response.status_code in (403, 404), (page, role)
    else:
        assert response.status_code == 403, (page, role)


# action -> roles allowed to try it (others 403 / 404 for the other warehouse's clerk)
POSTS = {
    "stockcount_scan": {"clerk_a", "manager", "administrator"},
    "stockcount_line": {"clerk_a", "manager", "administrator"},
    "stockcount_action:submit": {"clerk_a", "manager", "administrator"},
    "stockcount_action:cancel": {"clerk_a", "manager", "administrator"},
    "stockcount_action:return": {"manager", "administrator"},
    "stockcount_action:approve": {"manager", "administrator"},
    "stockcount_action:start": {"clerk_a", "manager", "administrator"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(POSTS))
def test_each_role_may_post_only_its_stocktake_actions(action, role, client_for, counting, milk):
    name, _, verb = action.partition(":")
    args = {"stockcount_line": [counting.pk, line_of(counting, milk).pk]}.get(name, [counting.pk])
    url = reverse(f"inventory:{name}", args=args + ([verb] if verb else []))
    before = (StockCount.objects.get(pk=counting.pk).status, list(counting.lines.values_list("counted_qty")))

    response = client_for(role).post(url, {"code": "MILK", "qty": "3"})

    if role is None:
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    elif role in POSTS[action]:
        assert response.status_code in (200, 302), (action, role)
    else:
        assert response.status_code in ((403, 404) if role == "clerk_b" else (403,)), (action, role)
        after = (
            StockCount.objects.get(pk=counting.pk).status,
            list(counting.lines.values_list("counted_qty")),
        )
        assert after == before


@pytest.mark.django_db
def test_a_clerk_creates_a_count_only_in_their_warehouse(client_for, warehouse_a, warehouse_b, place):
    clerk = client_for("clerk_a")
    form = clerk.get(reverse("inventory:stockcount_create")).content.decode()
    assert "仓库A" in form and "仓库B" not in form

    refused = clerk.post(
        reverse("inventory:stockcount_create"),
        {"warehouse": warehouse_b.pk, "blind": "on", "qty_threshold": "5", "value_threshold": "100"},
    )
    assert refused.status_code == 200 and not StockCount.objects.exists()

    response = clerk.post(
        reverse("inventory:stockcount_create"),
        {
            "warehouse": warehouse_a.pk,
            "location": place.pk,
            "blind": "on",
            "qty_threshold": "5",
            "value_threshold": "100",
            "note": "月末盘点",
        },
    )
    count = StockCount.objects.get()
    assert response.status_code == 302 and response.url == count.get_absolute_url()
    assert (count.warehouse, count.location, count.blind, count.qty_threshold) == (
        warehouse_a,
        place,
        True,
        D("5"),
    )


@pytest.mark.django_db
def test_a_blind_count_hides_the_book_quantity_from_the_clerk_until_submitted(
    client_for, users, counting, milk
):
    # the book quantity is 10; the clerk's pages must not carry it anywhere
    line = line_of(counting, milk)
    clerk = client_for("clerk_a")
    for name in ("stockcount_detail", "stockcount_sheet", "stockcount_print"):
        html = clerk.get(reverse(f"inventory:{name}", args=[counting.pk])).content.decode()
        assert 'data-book="' not in html, name
        assert "Book quantity" not in html, name
    row = clerk.post(
        reverse("inventory:stockcount_line", args=[counting.pk, line.pk]),
        {"qty": "7"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'data-book="' not in row and 'data-variance="' not in row
    assert clerk.get(reverse("inventory:stockcount_review", args=[counting.pk])).status_code == 403

    # the manager reviewing sees book, counted and variance
    review = (
        client_for("manager").get(reverse("inventory:stockcount_review", args=[counting.pk])).content.decode()
    )
    assert 'data-book="10"' in review and 'data-variance="-3"' in review


@pytest.mark.django_db
def test_the_open_count_shows_the_book_quantity_and_the_blind_print_has_an_empty_column(
    client_for, users, warehouse_a, place, milk
):
    receive(milk, place, "10", "2.50", users["manager"])
    open_count = started(warehouse_a, users["manager"], blind=False)
    html = (
        client_for("clerk_a")
        .get(reverse("inventory:stockcount_sheet", args=[open_count.pk]))
        .content.decode()
    )
    assert 'data-book="10"' in html
    count_cancel(count_id=open_count.pk, user=users["manager"])

    blind = started(warehouse_a, users["manager"], blind=True)
    printed = (
        client_for("clerk_a").get(reverse("inventory:stockcount_print", args=[blind.pk])).content.decode()
    )
    assert "MILK" in printed and 'class="write-in"' in printed and 'data-book="' not in printed
    narrow = client_for("clerk_a").get(
        reverse("inventory:stockcount_print", args=[blind.pk]) + "?width=narrow"
    )
    assert 'class="narrow"' in narrow.content.decode()


@pytest.mark.django_db
def test_scanning_a_bin_then_a_case_barcode_adds_the_case_factor_without_a_page_reload(
    client_for, counting, place, milk
):
    box = ItemUnitFactory(item=milk, unit=UnitFactory(code="BOX", name="箱"), factor=D("24")).unit
    ItemBarcodeFactory(item=milk, barcode="6900000000024", unit=box)
    ItemBarcodeFactory(item=milk, barcode="6900000000001")
    clerk = client_for("clerk_a")
    url = reverse("inventory:stockcount_scan", args=[counting.pk])
    line = line_of(counting, milk)

    # the bin label sets the current location
    at_bin = clerk.post(url, {"code": "A-01"}, HTTP_HX_REQUEST="true").content.decode()
    assert f'name="location" value="{place.pk}"' in at_bin

    # a case barcode adds 24, a bottle barcode 1, the SKU 1: the row comes back, updated
    clerk.post(url, {"code": "6900000000024", "location": place.pk}, HTTP_HX_REQUEST="true")
    clerk.post(url, {"code": "6900000000001", "location": place.pk}, HTTP_HX_REQUEST="true")
    response = clerk.post(url, {"code": "milk", "location": place.pk}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="line-{line.pk}"' in html and 'hx-swap-oob="true"' in html
    assert re.search(r'name="qty"[^>]*value="26"', html)
    assert StockCountLine.objects.get(pk=line.pk).counted_qty == D("26")

    # a wrong scan says so and keeps what was counted
    wrong = clerk.post(
        url, {"code": "NO-SUCH", "location": place.pk}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "No item or location has the code NO-SUCH." in wrong
    assert StockCountLine.objects.get(pk=line.pk).counted_qty == D("26")

    # an item scanned before any bin asks for the bin first
    no_bin = clerk.post(url, {"code": "MILK"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Scan the location first." in no_bin


@pytest.mark.django_db
def test_typing_a_quantity_saves_the_line_and_the_manager_reviews_and_approves_in_the_browser(
    client_for, users, warehouse_a, place, milk
):
    receive(milk, place, "10", "2.50", users["manager"])
    count = started(warehouse_a, users["clerk_a"], qty_threshold=D("0"), value_threshold=D("0"))
    line = line_of(count, milk)
    clerk, manager = client_for("clerk_a"), client_for("manager")

    row = clerk.post(
        reverse("inventory:stockcount_line", args=[count.pk, line.pk]), {"qty": "6"}, HTTP_HX_REQUEST="true"
    )
    assert row.status_code == 200 and re.search(r'name="qty"[^>]*value="6"', row.content.decode())
    bad = clerk.post(
        reverse("inventory:stockcount_line", args=[count.pk, line.pk]), {"qty": "-2"}, HTTP_HX_REQUEST="true"
    )
    assert "Enter a quantity of 0 or more." in bad.content.decode()
    assert StockCountLine.objects.get(pk=line.pk).counted_qty == D("6")

    done = clerk.post(reverse("inventory:stockcount_action", args=[count.pk, "submit"]), follow=True)
    assert f"{count.number} is waiting for a manager&#x27;s approval." in done.content.decode()

    review = manager.get(reverse("inventory:stockcount_review", args=[count.pk])).content.decode()
    # loss of 4 × 2.50 = 10.00, over the threshold; values shown to the manager
    assert 'data-variance="-4"' in review and "-10.00" in review and "over-threshold" in review
    purchase_view = client_for("clerk_a").get(reverse("inventory:stockcount_review", args=[count.pk]))
    assert "-10.00" not in purchase_view.content.decode()  # clerks see quantities, never values

    approved = manager.post(reverse("inventory:stockcount_action", args=[count.pk, "approve"]), follow=True)
    assert f"{count.number} is approved and posted." in approved.content.decode()
    again = manager.post(reverse("inventory:stockcount_action", args=[count.pk, "approve"]), follow=True)
    assert f"{count.number} has already been posted." in again.content.decode()
    assert on_hand(milk, place) == D("6")
    assert ledger_differences() == []


@pytest.mark.django_db
def test_the_list_filters_by_status_and_shows_a_clerk_only_their_warehouses(
    client_for, users, warehouse_a, warehouse_b, place, milk
):
    receive(milk, place, "1", "1.00", users["manager"])
    a = started(warehouse_a, users["manager"])
    b = count_create(warehouse=warehouse_b, user=users["manager"])

    mine = client_for("clerk_a").get(reverse("inventory:stockcount_list")).content.decode()
    assert a.number in mine and b.number not in mine
    drafts = (
        client_for("manager").get(reverse("inventory:stockcount_list") + "?status=draft").content.decode()
    )
    assert b.number in drafts and a.number not in drafts
