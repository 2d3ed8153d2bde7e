"""PostgreSQL: a faster jxc_post_moves (migration 0007), with the same results to the fen, the
hash character and the message: the Posting row is a plain INSERT (its unique violation goes back
to Python, which words it as the ORM path does: inventory/services/posting_pg.py) instead of
INSERT … ON CONFLICT DO NOTHING, which probes every unique index before inserting and takes a
speculative-insertion lock. Other databases get nothing here; the reverse restores 0007's
function."""

import importlib

from django.db import migrations

FUNCTION = r"""
-- jxc_post_moves: post_moves() on PostgreSQL in one round trip (inventory/services/posting_pg.py).
--
-- The steps of the ORM path of inventory/services/posting.py, with the same locks in the same order
-- and the same results: period interlock, the Posting row, validation, valuations (created when
-- missing, then locked in item order), balances (inbound keys created when missing, then every key
-- locked in key order), availability, moves costed and hashed line by line, balances and
-- valuations updated. Five statements when the valuation and balance rows exist already.
--
-- (Migration 0008: the Posting row is a plain INSERT, no longer INSERT … ON CONFLICT DO NOTHING.)
-- A document posted before (or a posting reversed before) raises the Posting row's unique
-- violation (SQLSTATE 23505 on inventory_posting), which Python words as the ORM path does.
-- A refusal raises SQLSTATE JX001 (nothing is written: the statement, or the caller's savepoint,
-- is rolled back); its MESSAGE says which and DETAIL carries the data Python needs to word it:
--   closed     DETAIL = the last closed day (YYYY-MM-DD)
--   posted     no Posting row was written (no user)
--   reversed   p_reverses has been reversed already
--   invalid    DETAIL = "<code>:<line>" (1 unknown item, 2 unknown location, 3 not tracked by
--              batch, 4 tracked by batch without one, 5 batch of another item); line counts from 1
--   short      DETAIL = JSON [[first line index (0-based) of the key, available or null], …] for
--              every key whose lines net to an outbound quantity
-- Messages are worded (and translated) in Python, never here.
CREATE OR REPLACE FUNCTION jxc_post_moves(
    p_lock_key bigint,
    p_day date,
    p_doc_type text,
    p_doc_id bigint,
    p_doc_number text,
    p_posted_at timestamptz,
    p_posted_by bigint,
    p_reverses bigint,
    p_moved_at timestamptz,
    p_item bigint[],
    p_location bigint[],
    p_batch bigint[],
    p_qty numeric[],
    p_unit_cost numeric[],
    p_value numeric[],
    p_mirror integer[],
    p_line_ref bigint[]
) RETURNS bigint
LANGUAGE plpgsql
VOLATILE
-- The statements below are planned once per connection: custom plans, which the plan cache
-- otherwise keeps choosing for these array parameters, cost half of a one-line posting.
SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
    n_lines integer := cardinality(p_item);
    v_closed date;
    v_posting bigint;
    v_wh bigint[];
    v_code integer[];
    v_valuations_exist boolean;
    v_balances_exist boolean;
    v_n_keys bigint;
    -- the balances locked, in key order, with their lines' net change and first line (1-based)
    b_id bigint[];
    b_available numeric[];
    b_change numeric[];
    b_first bigint[];
    v_short boolean;
    v_short_detail text;
    -- valuations, in item order
    v_items bigint[];
    v_vqty numeric[];
    v_vvalue numeric[];
    v_vavg numeric[];
    v_vseq bigint[];
    v_vhead text[];
    -- the moves, in line order
    m_cost numeric[] := '{}';
    m_value numeric[] := '{}';
    m_seq bigint[] := '{}';
    m_hash text[] := '{}';
    i integer;
    k integer;
    q numeric;
    vq numeric;
    vv numeric;
    val numeric;
    cost numeric;
    v_moved text := to_char(p_moved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US');
BEGIN
    -- 0. The period close interlock (periods.check_open): the advisory lock shared, first; the last
    --    closed day is read by the next statement, whose snapshot sees a close we waited for.
    PERFORM pg_advisory_xact_lock_shared(p_lock_key);

    -- 1. In one statement: the last closed day; the Posting row (unless the day is closed), unique
    --    per document and one reversal per posting (a conflicting row of a transaction still
    --    running is waited for, as the ORM's INSERT waits; a conflict raises the unique
    --    violation, as the ORM's INSERT does); validation (_validate_references: a
    --    code per line, checks in the same order); each line's warehouse; whether the valuation
    --    and inbound balance rows exist already. Every lookup is by primary or unique key.
    WITH period AS (
        SELECT max(end_date) AS closed FROM inventory_periodclose
    ), posting AS (
        INSERT INTO inventory_posting (doc_type, doc_id, doc_number, posted_at, posted_by_id, reverses_id)
        SELECT p_doc_type, p_doc_id, p_doc_number, p_posted_at, p_posted_by, p_reverses
          FROM period
         WHERE p_posted_by IS NOT NULL AND (period.closed IS NULL OR p_day > period.closed)
        RETURNING id
    ), line AS MATERIALIZED (  -- once, not once per use of a column below
        SELECT l.n, l.item, l.location, l.batch, l.qty,
               (SELECT it.tracking FROM inventory_item it WHERE it.id = l.item) AS tracking,
               (SELECT loc.warehouse_id FROM inventory_location loc WHERE loc.id = l.location) AS warehouse,
               (SELECT b.item_id FROM inventory_batch b WHERE b.id = l.batch) AS batch_item,
               -- (scalar subqueries, one index probe each: an EXISTS may be planned as a hashed
               -- subplan that reads the whole table)
               (SELECT 1 FROM inventory_itemvaluation v WHERE v.item_id = l.item) IS NOT NULL AS valued,
               l.qty <= 0 OR CASE WHEN l.batch IS NULL
                   THEN (SELECT 1 FROM inventory_stockbalance s
                          WHERE s.item_id = l.item AND s.location_id = l.location AND s.batch_id IS NULL)
                   ELSE (SELECT 1 FROM inventory_stockbalance s
                          WHERE s.item_id = l.item AND s.location_id = l.location AND s.batch_id = l.batch)
               END IS NOT NULL AS balanced
          FROM unnest(p_item, p_location, p_batch, p_qty) WITH ORDINALITY AS l(item, location, batch, qty, n)
    )
    -- (Aggregates read the materialized lines in line order, and the locked rows below in key
    -- order, as their subqueries deliver them: no sort per aggregate.)
    SELECT (SELECT period.closed FROM period),
           (SELECT id FROM posting),
           array_agg(line.warehouse),
           array_agg(CASE WHEN line.tracking IS NULL THEN 1
                          WHEN line.warehouse IS NULL THEN 2
                          WHEN line.tracking = 'none' AND line.batch IS NOT NULL THEN 3
                          WHEN line.tracking <> 'none' AND line.batch IS NULL THEN 4
                          WHEN line.batch IS NOT NULL AND line.batch_item IS DISTINCT FROM line.item THEN 5
                     END),
           bool_and(line.valued),
           bool_and(line.balanced),
           (SELECT count(*) FROM (SELECT DISTINCT line.item, line.location, line.batch FROM line) d)
      INTO v_closed, v_posting, v_wh, v_code, v_valuations_exist, v_balances_exist, v_n_keys
      FROM line;
    IF v_closed IS NOT NULL AND p_day <= v_closed THEN
        RAISE EXCEPTION 'closed' USING ERRCODE = 'JX001', DETAIL = to_char(v_closed, 'YYYY-MM-DD');
    END IF;
    IF v_posting IS NULL THEN
        IF p_reverses IS NOT NULL AND EXISTS (SELECT 1 FROM inventory_posting WHERE reverses_id = p_reverses) THEN
            RAISE EXCEPTION 'reversed' USING ERRCODE = 'JX001';
        END IF;
        RAISE EXCEPTION 'posted' USING ERRCODE = 'JX001';
    END IF;
    IF cardinality(array_remove(v_code, NULL)) > 0 THEN  -- the first bad line
        FOR i IN 1 .. n_lines LOOP
            IF v_code[i] IS NOT NULL THEN
                RAISE EXCEPTION 'invalid' USING ERRCODE = 'JX001', DETAIL = v_code[i] || ':' || i;
            END IF;
        END LOOP;
    END IF;

    -- 2. Valuations: create the missing ones (in item order), then lock them all in item order.
    --    (Rows are never deleted: when all existed above, the INSERT would do nothing.)
    IF NOT v_valuations_exist THEN
        INSERT INTO inventory_itemvaluation (item_id, qty, value, avg_cost, chain_seq, chain_head)
        SELECT DISTINCT u.item, 0, 0, 0, 0, '' FROM unnest(p_item) AS u(item) ORDER BY u.item
        ON CONFLICT DO NOTHING;
    END IF;
    SELECT array_agg(v.item_id), array_agg(v.qty), array_agg(v.value), array_agg(v.avg_cost),
           array_agg(v.chain_seq), array_agg(v.chain_head)
      INTO v_items, v_vqty, v_vvalue, v_vavg, v_vseq, v_vhead
      FROM (SELECT * FROM inventory_itemvaluation
             WHERE item_id = ANY (p_item)
             ORDER BY item_id
               FOR UPDATE) v;

    -- 3. Balances: create the missing inbound keys (in key order), then lock every key in key order.
    IF NOT v_balances_exist THEN
        INSERT INTO inventory_stockbalance (item_id, warehouse_id, location_id, batch_id, on_hand, reserved, last_moved_at)
        SELECT s.item, s.warehouse, s.location, s.batch, 0, 0, NULL
          FROM (SELECT DISTINCT u.item, u.warehouse, u.location, u.batch
                  FROM unnest(p_item, v_wh, p_location, p_batch, p_qty) AS u(item, warehouse, location, batch, qty)
                 WHERE u.qty > 0) s
         ORDER BY s.item, s.location, coalesce(s.batch, 0)
        ON CONFLICT DO NOTHING;
    END IF;
    -- Each locked row comes with its key's net change and first line (1-based); the rows are
    -- sorted, then locked one by one in that order.
    SELECT array_agg(s.id), array_agg(s.available), array_agg(s.change), array_agg(s.first),
           coalesce(bool_or(s.available + s.change < 0), false)
      INTO b_id, b_available, b_change, b_first, v_short
      FROM (SELECT b.id, b.on_hand - b.reserved AS available, k.change, k.first
              FROM inventory_stockbalance b
              JOIN (SELECT u.item, u.location, u.batch, sum(u.qty) AS change, min(u.n) AS first
                      FROM unnest(p_item, p_location, p_batch, p_qty) WITH ORDINALITY AS u(item, location, batch, qty, n)
                     GROUP BY u.item, u.location, u.batch) k
                ON b.item_id = k.item AND b.location_id = k.location AND coalesce(b.batch_id, 0) = coalesce(k.batch, 0)
             ORDER BY b.item_id, b.location_id, b.batch_id
               FOR UPDATE OF b) s;

    -- 4. Availability (_check_availability): an outbound key without a balance row has nothing
    --    available; every key that nets to an outbound quantity goes back to Python when any of
    --    them lacks stock.
    IF coalesce(cardinality(b_id), 0) < v_n_keys THEN
        IF EXISTS (SELECT 1
                     FROM unnest(p_item, p_location, p_batch, p_qty) AS u(item, location, batch, qty)
                    WHERE u.qty > 0
                      AND NOT EXISTS (SELECT 1 FROM inventory_stockbalance b
                                       WHERE b.item_id = u.item AND b.location_id = u.location
                                         AND coalesce(b.batch_id, 0) = coalesce(u.batch, 0))) THEN
            -- created or seen above, yet not there: a row deleted behind our back
            RAISE EXCEPTION 'a stock balance row disappeared; try again' USING ERRCODE = 'serialization_failure';
        END IF;
        v_short := true;
    END IF;
    IF v_short THEN
        SELECT '[' || string_agg(json_build_array(k.first - 1, b.on_hand - b.reserved)::text, ',') || ']'
          INTO v_short_detail
          FROM (SELECT u.item, u.location, u.batch, sum(u.qty) AS change, min(u.n) AS first
                  FROM unnest(p_item, p_location, p_batch, p_qty) WITH ORDINALITY AS u(item, location, batch, qty, n)
                 GROUP BY u.item, u.location, u.batch) k
          LEFT JOIN inventory_stockbalance b
                 ON b.item_id = k.item AND b.location_id = k.location AND coalesce(b.batch_id, 0) = coalesce(k.batch, 0)
         WHERE k.change < 0;
        RAISE EXCEPTION 'short' USING ERRCODE = 'JX001', DETAIL = v_short_detail;
    END IF;

    -- 5. The moves (_build_moves): moving average, values to the fen rounded half up (PostgreSQL's
    --    round() of numeric rounds half away from zero, as ROUND_HALF_UP does), divisions carried to
    --    40 places before rounding so that they round as the exact quotient does.
    FOR i IN 1 .. n_lines LOOP
        k := array_position(v_items, p_item[i]);
        IF k IS NULL THEN  -- created or seen above, yet not locked: a row deleted behind our back
            RAISE EXCEPTION 'an item valuation row disappeared; try again' USING ERRCODE = 'serialization_failure';
        END IF;
        q := p_qty[i];
        vq := v_vqty[k];
        vv := v_vvalue[k];
        IF p_value[i] IS NOT NULL AND q < 0 AND -q = vq THEN
            val := -vv;
        ELSIF p_value[i] IS NOT NULL AND q < 0 THEN
            val := greatest(round(p_value[i], 2), -vv);
        ELSIF p_value[i] IS NOT NULL THEN
            val := round(p_value[i], 2);
        ELSIF p_mirror[i] IS NOT NULL THEN
            val := -m_value[p_mirror[i] + 1];
        ELSIF q > 0 AND p_unit_cost[i] IS NOT NULL THEN
            val := round(q * p_unit_cost[i], 2);
        ELSIF q < 0 AND -q = vq THEN
            val := -vv;
        ELSIF vq > 0 THEN
            val := round(round(vv * q, 40) / vq, 2);
        ELSE
            val := round(q * v_vavg[k], 2);
        END IF;
        IF p_unit_cost[i] IS NOT NULL AND q > 0 THEN
            cost := round(p_unit_cost[i], 6);
        ELSE
            cost := round(abs(round(val, 40) / q), 6);
        END IF;
        vq := vq + q;
        vv := vv + val;
        v_vqty[k] := vq;
        v_vvalue[k] := vv;
        IF vq > 0 THEN
            v_vavg[k] := round(round(vv, 40) / vq, 6);
        END IF;
        v_vseq[k] := v_vseq[k] + 1;
        -- move_hash(): the previous hash and the move's content, formatted as Python formats them
        v_vhead[k] := encode(sha256(convert_to(
            v_vhead[k] || '|' || v_vseq[k] || '|' || p_item[i] || '|' || v_wh[i] || '|' || p_location[i]
            || '|' || coalesce(nullif(p_batch[i], 0)::text, '')
            || '|' || round(q, 4) || '|' || round(cost, 6) || '|' || round(val, 2)
            || '|' || v_posting || '|' || coalesce(nullif(p_line_ref[i], 0)::text, '') || '|' || v_moved,
            'UTF8')), 'hex');
        m_cost[i] := cost;
        m_value[i] := val;
        m_seq[i] := v_vseq[k];
        m_hash[i] := v_vhead[k];
    END LOOP;

    -- 6. One statement writes the moves (in line order), the balances and the valuations.
    WITH moves AS (
        INSERT INTO inventory_stockmove (posting_id, item_id, warehouse_id, location_id, batch_id, qty,
                                         unit_cost, value, line_ref, moved_at, seq, hash)
        SELECT v_posting, m.item, m.warehouse, m.location, m.batch, m.qty, m.cost, m.value, m.ref,
               p_moved_at, m.seq, m.hash
          FROM unnest(p_item, v_wh, p_location, p_batch, p_qty, m_cost, m_value, p_line_ref, m_seq, m_hash)
               WITH ORDINALITY AS m(item, warehouse, location, batch, qty, cost, value, ref, seq, hash, n)
         ORDER BY m.n
    ), balances AS (
        UPDATE inventory_stockbalance b
           SET on_hand = b.on_hand + u.change, last_moved_at = p_moved_at
          FROM unnest(b_id, b_change) AS u(id, change)
         WHERE b.id = u.id
    )
    UPDATE inventory_itemvaluation v
       SET qty = u.qty, value = u.value, avg_cost = u.avg_cost, chain_seq = u.seq, chain_head = u.head
      FROM unnest(v_items, v_vqty, v_vvalue, v_vavg, v_vseq, v_vhead) AS u(item, qty, value, avg_cost, seq, head)
     WHERE v.item_id = u.item;

    RETURN v_posting;
END;
$fn$;
"""


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        previous = importlib.import_module("inventory.migrations.0007_posting_function")
        schema_editor.execute(previous.FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0007_posting_function")]
    operations = [migrations.RunPython(up, down, elidable=False)]
