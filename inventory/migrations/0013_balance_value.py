"""Each stock balance keeps its value — the sum of its moves' values — beside its quantity, kept by
the posting in the same statement (PostgreSQL: jxc_post_moves, replaced here; elsewhere the ORM
path). Today's value of an item in one warehouse is then a sum over balances: the valuation no
longer sums each multi-warehouse key's moves since the last close (issue 8: 1.9–2.4× the raw
GROUP BY over balances). Existing balances are filled from their moves."""

import importlib
from collections import defaultdict
from decimal import Decimal

from django.db import migrations, models
from django.db.models import Sum

_0008 = importlib.import_module("inventory.migrations.0008_posting_function_faster")

# 0008's balance update, and the same with the value: each locked key's net value change is the
# sum of the values of its lines (the key's first line, k.first, names it).
OLD_BALANCES = """    ), balances AS (
        UPDATE inventory_stockbalance b
           SET on_hand = b.on_hand + u.change, last_moved_at = p_moved_at
          FROM unnest(b_id, b_change) AS u(id, change)
         WHERE b.id = u.id
    )"""
NEW_BALANCES = """    ), balances AS (
        UPDATE inventory_stockbalance b
           SET on_hand = b.on_hand + u.change, value = b.value + u.value_change, last_moved_at = p_moved_at
          FROM (SELECT k.id, k.change, sum(x.value) AS value_change
                  FROM unnest(b_id, b_change, b_first) AS k(id, change, first)
                  JOIN unnest(p_item, p_location, p_batch, m_value) AS x(item, location, batch, value)
                    ON x.item = p_item[k.first] AND x.location = p_location[k.first]
                   AND coalesce(x.batch, 0) = coalesce(p_batch[k.first], 0)
                 GROUP BY k.id, k.change) u
         WHERE b.id = u.id
    )"""
assert _0008.FUNCTION.count(OLD_BALANCES) == 1
FUNCTION = _0008.FUNCTION.replace(OLD_BALANCES, NEW_BALANCES).replace(
    "-- (Migration 0008: the Posting row",
    "-- (Migration 0013: each balance's value moves with its quantity.)\n-- (Migration 0008: the Posting row",
)

FILL_PG = """
UPDATE inventory_stockbalance b
   SET value = m.value
  FROM (SELECT item_id, location_id, coalesce(batch_id, 0) AS batch, sum(value) AS value
          FROM inventory_stockmove GROUP BY 1, 2, 3) m
 WHERE b.item_id = m.item_id AND b.location_id = m.location_id AND coalesce(b.batch_id, 0) = m.batch
   AND m.value <> 0
"""


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL_PG, params=None)
        schema_editor.execute(FUNCTION, params=None)
        return
    # SQLite (make run's demo): sums of DECIMAL columns come back as floats there; round to the fen
    StockBalance = apps.get_model("inventory", "StockBalance")
    StockMove = apps.get_model("inventory", "StockMove")
    values = defaultdict(Decimal)
    for r in StockMove.objects.values("item_id", "location_id", "batch_id").annotate(value=Sum("value")):
        values[(r["item_id"], r["location_id"], r["batch_id"])] = Decimal(r["value"]).quantize(
            Decimal("0.01")
        )
    changed = []
    for balance in StockBalance.objects.all():
        balance.value = values.get((balance.item_id, balance.location_id, balance.batch_id), Decimal("0"))
        if balance.value:
            changed.append(balance)
    StockBalance.objects.bulk_update(changed, ["value"], batch_size=500)


def unfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_0008.FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0012_period_summary_by_item")]

    operations = [
        migrations.AddField(
            model_name="stockbalance",
            name="value",
            field=models.DecimalField(
                db_default=Decimal("0"),
                decimal_places=2,
                default=Decimal("0"),
                max_digits=18,
                verbose_name="value",
            ),
        ),
        migrations.RunPython(fill, unfill, elidable=False),
    ]
