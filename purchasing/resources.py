"""Import and export of suppliers (see inventory.resources for the column conventions)."""

from decimal import Decimal

from inventory.resources import NumberCell, SpreadsheetResource, column

from .models import Supplier


class SupplierResource(SpreadsheetResource):
    rating = column("rating", NumberCell(min_value=Decimal("0"), max_value=Decimal("5")))

    class Meta:
        model = Supplier
        import_id_fields = ("code",)
        # fmt: off
        fields = ("code", "name", "contact_person", "phone", "email", "address", "tax_id", "payment_terms_days",
                  "default_lead_time_days", "rating", "notes", "is_active")
        # fmt: on
