"""Period close (月结): a manager closes months in order; nothing may be posted into a closed
month; closing stores each item × warehouse's quantity and value at the month's end, which reports
and valuation-as-of-date read instead of re-summing old moves. Reopening the latest closed month
is an audited administrator act.

Closing also stores each item × warehouse's consumption in the month (cost of goods sold, as
consumption_q defines it), which turnover and ABC over closed months read instead of the ledger.

Closing and posting interlock on PostgreSQL with an advisory lock: every posting takes it shared
(in the same statement that reads the last closed day), a close takes it exclusively, so no
posting dated into the month can commit while the month's summaries are being computed.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import InventoryError
from ..models import (
    DocumentKind,
    PeriodClose,
    PeriodConsumption,
    PeriodEvent,
    PeriodSummary,
    StockDocument,
    StockMove,
)

LOCK_KEY = 7_340_001  # the advisory lock shared by postings and taken exclusively by a close
# The postings that are consumption besides goods issues: sales.services.SHIPMENT_DOC_TYPE and
# RETURN_DOC_TYPE (inventory never imports sales; tests/reports/test_turnover_summaries.py pins
# that these are the same strings).
CONSUMPTION_DOC_TYPES = ("shipment", "customer-return")


class PeriodClosed(InventoryError):
    pass


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def boundary(end: date) -> datetime:
    """The first instant after a month, in the business time zone."""
    return timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))


def month_start(day: date) -> datetime:
    """The first instant of the month `day` is in, in the business time zone."""
    return boundary(day.replace(day=1) - timedelta(days=1))


def consumption_q() -> Q:
    """The moves that are consumption (cost of goods sold, 销货成本): sales shipments, customer
    returns taken back into stock, and goods issues (with their reversals, which are goods issues
    too). Transfers, purchase returns, stock losses and stocktake differences are not."""
    from .documents import DOC_TYPE as STOCK_DOCUMENT  # documents → posting → this module

    issues = StockDocument.objects.filter(kind=DocumentKind.ISSUE).values("pk")
    return Q(posting__doc_type__in=CONSUMPTION_DOC_TYPES) | Q(
        posting__doc_type=STOCK_DOCUMENT, posting__doc_id__in=issues
    )


def check_open(moved_at: datetime) -> None:
    """Refuse a posting dated into a closed month. On PostgreSQL it first takes the advisory lock
    shared, so a close in progress waits for this posting and vice versa.

    The lock and the read are two statements on purpose: under READ COMMITTED a statement sees
    the data as of its own start, so a read in the statement that waited for the lock would miss
    the close it waited for, and the posting would commit into the month just closed (found by
    tests/inventory/test_period_concurrency.py)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [LOCK_KEY])
            cursor.execute("SELECT MAX(end_date) FROM inventory_periodclose")
            closed_through = cursor.fetchone()[0]
    else:
        closed_through = PeriodClose.objects.aggregate(end=Max("end_date"))["end"]
    if closed_through is not None and timezone.localdate(moved_at) <= closed_through:
        raise PeriodClosed(
            _("The books are closed through %(date)s: nothing can be posted on %(day)s.")
            % {"date": closed_through.isoformat(), "day": timezone.localdate(moved_at).isoformat()}
        )


@transaction.atomic
def period_close(*, year: int, month: int, user) -> PeriodClose:
    """Close a month that has ended, right after the last closed one (or as the first).
    Raises InventoryError naming what is wrong; writes nothing then."""
    if not 1 <= month <= 12:
        raise InventoryError(_("There is no month %(month)s.") % {"month": month})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    end = month_end(year, month)
    if end >= timezone.localdate():
        raise InventoryError(_("%(year)s-%(month)02d has not ended yet.") % {"year": year, "month": month})
    previous = PeriodClose.objects.order_by("-end_date").first()
    if previous is not None:
        if previous.end_date >= end:
            raise InventoryError(
                _("%(year)s-%(month)02d is already closed.") % {"year": year, "month": month}
            )
        expected = previous.end_date + timedelta(days=1)
        if (expected.year, expected.month) != (year, month):
            raise InventoryError(
                _("Close %(year)s-%(month)02d first.") % {"year": expected.year, "month": expected.month}
            )
    # The previous month's summaries plus this month's moves: exactly stock as of the month's end.
    totals = stock_as_of(end)
    period = PeriodClose.objects.create(
        year=year, month=month, end_date=end, closed_at=timezone.now(), closed_by=user
    )
    PeriodSummary.objects.bulk_create(
        [
            PeriodSummary(period=period, item_id=item_id, warehouse_id=wh_id, qty=qty, value=value)
            for (item_id, wh_id), (qty, value) in sorted(totals.items())
        ]
    )
    consumed = (
        StockMove.objects.filter(consumption_q(), moved_at__gte=month_start(end), moved_at__lt=boundary(end))
        .values_list("item_id", "warehouse_id")
        .annotate(qty=Sum("qty"), value=Sum("value"))
        .order_by("item_id", "warehouse_id")
    )
    PeriodConsumption.objects.bulk_create(
        [
            PeriodConsumption(period=period, item_id=item_id, warehouse_id=wh_id, qty=-qty, value=-value)
            for item_id, wh_id, qty, value in consumed
        ]
    )
    PeriodEvent.objects.create(year=year, month=month, action=PeriodEvent.Action.CLOSED, by=user)
    return period


@transaction.atomic
def period_reopen(*, year: int, month: int, user, reason: str) -> None:
    """Reopen the latest closed month (its summaries and consumption go; the act is recorded with
    its reason)."""
    if not reason.strip():
        raise InventoryError(_("Say why the month is reopened."))
    latest = PeriodClose.objects.select_for_update().order_by("-end_date").first()
    if latest is None or (latest.year, latest.month) != (year, month):
        raise InventoryError(_("Only the latest closed month can be reopened."))
    latest.delete()
    PeriodEvent.objects.create(
        year=year, month=month, action=PeriodEvent.Action.REOPENED, by=user, reason=reason.strip()
    )


def stock_as_of(
    end: date,
    *,
    warehouse_id: int | None = None,
    warehouse_ids: Iterable[int] | None = None,
    items: QuerySet | None = None,
) -> dict[tuple[int, int], tuple[Decimal, Decimal]]:
    """Quantity and value per (item, warehouse) at the end of a day: the last closed month's
    summaries plus the moves after it, instead of re-summing the whole ledger. Three queries
    whatever the history. `warehouse_ids` and `items` (a queryset of items, used as a subquery)
    narrow it to what a user may see and has filtered."""
    base = PeriodClose.objects.filter(end_date__lte=end).order_by("-end_date").first()
    totals: dict[tuple[int, int], list[Decimal]] = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    moves = StockMove.objects.filter(moved_at__lt=boundary(end))
    scope = Q()
    if warehouse_id:
        scope &= Q(warehouse_id=warehouse_id)
    if warehouse_ids is not None:
        scope &= Q(warehouse_id__in=list(warehouse_ids))
    if items is not None:
        scope &= Q(item__in=items.values("pk"))
    if base is not None:
        summaries = base.summaries.filter(scope).order_by()
        for item_id, wh_id, qty, value in summaries.values_list("item_id", "warehouse_id", "qty", "value"):
            totals[(item_id, wh_id)] = [qty, value]
        moves = moves.filter(moved_at__gte=boundary(base.end_date))
    moves = moves.filter(scope)
    for row in (
        moves.values("item_id", "warehouse_id").annotate(qty=Sum("qty"), value=Sum("value")).order_by()
    ):
        total = totals[(row["item_id"], row["warehouse_id"])]
        total[0] += Decimal(row["qty"]).quantize(Decimal("0.0001"))
        total[1] += Decimal(row["value"]).quantize(Decimal("0.01"))
    return {key: (qty, value) for key, (qty, value) in totals.items() if qty or value}
