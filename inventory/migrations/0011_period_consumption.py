"""Each closed month's consumption (cost of goods sold) per item × warehouse, stored when the month
is closed so that turnover and ABC over closed months read it instead of the ledger (issue 8).
The data step fills it for the months closed before: one INSERT … SELECT per closed month, on
PostgreSQL and on SQLite alike."""

from datetime import date, datetime, time, timedelta

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q, Sum
from django.utils import timezone

# What consumption is, as inventory.services.periods.consumption_q says it today (frozen here):
# sales shipments, customer returns, and goods issues (stock documents of kind "issue").
CONSUMPTION_DOC_TYPES = ["shipment", "customer-return"]
STOCK_DOCUMENT, ISSUE = "stockdoc", "issue"


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def fill(apps, schema_editor):
    PeriodClose = apps.get_model("inventory", "PeriodClose")
    StockMove = apps.get_model("inventory", "StockMove")
    StockDocument = apps.get_model("inventory", "StockDocument")
    table = apps.get_model("inventory", "PeriodConsumption")._meta.db_table
    issues = StockDocument.objects.filter(kind=ISSUE).values("pk")
    consumed = Q(posting__doc_type__in=CONSUMPTION_DOC_TYPES) | Q(
        posting__doc_type=STOCK_DOCUMENT, posting__doc_id__in=issues
    )
    with schema_editor.connection.cursor() as cursor:
        for period in PeriodClose.objects.order_by("end_date"):
            moves = (
                StockMove.objects.filter(
                    consumed,
                    moved_at__gte=_start_of(date(period.year, period.month, 1)),
                    moved_at__lt=_start_of(period.end_date + timedelta(days=1)),
                )
                .values("item_id", "warehouse_id")
                .annotate(q=Sum("qty"), v=Sum("value"))
                .order_by()
            )
            sql, params = moves.query.sql_with_params()
            cursor.execute(
                f"INSERT INTO {table} (period_id, item_id, warehouse_id, qty, value) "  # noqa: S608
                f"SELECT %s, c.item_id, c.warehouse_id, -c.q, -c.v FROM ({sql}) c",
                [period.pk, *params],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0010_item_abc_class"),
    ]

    operations = [
        migrations.CreateModel(
            name="PeriodConsumption",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("qty", models.DecimalField(decimal_places=4, max_digits=18, verbose_name="quantity")),
                ("value", models.DecimalField(decimal_places=2, max_digits=18, verbose_name="value")),
                (
                    "item",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="inventory.item",
                    ),
                ),
                (
                    "period",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="consumption",
                        to="inventory.periodclose",
                    ),
                ),
                (
                    "warehouse",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="inventory.warehouse",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["item", "period"],
                        include=("warehouse", "qty", "value"),
                        name="consumption_by_item",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("period", "item", "warehouse"), name="consumption_unique_key"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
