"""URLs of purchasing/views_po_excel.py (included by purchasing/urls.py)."""

from django.urls import path

from . import views_po_excel

urlpatterns: list = [
    path("orders/<int:pk>/export.xlsx", views_po_excel.OrderExport.as_view(), name="order_export"),
    path("orders/<int:pk>/import/", views_po_excel.OrderImport.as_view(), name="order_import"),
    path(
        "orders/import-template.xlsx",
        views_po_excel.OrderImportTemplate.as_view(),
        name="order_import_template",
    ),
]
