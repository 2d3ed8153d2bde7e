from django.urls import path

from accounts.crud import crud_urls
from accounts.dataio import dataio_urls

from . import urls_payables, urls_performance, urls_po_excel, urls_reorder, views, views_orders
from .filters import SupplierFilter
from .models import Supplier, SupplierItem
from .resources import SupplierResource

app_name = "purchasing"

urlpatterns = [
    *crud_urls(
        Supplier,
        list_view=views.SupplierList,
        detail_view=views.SupplierDetail,
        create_view=views.SupplierCreate,
        update_view=views.SupplierUpdate,
        toggle_view=views.SupplierToggle,
    ),
    *crud_urls(
        SupplierItem,
        prefix="supplier-items",
        list_view=views.SupplierItemList,
        detail_view=views.SupplierItemDetail,
        create_view=views.SupplierItemCreate,
        update_view=views.SupplierItemUpdate,
        toggle_view=views.SupplierItemToggle,
    ),
    *dataio_urls(SupplierResource, filterset_class=SupplierFilter),
]

urlpatterns += [
    path("orders/", views_orders.OrderList.as_view(), name="order_list"),
    path("orders/new/", views_orders.OrderEdit.as_view(), name="order_create"),
    path("orders/<int:pk>/", views_orders.order_detail_view, name="order_detail"),
    path("orders/<int:pk>/edit/", views_orders.OrderEdit.as_view(), name="order_update"),
    path("orders/<int:pk>/print/", views_orders.order_print_view, name="order_print"),
    path("orders/<int:pk>/do/<slug:action>/", views_orders.order_action_view, name="order_action"),
    path("receipts/", views_orders.ReceiptList.as_view(), name="receipt_list"),
    path("receipts/start/", views_orders.receipt_start_view, name="receipt_start"),
    path("receipts/<int:pk>/", views_orders.receipt_detail_view, name="receipt_detail"),
    path("receipts/<int:pk>/receive/", views_orders.receipt_edit_view, name="receipt_edit"),
    path("receipts/<int:pk>/scan/", views_orders.receipt_scan_view, name="receipt_scan"),
    path("receipts/<int:pk>/lines/<int:line_pk>/", views_orders.receipt_line_view, name="receipt_line"),
    path("receipts/<int:pk>/do/<slug:action>/", views_orders.receipt_action_view, name="receipt_action"),
    path("receipts/<int:pk>/return/", views_orders.ReturnCreate.as_view(), name="return_create"),
    path("returns/<int:pk>/", views_orders.return_detail_view, name="return_detail"),
]
urlpatterns += urls_reorder.urlpatterns + urls_performance.urlpatterns + urls_po_excel.urlpatterns
urlpatterns += urls_payables.urlpatterns
