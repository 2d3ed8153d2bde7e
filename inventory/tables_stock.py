import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.tables import MasterTable, NumberColumn

from .models import StockBalance, StockDocument


class StockDocumentTable(MasterTable):
    number = tables.Column(linkify=True)
    kind = tables.Column()
    status = tables.Column()
    warehouse = tables.Column()
    posting_date = tables.DateColumn(short=True)
    created_by = tables.Column()

    class Meta(MasterTable.Meta):
        model = StockDocument
        fields = ["number", "kind", "status", "warehouse", "posting_date", "reference", "created_by"]
        order_by = "-number"


class StockBalanceTable(MasterTable):
    item = tables.Column(verbose_name=_("Item"), order_by=("item__sku",))
    warehouse = tables.Column(verbose_name=_("Warehouse"), order_by=("warehouse__code",))
    location = tables.Column(
        verbose_name=_("Location"), accessor="location__path", order_by=("location__path",)
    )
    batch = tables.Column(verbose_name=_("Batch"), accessor="batch__batch_no", default="—")
    expiry = tables.DateColumn(
        verbose_name=_("Expiry date"), accessor="batch__expiry_date", short=True, default="—"
    )
    on_hand = NumberColumn(verbose_name=_("On hand"))
    reserved = NumberColumn(verbose_name=_("Reserved"))
    available = NumberColumn(verbose_name=_("Available"), orderable=False)
    unit = tables.Column(verbose_name=_("Unit"), accessor="item__base_unit", orderable=False)
    avg_cost = NumberColumn(verbose_name=_("Average cost"), price=True, orderable=False)
    stock_value = NumberColumn(verbose_name=pgettext_lazy("money", "Value"), money=True, orderable=False)
    why = tables.Column(verbose_name="", empty_values=(), orderable=False)

    class Meta(MasterTable.Meta):
        model = StockBalance
        fields = []
        sequence = [
            "item",
            "warehouse",
            "location",
            "batch",
            "expiry",
            "on_hand",
            "reserved",
            "available",
            "unit",
            "avg_cost",
            "stock_value",
            "why",
        ]

    def render_why(self, record):
        # "Why this number": the moves that make up this balance, with running totals.
        url = reverse("inventory:stock_card", args=[record.item_id])
        query = f"?warehouse={record.warehouse_id}&location={record.location_id}"
        if record.batch_id:
            query += f"&batch={record.batch_id}"
        return format_html(
            '<a href="{}{}" class="small why-link" title="{}"><i class="bi bi-list-columns"></i></a>',
            url,
            query,
            _("Moves that make up this balance"),
        )
