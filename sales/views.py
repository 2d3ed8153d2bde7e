from accounts import crud

from . import filters, forms, tables
from .models import Customer, PriceLevel


class PriceLevelList(crud.MasterListView):
    model, table_class, filterset_class = PriceLevel, tables.PriceLevelTable, filters.PriceLevelFilter


class PriceLevelDetail(crud.MasterDetailView):
    model, detail_fields = PriceLevel, ("code", "name", "is_active")


class PriceLevelCreate(crud.MasterCreateView):
    model, form_class = PriceLevel, forms.PriceLevelForm


class PriceLevelUpdate(crud.MasterUpdateView):
    model, form_class = PriceLevel, forms.PriceLevelForm


class PriceLevelToggle(crud.MasterToggleActiveView):
    model = PriceLevel


class CustomerList(crud.MasterListView):
    model, table_class, filterset_class = Customer, tables.CustomerTable, filters.CustomerFilter

    def get_queryset(self):
        return super().get_queryset().select_related("price_level")


class CustomerDetail(crud.MasterDetailView):
    model = Customer
    detail_fields = (
        "code",
        "name",
        "channel",
        "price_level",
        "contact_person",
        "phone",
        "email",
        "address",
        "tax_id",
        "credit_limit",
        "payment_terms_days",
        "notes",
        "is_active",
    )


class CustomerCreate(crud.MasterCreateView):
    model, form_class = Customer, forms.CustomerForm


class CustomerUpdate(crud.MasterUpdateView):
    model, form_class = Customer, forms.CustomerForm


class CustomerToggle(crud.MasterToggleActiveView):
    model = Customer
