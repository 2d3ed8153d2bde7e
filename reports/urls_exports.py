"""URLs of reports/views_exports.py (included by reports/urls.py)."""

from django.urls import path

from . import views_exports as views

urlpatterns: list = [
    path("exports/", views.export_list_view, name="export_list"),
    path("exports/start/", views.export_start_view, name="export_start"),
    path("exports/<int:pk>/", views.export_detail_view, name="export_detail"),
    path("exports/<int:pk>/status/", views.export_status_view, name="export_status"),
    path("exports/<int:pk>/download/", views.export_download_view, name="export_download"),
]
