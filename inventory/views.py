from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _

from accounts import crud
from accounts.rules import sees_all_warehouses

from . import filters, forms, services, tables
from .models import Batch, Category, Item, Location, Unit, Warehouse
from .selectors import warehouses_for


class WarehouseScoped:
    """Clerks see only the warehouses they are assigned (and their locations)."""

    warehouse_field = "pk"

    def scope(self, qs, user):
        if sees_all_warehouses(user):
            return qs
        return qs.filter(**{f"{self.warehouse_field}__in": warehouses_for(user)})


# Units ---------------------------------------------------------------------------------------
class UnitList(crud.MasterListView):
    model, table_class, filterset_class = Unit, tables.UnitTable, filters.UnitFilter


class UnitDetail(crud.MasterDetailView):
    model, detail_fields = Unit, ("code", "name", "is_active")


class UnitCreate(crud.MasterCreateView):
    model, form_class = Unit, forms.UnitForm


class UnitUpdate(crud.MasterUpdateView):
    model, form_class = Unit, forms.UnitForm


class UnitToggle(crud.MasterToggleActiveView):
    model = Unit


# Categories ----------------------------------------------------------------------------------
class CategoryList(crud.MasterListView):
    model, table_class, filterset_class = Category, tables.CategoryTable, filters.CategoryFilter

    def get_queryset(self):
        # An aggregate drops Meta.ordering (GROUP BY): order by path again so the list reads as a tree.
        return super().get_queryset().annotate(item_count=Count("items")).order_by("path")


class CategoryDetail(crud.MasterDetailView):
    model, detail_fields = Category, ("code", "name", "parent", "path", "is_active")
    template_name = "inventory/category_detail.html"


class CategoryCreate(crud.MasterCreateView):
    model, form_class, save_service = Category, forms.CategoryForm, services.category_save


class CategoryUpdate(crud.MasterUpdateView):
    model, form_class, save_service = Category, forms.CategoryForm, services.category_save


class CategoryToggle(crud.MasterToggleActiveView):
    model = Category


# Items ---------------------------------------------------------------------------------------
ITEM_FORMSETS = {"units": forms.ItemUnitFormSet, "barcodes": forms.ItemBarcodeFormSet}


class ItemList(crud.MasterListView):
    model, table_class, filterset_class = Item, tables.ItemTable, filters.ItemFilter

    def get_queryset(self):
        return super().get_queryset().select_related("category", "base_unit")


class ItemDetail(crud.MasterDetailView):
    model = Item
    template_name = "inventory/item_detail.html"
    detail_fields = (
        "sku",
        "name",
        "spec",
        "category",
        "item_type",
        "base_unit",
        "tracking",
        "safety_stock",
        "reorder_point",
        "min_stock",
        "max_stock",
        "lead_time_days",
        "shelf_life_days",
        "notes",
        "is_active",
    )

    def get_queryset(self):
        return super().get_queryset().select_related("category", "base_unit")


class ItemCreate(crud.MasterCreateView):
    model, form_class, formset_classes = Item, forms.ItemForm, ITEM_FORMSETS


class ItemUpdate(crud.MasterUpdateView):
    model, form_class, formset_classes = Item, forms.ItemForm, ITEM_FORMSETS


class ItemToggle(crud.MasterToggleActiveView):
    model = Item


# Warehouses ----------------------------------------------------------------------------------
class WarehouseList(WarehouseScoped, crud.MasterListView):
    model, table_class, filterset_class = Warehouse, tables.WarehouseTable, filters.WarehouseFilter

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(location_count=Count("locations", filter=Q(locations__is_active=True)))
            .order_by("code")
        )  # the aggregate drops Meta.ordering


class WarehouseDetail(WarehouseScoped, crud.MasterDetailView):
    model, detail_fields = Warehouse, ("code", "name", "address", "is_active")
    template_name = "inventory/warehouse_detail.html"


class WarehouseCreate(crud.MasterCreateView):
    model, form_class = Warehouse, forms.WarehouseForm


class WarehouseUpdate(WarehouseScoped, crud.MasterUpdateView):
    model, form_class = Warehouse, forms.WarehouseForm


class WarehouseToggle(WarehouseScoped, crud.MasterToggleActiveView):
    model = Warehouse


# Locations -----------------------------------------------------------------------------------
class LocationFormKwargs:
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class LocationList(WarehouseScoped, crud.MasterListView):
    model, table_class, filterset_class = Location, tables.LocationTable, filters.LocationFilter
    warehouse_field = "warehouse"

    def get_queryset(self):
        return super().get_queryset().select_related("warehouse")


class LocationDetail(WarehouseScoped, crud.MasterDetailView):
    model, warehouse_field = Location, "warehouse"
    detail_fields = ("warehouse", "parent", "code", "name", "kind", "path", "capacity", "is_active")


class LocationCreate(LocationFormKwargs, crud.MasterCreateView):
    model, form_class, save_service = Location, forms.LocationForm, services.location_save

    def get_initial(self):
        initial = super().get_initial()
        warehouse = self.request.GET.get("warehouse")
        if warehouse and warehouse.isdecimal():
            if not warehouses_for(self.request.user).filter(pk=warehouse).exists():
                raise Http404(_("No such warehouse."))
            initial["warehouse"] = warehouse
        return initial


class LocationUpdate(LocationFormKwargs, WarehouseScoped, crud.MasterUpdateView):
    model, form_class, save_service, warehouse_field = (
        Location,
        forms.LocationForm,
        services.location_save,
        "warehouse",
    )


class LocationToggle(WarehouseScoped, crud.MasterToggleActiveView):
    model, warehouse_field = Location, "warehouse"


# Batches -------------------------------------------------------------------------------------
class BatchList(crud.MasterListView):
    model, table_class, filterset_class = Batch, tables.BatchTable, filters.BatchFilter

    def get_queryset(self):
        return super().get_queryset().select_related("item")


class BatchDetail(crud.MasterDetailView):
    model = Batch
    detail_fields = (
        "item",
        "batch_no",
        "production_date",
        "expiry_date",
        "first_received_at",
        "notes",
        "is_active",
    )


class BatchCreate(crud.MasterCreateView):
    model, form_class = Batch, forms.BatchForm


class BatchUpdate(crud.MasterUpdateView):
    model, form_class = Batch, forms.BatchForm


class BatchToggle(crud.MasterToggleActiveView):
    model = Batch
