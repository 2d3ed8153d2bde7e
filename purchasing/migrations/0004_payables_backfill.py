"""Payables for receipts and returns posted before the payables book existed."""

from decimal import Decimal

from django.db import migrations
from django.db.models import F, Sum


def forwards(apps, schema_editor):
    from settlement.backfill import backfill

    Receipt = apps.get_model("purchasing", "PurchaseReceipt")
    Return = apps.get_model("purchasing", "PurchaseReturn")
    receipts = Receipt.objects.filter(status="posted").select_related("order__supplier").order_by("posting_date", "pk")
    returns = Return.objects.filter(status="posted").select_related("receipt__order__supplier").order_by("posting_date", "pk")
    backfill(
        Entry=apps.get_model("purchasing", "PayableEntry"),
        Allocation=apps.get_model("purchasing", "PayableAllocation"),
        party_field="supplier",
        documents=[
            (
                "receipt",
                r.pk,
                r.number,
                r.posting_date,
                r.order.supplier,
                r.lines.aggregate(total=Sum(F("amount") + F("tax")))["total"] or Decimal("0"),
            )
            for r in receipts
        ],
        returns=[
            (
                "return",
                r.pk,
                r.number,
                r.posting_date,
                r.receipt.order.supplier,
                r.amount,
                ("receipt", r.receipt_id),
                r.posted_by_id or r.created_by_id,
            )
            for r in returns
        ],
    )


class Migration(migrations.Migration):
    dependencies = [("purchasing", "0003_payables")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
