from django.urls import path

from accounts.crud import crud_urls
from accounts.dataio import dataio_urls

from . import views, views_count, views_opening, views_stock, views_valuation
from .filters import ItemFilter
from .models import Batch, Category, Item, Location, Unit, Warehouse
from .resources import ItemResource

app_name = "inventory"

urlpatterns = [
    *crud_urls(
        Unit,
        list_view=views.UnitList,
        detail_view=views.UnitDetail,
        create_view=views.UnitCreate,
        update_view=views.UnitUpdate,
        toggle_view=views.UnitToggle,
    ),
    *crud_urls(
        Category,
        prefix="categories",
        list_view=views.CategoryList,
        detail_view=views.CategoryDetail,
        create_view=views.CategoryCreate,
        update_view=views.CategoryUpdate,
        toggle_view=views.CategoryToggle,
    ),
    *crud_urls(
        Item,
        list_view=views.ItemList,
        detail_view=views.ItemDetail,
        create_view=views.ItemCreate,
        update_view=views.ItemUpdate,
        toggle_view=views.ItemToggle,
    ),
    *crud_urls(
        Warehouse,
        list_view=views.WarehouseList,
        detail_view=views.WarehouseDetail,
        create_view=views.WarehouseCreate,
        update_view=views.WarehouseUpdate,
        toggle_view=views.WarehouseToggle,
    ),
    *crud_urls(
        Location,
        list_view=views.LocationList,
        detail_view=views.LocationDetail,
        create_view=views.LocationCreate,
        update_view=views.LocationUpdate,
        toggle_view=views.LocationToggle,
    ),
    *crud_urls(
        Batch,
        prefix="batches",
        list_view=views.BatchList,
        detail_view=views.BatchDetail,
        create_view=views.BatchCreate,
        update_view=views.BatchUpdate,
        toggle_view=views.BatchToggle,
    ),
    *dataio_urls(ItemResource, filterset_class=ItemFilter),
    path("documents/", views_stock.StockDocumentList.as_view(), name="stockdocument_list"),
    path("documents/new/", views_stock.StockDocumentEdit.as_view(), name="stockdocument_create"),
    path("documents/<int:pk>/", views_stock.stock_document_detail_view, name="stockdocument_detail"),
    path("documents/<int:pk>/edit/", views_stock.StockDocumentEdit.as_view(), name="stockdocument_update"),
    path("documents/<int:pk>/print/", views_stock.stock_document_print_view, name="stockdocument_print"),
    path(
        "documents/<int:pk>/<slug:action>/",
        views_stock.stock_document_action_view,
        name="stockdocument_action",
    ),
    path("stock/", views_stock.StockOnHand.as_view(), name="stock_on_hand"),
    path("stock/card/<int:item_id>/", views_stock.stock_card_view, name="stock_card"),
    path("stock/opening/", views_opening.OpeningStockImport.as_view(), name="opening_stock_import"),
    path(
        "stock/opening/template/",
        views_opening.OpeningStockTemplate.as_view(),
        name="opening_stock_template",
    ),
    path("stock/valuation/", views_valuation.stock_valuation_view, name="stock_valuation"),
    path(
        "stock/valuation/export/",
        views_valuation.stock_valuation_export_view,
        name="stock_valuation_export",
    ),
    path("documents/lines/", views_stock.stock_document_lines_view, name="stockdocument_lines"),
    path("periods/", views_stock.period_list_view, name="period_list"),
    path("periods/close/", views_stock.period_close_view, name="period_close"),
    path("periods/<int:pk>/reopen/", views_stock.period_reopen_view, name="period_reopen"),
    # Stocktake (盘点单)
    path("counts/", views_count.StockCountList.as_view(), name="stockcount_list"),
    path("counts/new/", views_count.stock_count_create_view, name="stockcount_create"),
    path("counts/<int:pk>/", views_count.stock_count_detail_view, name="stockcount_detail"),
    path("counts/<int:pk>/sheet/", views_count.stock_count_sheet_view, name="stockcount_sheet"),
    path("counts/<int:pk>/scan/", views_count.stock_count_scan_view, name="stockcount_scan"),
    path("counts/<int:pk>/lines/<int:line_pk>/", views_count.stock_count_line_view, name="stockcount_line"),
    path("counts/<int:pk>/review/", views_count.stock_count_review_view, name="stockcount_review"),
    path("counts/<int:pk>/print/", views_count.stock_count_print_view, name="stockcount_print"),
    path("counts/<int:pk>/<slug:action>/", views_count.stock_count_action_view, name="stockcount_action"),
]
