from accounts import crud

from . import filters, forms, tables
from .models import Supplier, SupplierItem
from .selectors import supplier_goods


class SupplierList(crud.MasterListView):
    model, table_class, filterset_class = Supplier, tables.SupplierTable, filters.SupplierFilter


class SupplierDetail(crud.MasterDetailView):
    model = Supplier
    template_name = "purchasing/supplier_detail.html"
    detail_fields = (
        "code",
        "name",
        "contact_person",
        "phone",
        "email",
        "address",
        "tax_id",
        "payment_terms_days",
        "default_lead_time_days",
        "rating",
        "notes",
        "is_active",
    )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["supplier_items"] = self.object.supplier_items.select_related("item", "unit").prefetch_related(
            "price_breaks"
        )
        if self.request.user.has_perm("purchasing.view_purchaseorder"):
            from .views_performance import supplier_performance_card

            ctx["performance"] = supplier_performance_card(self.object)
            ctx["goods"] = supplier_goods(self.object)
        return ctx


class SupplierCreate(crud.MasterCreateView):
    model, form_class = Supplier, forms.SupplierForm


class SupplierUpdate(crud.MasterUpdateView):
    model, form_class = Supplier, forms.SupplierForm


class SupplierToggle(crud.MasterToggleActiveView):
    model = Supplier


PRICE_BREAKS = {"breaks": forms.PriceBreakFormSet}


class SupplierItemList(crud.MasterListView):
    model, table_class, filterset_class = SupplierItem, tables.SupplierItemTable, filters.SupplierItemFilter

    def get_queryset(self):
        return super().get_queryset().select_related("supplier", "item", "unit")


class SupplierItemDetail(crud.MasterDetailView):
    model = SupplierItem
    template_name = "purchasing/supplieritem_detail.html"
    detail_fields = (
        "supplier",
        "item",
        "supplier_sku",
        "unit",
        "price",
        "min_order_qty",
        "pack_qty",
        "lead_time_days",
        "is_preferred",
        "is_active",
    )


class SupplierItemCreate(crud.MasterCreateView):
    model, form_class, formset_classes = SupplierItem, forms.SupplierItemForm, PRICE_BREAKS

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("supplier", "").isdigit():
            initial["supplier"] = self.request.GET["supplier"]
        return initial


class SupplierItemUpdate(crud.MasterUpdateView):
    model, form_class, formset_classes = SupplierItem, forms.SupplierItemForm, PRICE_BREAKS


class SupplierItemToggle(crud.MasterToggleActiveView):
    model = SupplierItem
