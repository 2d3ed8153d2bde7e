"""Receivables for shipments and customer returns posted before the receivables book existed."""

from decimal import Decimal

from django.db import migrations
from django.db.models import F, Sum


def forwards(apps, schema_editor):
    from settlement.backfill import backfill

    Shipment = apps.get_model("sales", "Shipment")
    Return = apps.get_model("sales", "CustomerReturn")
    shipments = Shipment.objects.filter(status="posted").select_related("order__customer").order_by("posting_date", "pk")
    returns = Return.objects.filter(status="posted").select_related("shipment__order__customer").order_by("posting_date", "pk")
    backfill(
        Entry=apps.get_model("sales", "ReceivableEntry"),
        Allocation=apps.get_model("sales", "ReceivableAllocation"),
        party_field="customer",
        documents=[
            (
                "shipment",
                s.pk,
                s.number,
                s.posting_date,
                s.order.customer,
                s.lines.aggregate(total=Sum(F("amount") + F("tax")))["total"] or Decimal("0"),
            )
            for s in shipments
        ],
        returns=[
            (
                "return",
                r.pk,
                r.number,
                r.posting_date,
                r.shipment.order.customer,
                r.amount,
                ("shipment", r.shipment_id),
                r.posted_by_id or r.created_by_id,
            )
            for r in returns
        ],
    )


class Migration(migrations.Migration):
    dependencies = [("sales", "0004_receivables")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
