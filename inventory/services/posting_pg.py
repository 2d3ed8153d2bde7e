"""post_moves() on PostgreSQL in one round trip: the PL/pgSQL function jxc_post_moves (migrations
0007 and 0008) does every step of the ORM path in inventory/services/posting.py — period interlock, the
Posting row, validation, creating and locking valuations then balances in the same fixed order,
availability, costing, the hash chain, the moves, balances and valuations — in one statement.

Called outside any transaction, that statement is its own transaction (one round trip); inside
one, it runs in a savepoint, as the ORM path's atomic block does. A refusal raises SQLSTATE JX001
in the function, which rolls back whatever it wrote, and so does the unique violation of the
Posting row of a document posted (or a posting reversed) before; this module turns either into the
same exception with the same (translated) message as the ORM path. The costing rules are the ORM path's; the
property test tests/inventory/test_posting_fastpath.py holds the two paths to identical moves,
hashes, balances, valuations and errors.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import psycopg
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import AlreadyPosted, InsufficientStock, InventoryError
from ..models import Posting
from .periods import LOCK_KEY, PeriodClosed

REFUSED = "JX001"  # the SQLSTATE of a refusal raised by jxc_post_moves
UNIQUE_VIOLATION = "23505"  # of the Posting row: the document (or the reversal) was posted before
CALL = (
    "SELECT jxc_post_moves(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::bigint[], %s::bigint[], %s::bigint[], "
    "%s::numeric[], %s::numeric[], %s::numeric[], %s::integer[], %s::bigint[])"
)


def post_moves_pg(
    *,
    doc_type: str,
    doc_id: int,
    doc_number: str,
    lines: Sequence,
    user,
    moved_at: datetime,
    reverses: Posting | None,
) -> Posting:
    """The lines are already checked (posting._checked) and moved_at is aware."""
    posted_at = timezone.now()
    local_day = timezone.localdate(moved_at)
    params = [
        LOCK_KEY,
        local_day,
        doc_type,
        doc_id,
        doc_number,
        posted_at,
        None if user is None else user.pk,
        None if reverses is None else reverses.pk,
        moved_at,
        _array([line.item_id for line in lines]),
        _array([line.location_id for line in lines]),
        _array([line.batch_id for line in lines]),
        _array([Decimal(line.qty) for line in lines]),
        _array([None if line.unit_cost is None else Decimal(line.unit_cost) for line in lines]),
        _array([None if line.value is None else Decimal(line.value) for line in lines]),
        _array([line.mirror_of for line in lines]),
        _array([line.line_ref for line in lines]),
    ]
    try:
        if connection.get_autocommit() and not connection.in_atomic_block:
            posting_id = _call(params)  # one statement: its own transaction
        else:
            with transaction.atomic():  # a savepoint, as the ORM path's atomic block
                posting_id = _call(params)
    except DatabaseError as exc:
        refusal = _refusal(exc, lines=lines, doc_number=doc_number, reverses=reverses, local_day=local_day)
        if refusal is None:
            raise
        raise refusal from None
    posting = Posting(
        pk=posting_id,
        doc_type=doc_type,
        doc_id=doc_id,
        doc_number=doc_number,
        posted_at=posted_at,
        posted_by=user,
        reverses=reverses,
    )
    posting._state.adding = False
    posting._state.db = connection.alias
    return posting


def _array(values: list) -> str | list:
    """The array's text literal when every element is None, a bigint-sized int or a finite
    Decimal of sane exponent (the usual case): the server parses it to the same values psycopg's list dumper sends, and
    writing it here costs a tenth of psycopg's adaptation of a list (its element type looked up
    per list, per call). Anything else goes to psycopg as the list, as before."""
    out = []
    for value in values:
        kind = type(value)
        if value is None:
            out.append("NULL")
        elif (kind is int and -BIGINT <= value < BIGINT) or (
            kind is Decimal and value.is_finite() and -1000 < value.adjusted() < 1000
        ):
            out.append(str(value))
        else:
            return values
    return "{" + ",".join(out) + "}"


class _PreparedCursor(psycopg.Cursor):
    """Binds parameters on the server and prepares the statement on first use: the call is the
    same statement every time. (Django's cursors bind on the client and never prepare.)"""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


def _call(params) -> int:
    connection.ensure_connection()
    raw = _PreparedCursor(connection.connection)
    # Django's wrappers: database errors as django.db errors, the query log, execute_wrapper()s
    cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with cursor:
        cursor.execute(CALL, params)
        return cursor.fetchone()[0]


def _refusal(exc: DatabaseError, *, lines, doc_number, reverses, local_day) -> InventoryError | None:
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate == UNIQUE_VIOLATION and cause.diag.table_name == Posting._meta.db_table:
        # The ORM path's answer to the IntegrityError of its Posting INSERT (read after the
        # function's statement, or savepoint, has been rolled back).
        if reverses is not None and Posting.objects.filter(reverses=reverses).exists():
            return AlreadyPosted(_("%(number)s has already been reversed.") % {"number": reverses.doc_number})
        return AlreadyPosted(_("%(number)s has already been posted.") % {"number": doc_number})
    if sqlstate != REFUSED:
        return None
    kind, detail = cause.diag.message_primary, cause.diag.message_detail
    if kind == "closed":
        return PeriodClosed(
            _("The books are closed through %(date)s: nothing can be posted on %(day)s.")
            % {"date": detail, "day": local_day.isoformat()}
        )
    if kind == "reversed":
        return AlreadyPosted(_("%(number)s has already been reversed.") % {"number": reverses.doc_number})
    if kind == "posted":
        return AlreadyPosted(_("%(number)s has already been posted.") % {"number": doc_number})
    from .posting import _reference_error, _shortage

    if kind == "invalid":
        code, n = detail.split(":")
        return _reference_error(int(code), int(n))
    if kind == "short":
        available = {
            lines[first].key: ZERO if avail is None else Decimal(avail)
            for first, avail in json.loads(detail, parse_float=Decimal)
        }
        # The ORM path's _check_availability, on the available quantities the function read.
        net: dict[tuple, Decimal] = defaultdict(Decimal)
        for line in lines:
            net[line.key] += line.qty
        short = [
            (key, -change, available[key])
            for key, change in net.items()
            if change < 0 and available[key] + change < 0
        ]
        return InsufficientStock([_shortage(key, wanted, avail) for key, wanted, avail in short])
    return None


ZERO = Decimal("0")
BIGINT = 2**63
