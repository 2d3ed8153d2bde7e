"""Stock alerts: a constructed warehouse whose alerts were worked out by hand, the scan run twice
(each alert once), conditions clearing (resolved) and coming back (a new alert), acknowledging,
two scans and two digests at once, the e-mail digest per role, the schedule's migration, and
the screens: the role table of every alert URL, warehouse scoping and the bell's count."""

import importlib
import json
import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inventory.models import Item
from inventory.services import MoveLine, post_moves
from reports import alerts
from reports.alert_tasks import scan_stock_alerts
from reports.models import Alert, AlertKind, AlertStatus
from sales import services as sales
from tests.factories import BatchFactory, CustomerFactory, ItemFactory, LocationFactory, UserFactory

pytestmark = pytest.mark.django_db

K = AlertKind
N = [0]


def D(text) -> Decimal:
    return Decimal(str(text))


def stock(item, location, qty, batch=None):
    """Receive (qty > 0) or take out (qty < 0) through the posting service."""
    N[0] += 1
    post_moves(
        doc_type="test-alerts",
        doc_id=N[0],
        doc_number=f"T-{N[0]}",
        lines=[MoveLine(item.pk, location.pk, D(qty), batch.pk if batch else None, unit_cost=D("1.00"))],
        user=UserFactory(),
    )


def confirmed_order(world, item, qty, *, backorder=False):
    order = sales.order_create(customer=world["customer"], warehouse=world["a"], user=world["seller"])
    sales.order_set_lines(
        order_id=order.pk,
        lines=[
            sales.SalesLineInput(
                item=item, unit_id=item.base_unit_id, qty=D(qty), price=D("2.00"), allow_backorder=backorder
            )
        ],
    )
    return sales.order_confirm(order_id=order.pk, user=world["seller"])


@pytest.fixture
def world(users, warehouse_a, warehouse_b):
    """Warehouse A (clerk_a) and B (clerk_b). Today is the scan's local date; the horizon 30 days.

    BOLT   safety 10, reorder 20, max 100: A 5 on hand, B 150
    WATER  safety 10, reorder 20, no max:  A 15
    MILK   batches, no levels: A: M-OLD expired yesterday 4; M-EDGE expires in 30 days 6 + 2 in
           two bins; M-LATE expires in 31 days 50. B: M-TODAY expires today 3
    TEA    no levels: A 30; order 1 reserves 10; order 2 wants 50 as a backorder and gets 20
    """
    today = timezone.localdate()
    a1 = LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")
    a2 = LocationFactory(warehouse=warehouse_a, code="A-02", path="A-02")
    b1 = LocationFactory(warehouse=warehouse_b, code="B-01", path="B-01")
    none = {"safety_stock": D(0), "reorder_point": D(0), "max_stock": D(0)}
    bolt = ItemFactory(sku="BOLT", name="螺栓", safety_stock=D(10), reorder_point=D(20), max_stock=D(100))
    water = ItemFactory(sku="WATER", name="矿泉水", safety_stock=D(10), reorder_point=D(20))
    milk = ItemFactory(sku="MILK", name="牛奶", tracking="batch_expiry", shelf_life_days=60, **none)
    tea = ItemFactory(sku="TEA", name="茶叶", **none)
    batches = {
        "old": BatchFactory(item=milk, batch_no="M-OLD", expiry_date=today - timedelta(days=1)),
        "edge": BatchFactory(item=milk, batch_no="M-EDGE", expiry_date=today + timedelta(days=30)),
        "late": BatchFactory(item=milk, batch_no="M-LATE", expiry_date=today + timedelta(days=31)),
        "today": BatchFactory(item=milk, batch_no="M-TODAY", expiry_date=today),
    }
    stock(bolt, a1, 5)
    stock(bolt, b1, 150)
    stock(water, a1, 15)
    stock(milk, a1, 4, batches["old"])
    stock(milk, a1, 6, batches["edge"])
    stock(milk, a2, 2, batches["edge"])
    stock(milk, a1, 50, batches["late"])
    stock(milk, b1, 3, batches["today"])
    stock(tea, a1, 30)
    world = {
        "a": warehouse_a,
        "b": warehouse_b,
        "a1": a1,
        "b1": b1,
        "bolt": bolt,
        "water": water,
        "milk": milk,
        "tea": tea,
        "batches": batches,
        "today": today,
        "customer": CustomerFactory(credit_limit=D("100000.00")),
        "seller": users["sales"],
    }
    world["order1"] = confirmed_order(world, tea, 10)  # fully reserved: 10 of 30
    world["order2"] = confirmed_order(world, tea, 50, backorder=True)  # gets the other 20: 30 short
    return world


# Every alert of the world, worked out by hand: (kind, item, warehouse, qty, threshold)
EXPECTED = {
    (K.BELOW_SAFETY, "BOLT", "WHA", D(5), D(10)),  # 5 < 10
    (K.BELOW_REORDER, "BOLT", "WHA", D(5), D(20)),  # 5 < 20
    (K.ABOVE_MAX, "BOLT", "WHB", D(150), D(100)),  # 150 > 100
    (K.BELOW_REORDER, "WATER", "WHA", D(15), D(20)),  # 15 < 20, but not below safety: 15 ≥ 10
    (K.EXPIRED, "MILK", "WHA", D(4), None),  # M-OLD, yesterday
    (K.EXPIRING, "MILK", "WHA", D(8), None),  # M-EDGE (day 30 is inside): 6 + 2; M-LATE (day 31) not
    (K.EXPIRING, "MILK", "WHB", D(3), None),  # M-TODAY: today is not yet expired
    (K.UNSERVED, "TEA", "WHA", D(30), None),  # order 2: 50 open − 20 reserved; order 1 fully reserved
}


def alert_rows(**filters) -> set[tuple]:
    return {
        (a.kind, a.item.sku, a.warehouse.code, a.qty, a.threshold)
        for a in Alert.objects.filter(**filters).select_related("item", "warehouse")
    }


def the(kind, sku, code) -> Alert:
    return Alert.objects.get(kind=kind, item__sku=sku, warehouse__code=code, status__in=alerts.ACTIVE)


# The scan ------------------------------------------------------------------------------------------
def test_the_scan_opens_the_alerts_worked_out_by_hand(world):
    result = alerts.scan(expiry_days=30)

    assert alert_rows() == EXPECTED
    assert result == alerts.ScanResult(opened=8, resolved=0, still_open=0)
    assert set(Alert.objects.values_list("status", flat=True)) == {AlertStatus.OPEN}
    assert the(K.EXPIRING, "MILK", "WHA").detail == {
        "batches": [
            {
                "id": world["batches"]["edge"].pk,
                "batch_no": "M-EDGE",
                "expiry_date": (world["today"] + timedelta(days=30)).isoformat(),
                "qty": "8",
            }
        ],
        "days": 30,
    }
    assert the(K.EXPIRED, "MILK", "WHA").detail["batches"][0]["batch_no"] == "M-OLD"
    assert the(K.UNSERVED, "TEA", "WHA").detail == {
        "orders": [
            {
                "id": world["order2"].pk,
                "number": world["order2"].number,
                "open": "50",
                "reserved": "20",
                "short": "30",
            }
        ]
    }


def test_a_longer_horizon_takes_in_the_later_batch(world):
    alerts.scan(expiry_days=31)

    # M-EDGE 6 + 2 and now M-LATE 50
    assert the(K.EXPIRING, "MILK", "WHA").qty == D(58)


def test_the_scan_costs_the_same_queries_for_many_items(world, warehouse_a):
    with CaptureQueriesContext(connection) as few:
        alerts.scan(expiry_days=30)
    for n in range(15):
        item = ItemFactory(sku=f"MORE{n}", safety_stock=D(10), reorder_point=D(20))
        stock(item, world["a1"], 1)
    with CaptureQueriesContext(connection) as many:
        result = alerts.scan(expiry_days=30)

    assert result.opened == 30  # 15 items × (below safety + below reorder)
    assert len(many.captured_queries) == len(few.captured_queries) + 1  # + the refresh of the first 8
    assert len(many.captured_queries) <= 12


def test_refreshing_more_alerts_than_one_batch_costs_the_same_queries_and_refreshes_each(world):
    """The steady state of the hourly scan: every open alert refreshed. 1,208 alerts cost the
    queries of 8 (an update per thousand alerts used to be added), and each gets its own figure."""
    alerts.scan(expiry_days=30)
    with CaptureQueriesContext(connection) as few:
        alerts.scan(expiry_days=30)
    template = ItemFactory(sku="BULK0000", safety_stock=D(10), reorder_point=D(20))
    Item.objects.bulk_create(
        [
            Item(
                sku=f"BULK{n:04d}",
                name=f"散货{n}",
                category_id=template.category_id,
                base_unit_id=template.base_unit_id,
                safety_stock=D(10),
                reorder_point=D(20),
            )
            for n in range(1, 600)
        ]
    )
    bulk = list(Item.objects.filter(sku__startswith="BULK").order_by("sku"))
    N[0] += 1
    post_moves(
        doc_type="test-alerts",
        doc_id=N[0],
        doc_number=f"T-{N[0]}",
        lines=[
            MoveLine(i.pk, world["a1"].pk, D(n % 9 + 1), None, unit_cost=D("1.00"))
            for n, i in enumerate(bulk)
        ],
        user=UserFactory(),
    )
    assert alerts.scan(expiry_days=30).opened == 1200  # 600 items × (below safety + below reorder)
    stock(bulk[7], world["a1"], 1)  # 8 + 1 = 9

    with CaptureQueriesContext(connection) as many:
        result = alerts.scan(expiry_days=30)

    assert result == alerts.ScanResult(opened=0, resolved=0, still_open=1208)
    assert len(many.captured_queries) == len(few.captured_queries)
    reorder = Alert.objects.get(item=bulk[7], kind=K.BELOW_REORDER, status=AlertStatus.OPEN)
    assert (reorder.qty, reorder.threshold, reorder.detail) == (D(9), D(20), {})
    assert Alert.objects.get(item=bulk[6], kind=K.BELOW_SAFETY, status=AlertStatus.OPEN).qty == D(7)


def test_running_the_scan_twice_creates_each_alert_once(world):
    alerts.scan(expiry_days=30)
    first_seen = {a.pk: a.last_seen_at for a in Alert.objects.all()}

    again = alerts.scan(expiry_days=30)

    assert again == alerts.ScanResult(opened=0, resolved=0, still_open=8)
    assert Alert.objects.count() == 8 and alert_rows() == EXPECTED
    assert all(a.last_seen_at > first_seen[a.pk] for a in Alert.objects.all())


def test_receiving_stock_refreshes_then_resolves_the_alert(world):
    alerts.scan(expiry_days=30)
    below_safety, below_reorder = the(K.BELOW_SAFETY, "BOLT", "WHA"), the(K.BELOW_REORDER, "BOLT", "WHA")

    stock(world["bolt"], world["a1"], 10)  # 5 + 10 = 15: not below safety (10), still below reorder (20)
    result = alerts.scan(expiry_days=30)

    below_safety.refresh_from_db()
    below_reorder.refresh_from_db()
    assert result == alerts.ScanResult(opened=0, resolved=1, still_open=7)
    assert below_safety.status == AlertStatus.RESOLVED and below_safety.resolved_at is not None
    assert below_reorder.status == AlertStatus.OPEN and below_reorder.qty == D(15)

    stock(world["bolt"], world["a1"], 5)  # 15 + 5 = 20: not below 20
    alerts.scan(expiry_days=30)

    below_reorder.refresh_from_db()
    assert below_reorder.status == AlertStatus.RESOLVED
    assert Alert.objects.filter(status__in=alerts.ACTIVE).count() == 6


def test_shipping_out_expired_stock_and_reserving_for_the_order_resolve_theirs(world):
    alerts.scan(expiry_days=30)
    stock(world["milk"], world["a1"], -4, world["batches"]["old"])  # written off
    sales.order_cancel(order_id=world["order2"].pk, user=world["seller"])  # the short order is gone

    result = alerts.scan(expiry_days=30)

    assert result.resolved == 2
    assert alert_rows(status__in=alerts.ACTIVE) == {
        row for row in EXPECTED if (row[0], row[1]) not in {(K.EXPIRED, "MILK"), (K.UNSERVED, "TEA")}
    }


def test_the_bell_counts_at_most_a_hundred_without_sorting_the_open_alerts(world, users):
    alerts.scan(expiry_days=30)
    with CaptureQueriesContext(connection) as bell:
        assert alerts.open_alert_count(users["manager"]) == 8

    (query,) = [q["sql"] for q in bell.captured_queries if 'FROM "reports_alert"' in q["sql"]]
    assert "LIMIT 100" in query and "ORDER BY" not in query


def test_an_acknowledged_alert_stays_acknowledged_resolves_and_reopens_as_a_new_one(world, users):
    alerts.scan(expiry_days=30)
    alert = the(K.BELOW_SAFETY, "BOLT", "WHA")
    alerts.alert_acknowledge(alert_id=alert.pk, user=users["purchasing"])
    manager = users["manager"]
    assert alerts.open_alert_count(manager) == 7

    alerts.scan(expiry_days=30)  # still 5 on hand
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by == users["purchasing"]
    assert Alert.objects.filter(kind=K.BELOW_SAFETY, item=world["bolt"]).count() == 1
    assert alerts.open_alert_count(manager) == 7

    stock(world["bolt"], world["a1"], 10)  # 15: cleared
    alerts.scan(expiry_days=30)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED

    stock(world["bolt"], world["a1"], -8)  # 7 < 10: back again
    result = alerts.scan(expiry_days=30)

    again = the(K.BELOW_SAFETY, "BOLT", "WHA")
    assert result.opened == 1 and again.pk != alert.pk
    assert (again.status, again.qty) == (AlertStatus.OPEN, D(7))
    assert list(
        Alert.objects.filter(kind=K.BELOW_SAFETY, item=world["bolt"])
        .order_by("id")
        .values_list("status", flat=True)
    ) == [AlertStatus.RESOLVED, AlertStatus.OPEN]


def test_acknowledging_twice_or_after_it_resolved_is_refused(world, users):
    alerts.scan(expiry_days=30)
    alert = the(K.ABOVE_MAX, "BOLT", "WHB")
    alerts.alert_acknowledge(alert_id=alert.pk, user=users["manager"])

    with pytest.raises(alerts.AlertError, match="already acknowledged"):
        alerts.alert_acknowledge(alert_id=alert.pk, user=users["manager"])
    stock(world["bolt"], world["b1"], -50)  # 100: not above 100
    alerts.scan(expiry_days=30)
    with pytest.raises(alerts.AlertError, match="resolved"):
        alerts.alert_acknowledge(alert_id=alert.pk, user=users["manager"])
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and alert.acknowledged_by == users["manager"]


def test_a_scan_with_a_stale_view_of_the_alerts_cannot_duplicate_one(world):
    alerts.scan(expiry_days=30)
    found = alerts.conditions(today=world["today"], expiry_days=30)

    # As if another scan had opened them all after this one read the active alerts (none): the
    # partial unique index makes the insert skip every one of them.
    result = alerts._apply(found, {}, timezone.now())

    assert result.opened == 0 and Alert.objects.count() == 8


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_open_each_alert_once_and_two_digests_mail_each_once(world, mailboxes):
    # one test, so that the database is flushed once: PostgreSQL, real connections in threads
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(alerts.scan(expiry_days=30))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert errors == []
    assert alert_rows() == EXPECTED and Alert.objects.count() == 8
    assert sorted(r.opened for r in results) == [0, 8]

    taken, release = threading.Event(), threading.Event()

    def other_digest():
        # another worker's digest in the middle of its transaction: it holds every alert's lock
        try:
            with transaction.atomic():
                list(Alert.objects.select_for_update())
                taken.set()
                release.wait(timeout=20)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_digest)
    thread.start()
    try:
        assert taken.wait(timeout=10)
        assert alerts.send_digest() == 0  # skipped, not waited for
        assert mail.outbox == []
    finally:
        release.set()
        thread.join(timeout=30)
    # the other one rolled back (say its mail server refused): this one takes them all
    assert alerts.send_digest() == 8
    assert len(mail.outbox) == 5


def test_a_negative_horizon_is_refused():
    with pytest.raises(ValueError):
        alerts.scan(expiry_days=-1)


# The digest ----------------------------------------------------------------------------------------
@pytest.fixture
def mailboxes(users):
    for name, user in users.items():
        user.email = f"{name}@example.com"
        user.save(update_fields=["email"])
    return {name: f"{name}@example.com" for name in users}


def sent_to(address) -> list:
    return [m for m in mail.outbox if address in m.to]


def test_the_digest_mails_each_new_alert_once_to_the_roles_responsible(world, mailboxes):
    alerts.scan(expiry_days=30)

    assert alerts.send_digest() == 8

    # purchasing: the four stock-level alerts; clerks: their warehouse's batches; sales: the order;
    # managers: all eight; nobody else
    assert len(mail.outbox) == 5
    (purchasing,) = sent_to("purchasing@example.com")
    assert purchasing.subject == "JXC: 4 new stock alerts"
    assert "BOLT 螺栓 · 仓库A: on hand 5 个, safety stock 10" in purchasing.body
    assert "WATER 矿泉水 · 仓库A: on hand 15 个, reorder point 20" in purchasing.body
    assert "仓库B: on hand 150 个, maximum 100" in purchasing.body
    assert "MILK" not in purchasing.body and "TEA" not in purchasing.body
    (clerk_a,) = sent_to("clerk_a@example.com")
    assert clerk_a.subject == "JXC: 2 new stock alerts"
    assert (
        "4 个 in expired batches: M-OLD" in clerk_a.body
        and "8 个 expiring within 30 days: M-EDGE" in clerk_a.body
    )
    assert "仓库B" not in clerk_a.body and "BOLT" not in clerk_a.body
    (clerk_b,) = sent_to("clerk_b@example.com")
    assert clerk_b.subject == "JXC: 1 new stock alert" and "M-TODAY" in clerk_b.body
    (seller,) = sent_to("sales@example.com")
    assert f"30 个 on confirmed orders not reserved: {world['order2'].number} short 30" in seller.body
    (manager,) = sent_to("manager@example.com")
    assert manager.subject == "JXC: 8 new stock alerts"
    assert sent_to("finance@example.com") == [] and sent_to("administrator@example.com") == []
    assert not Alert.objects.filter(emailed_at__isnull=True).exists()

    alerts.scan(expiry_days=30)
    assert alerts.send_digest() == 0
    assert len(mail.outbox) == 5


def test_the_next_digest_mails_only_the_alerts_opened_since(world, mailboxes):
    alerts.scan(expiry_days=30)
    alerts.send_digest()
    mail.outbox.clear()
    stock(world["water"], world["a1"], -10)  # 5: now below safety too

    alerts.scan(expiry_days=30)
    assert alerts.send_digest() == 1

    assert sorted(m.to[0] for m in mail.outbox) == ["manager@example.com", "purchasing@example.com"]
    assert all("WATER 矿泉水 · 仓库A: on hand 5 个, safety stock 10" in m.body for m in mail.outbox)


def test_the_task_scans_and_mails(world, mailboxes):
    result = scan_stock_alerts.apply(kwargs={"expiry_days": 30}).get()

    assert result == {"opened": 8, "resolved": 0, "still_open": 0, "emailed": 8}
    assert len(mail.outbox) == 5
    assert scan_stock_alerts.apply(kwargs={"expiry_days": 30}).get() == {
        "opened": 0,
        "resolved": 0,
        "still_open": 8,
        "emailed": 0,
    }
    assert len(mail.outbox) == 5


# The schedule --------------------------------------------------------------------------------------
def schedule_migration():
    return importlib.import_module("reports.migrations.0002_alert_schedule")


@pytest.fixture
def schedule(db):
    """The PeriodicTask reports 0002 creates. A transactional test's flush empties the table, as it
    does the role groups (see conftest.roles): put it back the way the migration does."""
    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    if not PeriodicTask.objects.filter(name="Stock alerts").exists():
        schedule_migration().create(apps, None)
    return PeriodicTask.objects.select_related("interval").get(name="Stock alerts")


def test_the_migration_schedules_the_scan_hourly_with_a_30_day_horizon(schedule):
    from django.db.migrations.executor import MigrationExecutor
    from django_celery_beat.models import PeriodicTask

    from config.celery import app

    assert schedule.task == "reports.scan_stock_alerts" and schedule.enabled
    assert json.loads(schedule.kwargs) == {"expiry_days": 30}
    assert (schedule.interval.every, schedule.interval.period) == (1, "hours")
    app.loader.import_default_modules()
    assert "reports.scan_stock_alerts" in app.tasks and "reports.send_alert_digest" in app.tasks

    # run again (as after a rollback and re-apply) over an administrator's change: nothing changes
    executor = MigrationExecutor(connection)
    assert ("reports", "0002_alert_schedule") in executor.recorder.applied_migrations()
    PeriodicTask.objects.filter(pk=schedule.pk).update(kwargs=json.dumps({"expiry_days": 14}))
    historical = executor.loader.project_state(("reports", "0002_alert_schedule")).apps
    schedule_migration().create(historical, None)

    assert list(
        PeriodicTask.objects.filter(task="reports.scan_stock_alerts").values_list("kwargs", flat=True)
    ) == [json.dumps({"expiry_days": 14})]


# The screens ---------------------------------------------------------------------------------------
LIST = reverse("reports:alert_list")


def shown(response) -> set[tuple]:
    """(kind, sku, warehouse name) of the alert rows on a list page."""
    html = response.content.decode()
    ids = [int(pk) for pk in re.findall(r'data-alert="(\d+)"', html)]
    return {
        (a.kind, a.item.sku, a.warehouse.name)
        for a in Alert.objects.filter(pk__in=ids).select_related("item", "warehouse")
    }


@pytest.fixture
def scanned(world):
    alerts.scan(expiry_days=30)
    return world


def test_who_opens_the_alert_list(client_for):
    table = {
        None: 302,
        "purchasing": 200,
        "sales": 200,
        "clerk_a": 200,
        "clerk_b": 200,
        "manager": 200,
        "administrator": 200,
        "finance": 403,
    }

    answers = {role: client_for(role).get(LIST) for role in table}

    assert {role: r.status_code for role, r in answers.items()} == table
    assert answers[None]["Location"].startswith(reverse("login"))


ALL_SHOWN = {(kind, sku, "仓库A" if code == "WHA" else "仓库B") for kind, sku, code, *_ in EXPECTED}


def test_each_role_sees_its_kinds_in_its_warehouses(scanned, client_for):
    expected = {
        "purchasing": {r for r in ALL_SHOWN if r[0] in alerts.STOCK_LEVEL_KINDS},
        "sales": {(K.UNSERVED, "TEA", "仓库A")},
        "clerk_a": {
            (K.EXPIRED, "MILK", "仓库A"),
            (K.EXPIRING, "MILK", "仓库A"),
            (K.BELOW_SAFETY, "BOLT", "仓库A"),
        },
        "clerk_b": {(K.EXPIRING, "MILK", "仓库B")},
        "manager": ALL_SHOWN,
        "administrator": ALL_SHOWN,
    }

    assert {role: shown(client_for(role).get(LIST)) for role in expected} == expected


def test_the_list_shows_figures_batches_and_orders(scanned, client_for):
    html = client_for("manager").get(LIST).content.decode()

    assert "M-EDGE" in html and "M-OLD" in html
    assert (
        f'href="{reverse("sales:order_detail", args=[scanned["order2"].pk])}">{scanned["order2"].number}</a>'
        in html
    )
    assert "within 30 days" in html


def test_clerks_cannot_reach_another_warehouse_by_filter(scanned, client_for):
    response = client_for("clerk_b").get(LIST, {"warehouse": scanned["a"].pk})

    assert shown(response) == {(K.EXPIRING, "MILK", "仓库B")}


def test_filters_by_kind_warehouse_and_status(scanned, client_for, users):
    manager = client_for("manager")
    alerts.alert_acknowledge(alert_id=the(K.BELOW_REORDER, "WATER", "WHA").pk, user=users["manager"])
    stock(scanned["bolt"], scanned["b1"], -60)  # 90: no longer above max
    alerts.scan(expiry_days=30)

    assert shown(manager.get(LIST, {"kind": K.EXPIRING})) == {
        (K.EXPIRING, "MILK", "仓库A"),
        (K.EXPIRING, "MILK", "仓库B"),
    }
    assert shown(manager.get(LIST, {"warehouse": scanned["b"].pk})) == {(K.EXPIRING, "MILK", "仓库B")}
    assert shown(manager.get(LIST, {"status": "acknowledged"})) == {(K.BELOW_REORDER, "WATER", "仓库A")}
    assert shown(manager.get(LIST, {"status": "resolved"})) == {(K.ABOVE_MAX, "BOLT", "仓库B")}
    assert len(shown(manager.get(LIST))) == 7  # open and acknowledged
    assert len(shown(manager.get(LIST, {"status": "all"}))) == 8


def test_who_acknowledges_an_expiry_alert_of_warehouse_a(scanned, client_for):
    alert = the(K.EXPIRING, "MILK", "WHA")
    url = reverse("reports:alert_acknowledge", args=[alert.pk])
    table = {  # role: (status code, acknowledged)
        None: (302, False),
        "clerk_a": (302, True),
        "clerk_b": (404, False),  # another warehouse's alert
        "purchasing": (404, False),  # not a kind purchasing deals with
        "sales": (404, False),
        "manager": (302, True),
        "administrator": (302, True),
        "finance": (403, False),
    }

    answers = {}
    for role in table:
        response = client_for(role).post(url)
        alert.refresh_from_db()
        answers[role] = (response.status_code, alert.status == AlertStatus.ACKNOWLEDGED)
        if role is None:
            assert response["Location"].startswith(reverse("login"))
        Alert.objects.filter(pk=alert.pk).update(
            status=AlertStatus.OPEN, acknowledged_by=None, acknowledged_at=None
        )

    assert answers == table


def test_an_alert_past_id_999_is_listed_and_acknowledged_by_its_id(scanned, client_for):
    alert = the(K.BELOW_SAFETY, "BOLT", "WHA")
    Alert.objects.filter(pk=alert.pk).update(id=123456)
    manager = client_for("manager")

    assert 'data-alert="123456"' in manager.get(LIST).content.decode()
    response = manager.post(reverse("reports:alert_acknowledge", args=[123456]), {"next": LIST})

    assert response.status_code == 302
    assert Alert.objects.get(pk=123456).status == AlertStatus.ACKNOWLEDGED


def test_acknowledging_takes_a_post_and_goes_back_to_the_list(scanned, client_for):
    alert = the(K.BELOW_REORDER, "BOLT", "WHA")
    url = reverse("reports:alert_acknowledge", args=[alert.pk])
    purchasing = client_for("purchasing")

    assert purchasing.get(url).status_code == 405
    response = purchasing.post(url, {"next": f"{LIST}?kind=below_reorder"}, follow=True)
    assert response.redirect_chain == [(f"{LIST}?kind=below_reorder", 302)]
    assert "Acknowledged: Below reorder point, BOLT 螺栓 in 仓库A." in response.content.decode()
    assert purchasing.post(url, {"next": "https://elsewhere.example/"})["Location"] == LIST
    assert "already acknowledged" in purchasing.get(LIST).content.decode()


def bell(response) -> str | None:
    html = response.content.decode()
    if 'id="alert-bell"' not in html:
        return None
    match = re.search(r'id="alert-bell-count">([^<]+)<', html)
    return match.group(1) if match else ""


def test_the_bell_counts_the_open_alerts_each_user_may_see(scanned, client_for, users):
    assert bell(client_for("manager").get("/")) == "8"
    assert bell(client_for("purchasing").get("/")) == "4"
    assert bell(client_for("clerk_a").get("/")) == "3"
    assert bell(client_for("clerk_b").get("/")) == "1"
    assert bell(client_for("sales").get("/")) == "1"
    assert bell(client_for("finance").get("/")) is None  # no reports.view_alert: no bell

    client_for("clerk_b").post(reverse("reports:alert_acknowledge", args=[the(K.EXPIRING, "MILK", "WHB").pk]))

    assert bell(client_for("clerk_b").get("/")) == ""  # nothing open: the icon without a number
    assert bell(client_for("manager").get("/")) == "7"


def test_the_bell_costs_one_bounded_query(scanned, client_for):
    clerk = client_for("clerk_a")
    with CaptureQueriesContext(connection) as queries:
        response = clerk.get("/")

    on_alerts = [q["sql"] for q in queries.captured_queries if "reports_alert" in q["sql"]]
    assert bell(response) == "3"
    assert len(on_alerts) == 1 and "COUNT(" not in on_alerts[0] and on_alerts[0].endswith("LIMIT 100")


def test_administrators_are_told_where_the_schedule_is_edited(client_for, schedule):
    task = schedule

    admin_html = client_for("administrator").get(LIST).content.decode()
    manager_html = client_for("manager").get(LIST).content.decode()

    assert reverse("admin:django_celery_beat_periodictask_change", args=[task.pk]) in admin_html
    assert 'id="alert-schedule"' not in manager_html
