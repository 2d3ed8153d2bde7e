import django_tables2 as tables

from accounts.tables import ActiveColumn, LinkColumn, MasterTable, NumberColumn

from .models import Customer, PriceLevel, SalesOrder, SalesPrice


class PriceLevelTable(MasterTable):
    code = LinkColumn()
    is_active = ActiveColumn()

    class Meta(MasterTable.Meta):
        model = PriceLevel
        fields = ["code", "name", "is_active"]


class CustomerTable(MasterTable):
    code = LinkColumn()
    credit_limit = NumberColumn(money=True)
    is_active = ActiveColumn()

    class Meta(MasterTable.Meta):
        model = Customer
        fields = [
            "code",
            "name",
            "channel",
            "price_level",
            "contact_person",
            "phone",
            "credit_limit",
            "is_active",
        ]


class SalesPriceTable(MasterTable):
    item = LinkColumn(order_by=("item__sku",))
    price_level = tables.Column(order_by=("price_level__code",))
    price = NumberColumn(price=True)
    is_active = ActiveColumn()

    class Meta(MasterTable.Meta):
        model = SalesPrice
        fields = ["item", "price_level", "unit", "price", "is_active"]


class SalesOrderTable(MasterTable):
    number = tables.Column(linkify=True)
    status = tables.Column()
    customer = tables.Column(order_by=("customer__code",))
    warehouse = tables.Column(order_by=("warehouse__code",))
    order_date = tables.DateColumn(short=True)
    requested_date = tables.DateColumn(short=True)
    reference = tables.Column()
    total = NumberColumn(money=True)
    created_by = tables.Column()

    class Meta(MasterTable.Meta):
        model = SalesOrder
        fields = [
            "number",
            "status",
            "customer",
            "warehouse",
            "order_date",
            "requested_date",
            "reference",
            "total",
            "created_by",
        ]
        order_by = "-number"
