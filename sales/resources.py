"""Import and export of customers (see inventory.resources for the column conventions)."""

from inventory.resources import SpreadsheetResource

from .models import Customer


class CustomerResource(SpreadsheetResource):
    class Meta:
        model = Customer
        import_id_fields = ("code",)
        # fmt: off
        fields = ("code", "name", "channel", "price_level", "contact_person", "phone", "email", "address", "tax_id",
                  "credit_limit", "payment_terms_days", "notes", "is_active")
        # fmt: on

    def get_queryset(self):
        return Customer.objects.select_related("price_level")
