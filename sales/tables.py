from accounts.tables import ActiveColumn, LinkColumn, MasterTable, NumberColumn

from .models import Customer, PriceLevel


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
