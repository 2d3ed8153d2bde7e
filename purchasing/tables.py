import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from accounts.tables import ActiveColumn, LinkColumn, MasterTable, NumberColumn

from .models import PurchaseOrder, PurchaseReceipt, Supplier, SupplierItem


class SupplierTable(MasterTable):
    code = LinkColumn()
    is_active = ActiveColumn()

    class Meta(MasterTable.Meta):
        model = Supplier
        fields = [
            "code",
            "name",
            "contact_person",
            "phone",
            "payment_terms_days",
            "default_lead_time_days",
            "rating",
            "is_active",
        ]


class SupplierItemTable(MasterTable):
    item = LinkColumn()
    price = NumberColumn(price=True)
    min_order_qty = NumberColumn()
    pack_qty = NumberColumn()
    is_active = ActiveColumn()

    class Meta(MasterTable.Meta):
        model = SupplierItem
        fields = [
            "supplier",
            "item",
            "supplier_sku",
            "unit",
            "price",
            "min_order_qty",
            "pack_qty",
            "is_preferred",
            "is_active",
        ]


class PurchaseOrderTable(MasterTable):
    number = tables.Column(linkify=True)
    status = tables.Column()
    supplier = tables.Column(order_by=("supplier__code",))
    warehouse = tables.Column(order_by=("warehouse__code",))
    order_date = tables.DateColumn(short=True)
    expected_date = tables.DateColumn(short=True)
    total = NumberColumn(money=True)
    created_by = tables.Column()

    class Meta(MasterTable.Meta):
        model = PurchaseOrder
        fields = [
            "number",
            "status",
            "supplier",
            "warehouse",
            "order_date",
            "expected_date",
            "total",
            "created_by",
        ]
        order_by = "-number"


class PurchaseReceiptTable(MasterTable):
    number = tables.Column(linkify=True)
    order = tables.Column(verbose_name=_("Purchase order"), linkify=False)
    supplier = tables.Column(
        verbose_name=_("Supplier"), accessor="order__supplier", order_by=("order__supplier__code",)
    )
    warehouse = tables.Column(
        verbose_name=_("Warehouse"), accessor="order__warehouse", order_by=("order__warehouse__code",)
    )
    status = tables.Column()
    posting_date = tables.DateColumn(short=True)
    created_by = tables.Column()

    class Meta(MasterTable.Meta):
        model = PurchaseReceipt
        fields = [
            "number",
            "order",
            "supplier",
            "warehouse",
            "status",
            "posting_date",
            "delivery_note",
            "created_by",
        ]
        order_by = "-number"
