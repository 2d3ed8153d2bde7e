import django_tables2 as tables

from accounts.tables import MasterTable

from .models import StockDocument


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
