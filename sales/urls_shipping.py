"""URLs of sales/views_shipping.py (included by sales/urls.py)."""

from django.urls import path

from . import views_shipping as views

urlpatterns: list = [
    path("shipments/", views.ShipmentList.as_view(), name="shipment_list"),
    path("shipments/start/", views.shipment_start_view, name="shipment_start"),
    path("shipments/<int:pk>/", views.shipment_detail_view, name="shipment_detail"),
    path("shipments/<int:pk>/pick/", views.shipment_pick_view, name="shipment_pick"),
    path("shipments/<int:pk>/scan/", views.shipment_scan_view, name="shipment_scan"),
    path("shipments/<int:pk>/picks/<int:line_pk>/", views.shipment_pick_line_view, name="shipment_pick_line"),
    path("shipments/<int:pk>/do/<slug:action>/", views.shipment_action_view, name="shipment_action"),
    path("shipments/<int:pk>/print/", views.shipment_print_view, name="shipment_print"),
    path("shipments/<int:pk>/return/", views.return_create_view, name="return_create"),
    path("returns/<int:pk>/", views.return_detail_view, name="return_detail"),
]
