"""The invariants of DESIGN.md §2, checked on a live database (read-only):

- every balance's on_hand and value equal the sums of its moves' quantities and values (and no
  moves lack a balance)
- every item's valuation quantity and value equal the sums of its moves
- every balance's reserved equals the sum of its reservations
- every item's hash chain is unbroken: seq runs 1..n, each hash recomputes from the previous
  one and the move's content, and the chain head on the valuation is the last hash
"""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F, Sum

from .models import ItemValuation, PeriodClose, StockBalance, StockMove
from .services.posting import move_hash

ZERO = Decimal("0")


# SQLite adds DECIMAL columns up as floats (29.999999999 for 30): bring the sums back to the scale
# the columns store. Exact on PostgreSQL, where they already are.
def _qty(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.0001"))


def _money(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


# Checks of other apps' books that hang off the ledger (money owed), registered when they are ready.
_EXTRA_CHECKS: list = []


def register(check) -> None:
    """Add a check (a function returning a list of differences) to ledger_differences."""
    if check not in _EXTRA_CHECKS:
        _EXTRA_CHECKS.append(check)


def ledger_differences() -> list[str]:
    problems: list[str] = []
    problems += _moves_in_their_locations_warehouse()
    problems += _balances_against_moves()
    problems += _valuations_against_moves()
    problems += _hash_chains()
    problems += _period_summaries()
    problems += _period_consumption()
    problems += _reservations_against_balances()
    for check in _EXTRA_CHECKS:
        problems += check()
    return problems


def _reservations_against_balances() -> list[str]:
    """Every balance's reserved equals the sum of its reservations."""
    from .models import Reservation

    held = defaultdict(Decimal)
    for balance_id, qty in Reservation.objects.values_list("balance_id", "qty"):
        held[balance_id] += qty
    problems = []
    for b in StockBalance.objects.exclude(reserved=0) | StockBalance.objects.filter(pk__in=list(held)):
        if _qty(b.reserved) != _qty(held.get(b.pk, ZERO)):
            problems.append(
                f"item {b.item_id} location {b.location_id} batch {b.batch_id or '-'}: reserved {b.reserved} "
                f"!= reservations {held.get(b.pk, ZERO)}"
            )
    return problems


def _period_summaries() -> list[str]:
    """Each closed month's summaries equal the sums of all moves before the month's end."""
    from .services.periods import boundary

    problems = []
    for period in PeriodClose.objects.order_by("end_date"):
        stored = {(s.item_id, s.warehouse_id): (s.qty, s.value) for s in period.summaries.all()}
        rows = (
            StockMove.objects.filter(moved_at__lt=boundary(period.end_date))
            .values("item_id", "warehouse_id")
            .annotate(qty=Sum("qty"), value=Sum("value"))
            .order_by()
        )
        moved = (((r["item_id"], r["warehouse_id"]), (_qty(r["qty"]), _money(r["value"]))) for r in rows)
        # a key whose moves sum to nothing needs no summary row
        problems += _compare(period, "summary", stored, moved, absent=(ZERO, ZERO))
    return problems


def _period_consumption() -> list[str]:
    """Each closed month's stored consumption equals what its consumption moves sum to, a row for
    every item × warehouse that had such moves in the month and for no other."""
    from .models import PeriodConsumption
    from .services.periods import boundary, consumption_q

    problems = []
    for period in PeriodClose.objects.order_by("end_date"):
        stored = {
            (c.item_id, c.warehouse_id): (c.qty, c.value)
            for c in PeriodConsumption.objects.filter(period=period)
        }
        start = date(period.year, period.month, 1) - timedelta(days=1)  # the day before the month
        rows = (
            StockMove.objects.filter(
                consumption_q(), moved_at__gte=boundary(start), moved_at__lt=boundary(period.end_date)
            )
            .values("item_id", "warehouse_id")
            .annotate(qty=Sum("qty"), value=Sum("value"))
            .order_by()
        )
        moved = (((r["item_id"], r["warehouse_id"]), (_qty(-r["qty"]), _money(-r["value"]))) for r in rows)
        # every key with consumption moves has its row, even when they net to nothing
        problems += _compare(period, "consumption", stored, moved, absent=None)
    return problems


def _compare(period, what: str, stored: dict, moved, *, absent) -> list[str]:
    """A closed month's stored (qty, value) per (item, warehouse) against the moves' sums, given
    as (key, (qty, value)) pairs: a key whose stored figures differ (`absent` standing for a
    missing row), and a stored row without moves, is a difference. `stored` is consumed."""
    problems = []
    for key, figures in moved:
        if stored.pop(key, absent) != figures:
            problems.append(
                f"{period}: item {key[0]} warehouse {key[1]}: {what} != moves {figures[0]} / {figures[1]}"
            )
    for key, (qty, value) in stored.items():
        problems.append(f"{period}: item {key[0]} warehouse {key[1]}: {what} {qty} / {value} but no moves")
    return problems


def _moves_in_their_locations_warehouse() -> list[str]:
    wrong = StockMove.objects.exclude(warehouse_id=F("location__warehouse_id")).values_list(
        "item_id", "seq", "warehouse_id", "location_id"
    )[:1000]
    return [
        f"item {item}: move #{seq} says warehouse {wh} but its location {loc} is in another warehouse"
        for item, seq, wh, loc in wrong
    ]


def _balances_against_moves() -> list[str]:
    """Every balance's on_hand and value equal the sums of its moves' quantities and values."""
    moved = {
        (r["item_id"], r["location_id"], r["batch_id"]): (_qty(r["qty"]), _money(r["value"]))
        for r in StockMove.objects.values("item_id", "location_id", "batch_id").annotate(
            qty=Sum("qty"), value=Sum("value")
        )
    }
    problems = []
    seen = set()
    for b in StockBalance.objects.values("item_id", "location_id", "batch_id", "on_hand", "value").iterator():
        key = (b["item_id"], b["location_id"], b["batch_id"])
        seen.add(key)
        qty, value = moved.get(key, (ZERO, ZERO))
        where = f"balance item={key[0]} location={key[1]} batch={key[2]}"
        if qty != b["on_hand"]:
            problems.append(f"{where}: on_hand {b['on_hand']} != sum of moves {qty}")
        if value != b["value"]:
            problems.append(f"{where}: value {b['value']} != sum of move values {value}")
    for key, (qty, value) in moved.items():
        if key not in seen:
            problems.append(
                f"moves item={key[0]} location={key[1]} batch={key[2]} sum to {qty} / {value} but no balance row"
            )
    return problems


def _valuations_against_moves() -> list[str]:
    sums = {
        r["item_id"]: (_qty(r["qty"]), _money(r["value"]))
        for r in StockMove.objects.values("item_id").annotate(qty=Sum("qty"), value=Sum("value"))
    }
    problems = []
    for v in ItemValuation.objects.values("item_id", "qty", "value").iterator():
        qty, value = sums.pop(v["item_id"], (ZERO, ZERO))
        if v["qty"] != qty:
            problems.append(f"item {v['item_id']}: valuation quantity {v['qty']} != sum of moves {qty}")
        if v["value"] != value:
            problems.append(
                f"item {v['item_id']}: valuation value {v['value']} != sum of move values {value}"
            )
    for item_id, (qty, value) in sums.items():
        problems.append(f"item {item_id}: moves sum to {qty} / {value} but there is no valuation row")
    return problems


def _hash_chains() -> list[str]:
    heads = {
        v.item_id: (v.chain_seq, v.chain_head)
        for v in ItemValuation.objects.only("item_id", "chain_seq", "chain_head")
    }
    problems = []
    state: dict[int, tuple[int, str]] = defaultdict(lambda: (0, ""))
    broken: set[int] = set()
    for move in StockMove.objects.order_by("item_id", "seq").iterator(chunk_size=5000):
        seq, prev = state[move.item_id]
        if move.item_id in broken:
            continue
        if move.seq != seq + 1:
            problems.append(f"item {move.item_id}: move #{seq + 1} is missing (next is #{move.seq})")
            broken.add(move.item_id)
            continue
        if move_hash(prev, move) != move.hash:
            problems.append(
                f"item {move.item_id}: move #{move.seq} (id {move.pk}) does not match its hash: "
                "it was altered after posting"
            )
            broken.add(move.item_id)
            continue
        state[move.item_id] = (move.seq, move.hash)
    for item_id, (seq, head) in heads.items():
        if item_id in broken:
            continue
        last_seq, last_hash = state[item_id]
        if (last_seq, last_hash) != (seq, head):
            problems.append(
                f"item {item_id}: the chain ends at move #{last_seq} but the valuation records "
                f"#{seq}: moves were removed"
            )
    return problems
