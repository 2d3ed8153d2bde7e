"""The home page per role (DESIGN §5, JOURNEYS §6): what each person opens in the morning.

Cards are chosen by permission, so a manager sees them all: the KPIs (stock value, stock-outs,
open alerts, orders awaiting approval, late purchase orders, overdue payables and receivables,
money in and out by month, stock value at each month end), a clerk the open tasks of their
warehouses (receipts to inspect, orders to ship, counts in progress), purchasing and sales staff
their own open documents. Each figure is one aggregate query; nothing loops over items."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.rules import sees_all_warehouses
from inventory.models import CountStatus, Item, ItemValuation, PeriodSummary, StockBalance, StockCount
from inventory.selectors import warehouses_for
from purchasing.models import OPEN_STATUSES as PO_OPEN
from purchasing.models import OrderStatus as POStatus
from purchasing.models import PurchaseOrder, PurchaseReceipt, ReceiptStatus
from sales.models import OPEN_STATUSES as SO_OPEN
from sales.models import OrderStatus as SOStatus
from sales.models import SalesOrder
from settlement import selectors as money
from settlement.books import get as book
from settlement.models import PaymentStatus

from . import charts
from .selectors import total_turnover as turnover_total

ZERO = Decimal("0")
MONTHS = 6


@dataclass
class Figure:
    key: str
    label: str
    value: object
    kind: str = "int"  # int | money | ratio
    url: str | None = None
    warn: bool = False
    note: str = ""  # a line under the figure, e.g. last month's


@dataclass
class Dashboard:
    figures: list[Figure] = field(default_factory=list)
    tasks: list[Figure] = field(default_factory=list)  # clerks' open tasks
    documents: dict[str, list] = field(default_factory=dict)  # "purchase" / "sales": own open documents
    charts: dict[str, dict] = field(default_factory=dict)  # Chart.js configs


def _month_starts(today: date, n: int) -> list[date]:
    first = today.replace(day=1)
    months = []
    y, m = first.year, first.month
    for _i in range(n):
        months.append(date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return list(reversed(months))


def for_user(user, *, today: date | None = None) -> Dashboard:
    today = today or timezone.localdate()
    board = Dashboard()
    has = user.has_perm
    if has("inventory.view_stock_value"):
        value = ItemValuation.objects.aggregate(v=Sum("value"))["v"] or ZERO
        board.figures.append(
            Figure("stock_value", _("Stock value"), value, "money", reverse("inventory:stock_valuation"))
        )
        board.charts["stock_value"] = _stock_value_chart(today, value)
        if has("reports.view_stock_reports") and sees_all_warehouses(user):
            board.figures.append(_turnover_figure(today))
    if has("inventory.view_stockbalance") and (
        has("purchasing.view_purchaseorder") or has("inventory.view_stock_value")
    ):
        outs = _stock_outs(user)
        board.figures.append(
            Figure(
                "stock_outs",
                _("Items out of stock"),
                outs,
                url=reverse("inventory:stock_on_hand"),
                warn=outs > 0,
            )
        )
    if has("reports.view_alert"):
        n = _open_alerts(user)  # counted up to the bell's cap, like the bell
        shown = "99+" if n > 99 else n
        board.figures.append(
            Figure("alerts", _("Open alerts"), shown, url=_url("reports:alert_list"), warn=n > 0)
        )
    if has("purchasing.approve_purchaseorder"):
        n = PurchaseOrder.objects.filter(status=POStatus.SUBMITTED).count()
        board.figures.append(
            Figure(
                "po_approval",
                _("Purchase orders to approve"),
                n,
                url=_url("purchasing:order_list", status="submitted"),
                warn=n > 0,
            )
        )
    if has("sales.approve_salesorder"):
        n = SalesOrder.objects.filter(status=SOStatus.PENDING).count()
        board.figures.append(
            Figure(
                "so_approval",
                _("Sales orders over the credit limit"),
                n,
                url=_url("sales:order_list", status="pending"),
                warn=n > 0,
            )
        )
    if has("purchasing.view_purchaseorder") and (
        has("purchasing.approve_purchaseorder") or has("inventory.view_stock_value")
    ):
        n = PurchaseOrder.objects.filter(status__in=PO_OPEN, expected_date__lt=today).count()
        board.figures.append(
            Figure("late_pos", _("Late purchase orders"), n, url=_url("purchasing:order_list"), warn=n > 0)
        )
    for key, label, perm in (
        ("receivables", _("Overdue receivables"), "sales.view_receivableentry"),
        ("payables", _("Overdue payables"), "purchasing.view_payableentry"),
    ):
        if has(perm):
            overdue = money.totals(money.balances(book(key), as_of=today)).overdue
            board.figures.append(
                Figure(
                    f"overdue_{key}",
                    label,
                    overdue,
                    "money",
                    _url(f"{book(key).namespace}:{key}_list"),
                    overdue > 0,
                )
            )
    if has("sales.view_receivableentry") or has("purchasing.view_payableentry"):
        board.charts["money"] = _money_chart(user, today)
    _clerk_tasks(user, board, today)
    _own_documents(user, board)
    return board


def _turnover_figure(today: date) -> Figure:
    """Turnover of this month so far beside last month's (the report's method, all warehouses)."""
    this_start = today.replace(day=1)
    last_end = this_start - timedelta(days=1)
    now, _cogs = turnover_total(this_start, today)
    last, _cogs = turnover_total(last_end.replace(day=1), last_end)
    note = _("Last month: %(turnover)s") % {"turnover": "—" if last is None else last}
    url = _url("reports:report", "turnover", start=this_start.isoformat(), end=today.isoformat())
    return Figure("turnover", _("Turnover this month"), "—" if now is None else now, "ratio", url, note=note)


def _url(name: str, *args, **query) -> str | None:
    from django.urls import NoReverseMatch

    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return None
    if query:
        from django.utils.http import urlencode

        url += "?" + urlencode(query)
    return url


def _open_alerts(user) -> int:
    """The bell's count (the alerts module decides what each role sees)."""
    from reports.alerts import open_alert_count

    return open_alert_count(user)


def _stock_outs(user) -> int:
    """Active items with a safety stock or reorder point and nothing on hand in the user's
    warehouses."""
    stocked = StockBalance.objects.filter(location__warehouse__in=warehouses_for(user), on_hand__gt=0).values(
        "item_id"
    )
    return (
        Item.objects.filter(is_active=True)
        .filter(Q(safety_stock__gt=0) | Q(reorder_point__gt=0))
        .exclude(pk__in=stocked)
        .count()
    )


def _stock_value_chart(today: date, now_value: Decimal) -> dict:
    """The stock value at each closed month end (monthly summaries), then today."""
    rows = (
        PeriodSummary.objects.values("period__month")
        .annotate(value=Sum("value"))
        .order_by("-period__month")[:12]
    )
    points = sorted((r["period__month"], r["value"]) for r in rows)
    labels = [m.strftime("%Y-%m") for m, _v in points] + [today.isoformat()]
    values = [v for _m, v in points] + [now_value]
    return charts.line(labels, [charts.dataset(_("Stock value"), values)], begin_at_zero=False)


def _money_chart(user, today: date) -> dict:
    """Money received from customers and paid to suppliers per month (reversed payments left
    out), the last six months."""
    months = _month_starts(today, MONTHS)
    datasets = []
    for key, label, perm in (
        ("receivables", _("Money in"), "sales.view_receivableentry"),
        ("payables", _("Money out"), "purchasing.view_payableentry"),
    ):
        if not user.has_perm(perm):
            continue
        sums = dict(
            book(key)
            .payment_model.objects.filter(status=PaymentStatus.POSTED, date__gte=months[0], date__lte=today)
            .annotate(month=TruncMonth("date"))
            .values_list("month")
            .annotate(total=Sum("amount"))
            .order_by()
        )
        by_month = {(m.year, m.month): v for m, v in sums.items()}
        datasets.append(charts.dataset(label, [by_month.get((m.year, m.month), ZERO) for m in months]))
    return charts.bar([m.strftime("%Y-%m") for m in months], datasets)


def _clerk_tasks(user, board: Dashboard, today: date) -> None:
    has = user.has_perm
    mine = warehouses_for(user)
    if has("purchasing.receive_purchaseorder"):
        drafts = PurchaseReceipt.objects.filter(status=ReceiptStatus.DRAFT, order__warehouse__in=mine).count()
        due = PurchaseOrder.objects.filter(
            status__in=PO_OPEN, warehouse__in=mine, expected_date__lte=today
        ).count()
        board.tasks.append(
            Figure(
                "receipts_open", _("Receipts being inspected"), drafts, url=_url("purchasing:receipt_list")
            )
        )
        board.tasks.append(
            Figure(
                "pos_due", _("Purchase orders due in"), due, url=_url("purchasing:receipt_list"), warn=due > 0
            )
        )
    if has("sales.ship_salesorder"):
        n = SalesOrder.objects.filter(status__in=SO_OPEN, warehouse__in=mine).count()
        board.tasks.append(
            Figure("to_ship", _("Orders to ship"), n, url=_url("sales:shipment_list"), warn=n > 0)
        )
    if has("inventory.view_stockcount") and has("inventory.change_stockcount"):
        n = StockCount.objects.filter(status=CountStatus.COUNTING, warehouse__in=mine).count()
        board.tasks.append(
            Figure("counting", _("Counts in progress"), n, url=_url("inventory:stockcount_list"))
        )


def _own_documents(user, board: Dashboard) -> None:
    """Purchasing and sales staff: the open orders they created, newest first."""
    if user.has_perm("purchasing.add_purchaseorder"):
        board.documents["purchase"] = list(
            PurchaseOrder.objects.filter(
                created_by=user,
                status__in=(POStatus.DRAFT, POStatus.SUBMITTED, POStatus.APPROVED, POStatus.PARTIAL),
            )
            .select_related("supplier")
            .order_by("-created_at")[:10]
        )
    if user.has_perm("sales.add_salesorder"):
        board.documents["sales"] = list(
            SalesOrder.objects.filter(
                created_by=user,
                status__in=(SOStatus.DRAFT, SOStatus.PENDING, SOStatus.CONFIRMED, SOStatus.PARTIAL),
            )
            .select_related("customer")
            .order_by("-created_at")[:10]
        )


def counts_by_status(model, **filters) -> dict[str, int]:
    return dict(model.objects.filter(**filters).values_list("status").annotate(n=Count("id")).order_by())
