"""The baseline page of bench/list_bench.py: the same rows as the stock-on-hand page
(inventory:stock_on_hand, for a user who sees every warehouse: balances with stock, the same
joins, the same order, a page of 50 — by OFFSET with ?page=N, or, as the list pages now, by keyset
with ?after=<the list's cursor>: the rows after the one whose sort key it holds) from one raw SQL
statement, written out as a bare HTML table. It runs in the same app, behind the same middleware
(session, authentication, CSRF, locale, history, axes) and login check."""

import base64
import json

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.utils.html import escape

PAGE_SIZE = 50

RAW_PAGE = """
SELECT i.sku, i.name, w.name, l.path, bt.batch_no, bt.expiry_date, b.on_hand, b.reserved,
       b.on_hand - b.reserved, u.code, v.avg_cost, round(b.on_hand * v.avg_cost, 2),
       b.item_id, b.warehouse_id, b.location_id, b.batch_id
  FROM inventory_stockbalance b
  JOIN inventory_item i ON i.id = b.item_id
  JOIN inventory_unit u ON u.id = i.base_unit_id
  JOIN inventory_warehouse w ON w.id = b.warehouse_id
  JOIN inventory_location l ON l.id = b.location_id
  LEFT JOIN inventory_batch bt ON bt.id = b.batch_id
  LEFT JOIN inventory_itemvaluation v ON v.item_id = b.item_id
 WHERE NOT (b.on_hand = 0 AND b.reserved = 0){after}
 ORDER BY i.sku, w.code, l.path, bt.batch_no, b.id
 LIMIT %s OFFSET %s
"""
# The rows after (sku, code, path, batch_no, id) in that order (batch_no NULLS LAST, as ORDER BY
# sorts it); the leading range lets PostgreSQL start its walk of the SKU index there.
AFTER = """
   AND i.sku >= %s
   AND ((i.sku, w.code, l.path) > (%s, %s, %s)
        OR ((i.sku, w.code, l.path) = (%s, %s, %s) AND {batch}))"""
AFTER_BATCH = "(bt.batch_no > %s OR bt.batch_no IS NULL OR (bt.batch_no = %s AND b.id > %s))"
AFTER_NO_BATCH = "(bt.batch_no IS NULL AND b.id > %s)"


def _after(request) -> tuple[str, list]:
    """The list's ?after= cursor (base64 of a JSON list: sku, warehouse code, location path,
    batch no or null, balance id) as SQL; no cursor: nothing."""
    token = request.GET.get("after", "")
    if not token:
        return "", []
    sku, code, path, batch_no, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    key = [sku, code, path]
    if batch_no is None:
        return AFTER.format(batch=AFTER_NO_BATCH), [sku, *key, *key, pk]
    return AFTER.format(batch=AFTER_BATCH), [sku, *key, *key, batch_no, batch_no, pk]


def _page(request) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


@login_required
def raw_stock_view(request):
    page = _page(request)
    after, params = _after(request)
    with connection.cursor() as cur:
        cur.execute(RAW_PAGE.format(after=after), [*params, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE])
        rows = cur.fetchall()
    has_next = len(rows) > PAGE_SIZE
    out = ["<!doctype html><html><body><table>"]
    for r in rows[:PAGE_SIZE]:
        why = f"/inventory/stock/card/{r[12]}/?warehouse={r[13]}&amp;location={r[14]}"
        cells = (f"{r[0]} {r[1]}", *r[2:12])
        out.append(
            "<tr>"
            + "".join(f"<td>{escape('—' if c is None else c)}</td>" for c in cells)
            + f'<td><a href="{why}">?</a></td></tr>'
        )
    out.append("</table>")
    if has_next:
        out.append(f'<a href="?page={page + 1}">next</a>')
    out.append("</body></html>")
    return HttpResponse("".join(out))
