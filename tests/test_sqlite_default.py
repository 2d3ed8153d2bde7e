"""The newcomer's default database is SQLite (`make run`): the warehouse's daily work — receipt,
issue, transfer between warehouses, stocktake with approval — runs there through the ORM path,
with the same figures as on PostgreSQL, and leaves a consistent ledger."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLEARED = ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")

DAY = r"""
from decimal import Decimal as D
from django.contrib.auth import get_user_model
from inventory.ledger_check import ledger_differences
from inventory.models import Category, Item, ItemValuation, Location, StockBalance, Unit, Warehouse
from inventory.services import (
    LineInput, count_approve, count_create, count_record, count_start, count_submit,
    document_create, document_post, document_receive, document_set_lines,
)

User = get_user_model()
clerk = User.objects.create_user("clerk", password="x")
boss = User.objects.create_user("boss", password="x")
pcs = Unit.objects.create(code="PCS", name="个")
dairy = Category.objects.create(code="DAIRY", name="乳品", path="乳品")
milk = Item.objects.create(sku="MILK", name="纯牛奶", base_unit=pcs, category=dairy)
sh, hz = Warehouse.objects.create(code="SH", name="上海"), Warehouse.objects.create(code="HZ", name="杭州")
a1 = Location.objects.create(warehouse=sh, code="A-01", path="A-01")
h1 = Location.objects.create(warehouse=hz, code="H-01", path="H-01")

def doc(kind, wh, lines, **kw):
    d = document_create(kind=kind, warehouse=wh, user=clerk, **kw)
    document_set_lines(document=d, lines=lines)
    return document_post(document_id=d.pk, user=clerk)

doc("receipt", sh, [LineInput(milk, a1.pk, pcs.pk, D("30"), unit_cost=D("3.40"))])
doc("receipt", sh, [LineInput(milk, a1.pk, pcs.pk, D("10"), unit_cost=D("3.10"))])
doc("issue", sh, [LineInput(milk, a1.pk, pcs.pk, D("7"))])
t = doc("transfer", sh, [LineInput(milk, a1.pk, pcs.pk, D("12"), to_location_id=h1.pk)], to_warehouse=hz)
assert t.status == "in_transit", t.status
document_receive(document_id=t.pk, user=clerk)

count = count_create(warehouse=sh, user=boss, blind=True)
count = count_start(count_id=count.pk, user=boss)
line = count.lines.get()
count_record(count_id=count.pk, line_id=line.pk, qty=D("20"), user=clerk)
count = count_submit(count_id=count.pk, user=clerk)
if count.status == "submitted":
    count = count_approve(count_id=count.pk, user=boss)

def on_hand(loc):
    return StockBalance.objects.get(item=milk, location=loc).on_hand

# order totals whose float sum is not the decimal one (3281.20 + 318.35 = 3599.5499… as floats)
from purchasing.models import PurchaseOrder, Supplier
from purchasing.services import order_create as po_create
from sales.models import Customer, SalesOrder
from sales.services import order_create as so_create
po = po_create(supplier=Supplier.objects.create(code="S1", name="供应商"), warehouse=sh, user=clerk)
so = so_create(customer=Customer.objects.create(code="C1", name="客户"), warehouse=sh, user=clerk)
for model, pk in ((PurchaseOrder, po.pk), (SalesOrder, so.pk)):
    model.objects.filter(pk=pk).update(total_net=D("3281.20"), total_tax=D("318.35"), total=D("3599.55"))
    assert model.objects.get(pk=pk).total == D("3599.55")

v = ItemValuation.objects.get(item=milk)
print("RESULT", count.status, on_hand(a1), on_hand(h1), v.qty, v.value, ledger_differences())

# every report runs on SQLite with its default filters (the raw SQL of the ageing report included)
from reports.base import REGISTRY
from reports.selectors import Scope, ageing
admin = User.objects.create_superuser("admin", password="x")
for slug, report in sorted(REGISTRY.items()):
    form = report.filter_form({}, user=admin)
    assert form.is_valid(), (slug, form.errors)
    list(report.rows(admin, form.cleaned_data))
print("AGEING", [(r.warehouse_id == sh.pk, r.qty[0]) for r in ageing(Scope(None, None))])
"""


def test_a_day_in_the_warehouse_on_the_default_sqlite_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env["JXC_DATA_DIR"] = str(tmp_path / "data")

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    manage("migrate", "-v0")
    out = manage("shell", "-c", DAY)

    # 40 in at 133.00; 7 out at 133.00 × 7/40 = 23.28 → 33 worth 109.72; 12 to 杭州 (value stays);
    # 上海 counted 20 of 21: a loss of 1 at 109.72 / 33 = 3.32 → 32 worth 106.40
    assert "RESULT posted 20.0000 12.0000 32.0000 106.40 []" in out, out
    # received today: 20 on hand in 上海 and 12 in 杭州, all in the first age bucket (as Decimals)
    assert "AGEING [(True, Decimal('20.0000')), (False, Decimal('12.0000'))]" in out, out
