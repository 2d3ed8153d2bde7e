from accounts import crud

from . import filters, forms, tables
from .models import Customer, PriceLevel, SalesPrice


class PriceLevelList(crud.MasterListView):
    model, table_class, filterset_class = PriceLevel, tables.PriceLevelTable, filters.PriceLevelFilter


class PriceLevelDetail(crud.MasterDetailView):
    model, detail_fields = PriceLevel, ("code", "name", "is_active")
    template_name = "sales/pricelevel_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.request.user.has_perm("sales.view_salesprice"):
            ctx["sales_prices"] = (
                self.object.sales_prices.filter(is_active=True)
                .select_related("item", "unit")
                .prefetch_related("price_breaks")
                .order_by("item__sku", "unit__code")
            )
        return ctx


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


PRICE_BREAKS = {"breaks": forms.SalesPriceBreakFormSet}


class SalesPriceList(crud.MasterListView):
    model, table_class, filterset_class = SalesPrice, tables.SalesPriceTable, filters.SalesPriceFilter

    def get_queryset(self):
        return super().get_queryset().select_related("item", "price_level", "unit")


class SalesPriceDetail(crud.MasterDetailView):
    model = SalesPrice
    template_name = "sales/salesprice_detail.html"
    detail_fields = ("price_level", "item", "unit", "price", "is_active")


class SalesPriceCreate(crud.MasterCreateView):
    model, form_class, formset_classes = SalesPrice, forms.SalesPriceForm, PRICE_BREAKS

    def get_initial(self):
        initial = super().get_initial()
        for name in ("price_level", "item"):
            if self.request.GET.get(name, "").isdigit():
                initial[name] = self.request.GET[name]
        return initial


class SalesPriceUpdate(crud.MasterUpdateView):
    model, form_class, formset_classes = SalesPrice, forms.SalesPriceForm, PRICE_BREAKS


class SalesPriceToggle(crud.MasterToggleActiveView):
    model = SalesPrice
