from accounts.tables import ActiveColumn, LinkColumn, MasterTable, NumberColumn

from .models import Supplier, SupplierItem


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
