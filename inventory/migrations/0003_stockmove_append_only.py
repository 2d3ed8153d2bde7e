"""Posted stock moves are never updated or deleted: the database refuses it, whoever asks.

(A superuser can still disable the trigger; check_ledger's hash chain catches what happens then.)"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION jxc_stockmove_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'stock moves are append-only: post a reversing document instead'
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER stockmove_append_only BEFORE UPDATE OR DELETE ON inventory_stockmove
    FOR EACH ROW EXECUTE FUNCTION jxc_stockmove_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS stockmove_append_only ON inventory_stockmove;
DROP FUNCTION IF EXISTS jxc_stockmove_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER stockmove_no_update BEFORE UPDATE ON inventory_stockmove
       BEGIN SELECT RAISE(ABORT, 'stock moves are append-only: post a reversing document instead'); END;""",
    """CREATE TRIGGER stockmove_no_delete BEFORE DELETE ON inventory_stockmove
       BEGIN SELECT RAISE(ABORT, 'stock moves are append-only: post a reversing document instead'); END;""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS stockmove_no_update;", "DROP TRIGGER IF EXISTS stockmove_no_delete;"]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":
        for sql in SQLITE_UP:
            schema_editor.execute(sql)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0002_stock_ledger")]
    operations = [migrations.RunPython(up, down)]
