"""URLs of purchasing/views_performance.py (included by purchasing/urls.py)."""

from django.urls import path

from . import views_performance

urlpatterns: list = [
    path(
        "suppliers/performance/",
        views_performance.supplier_performance_view,
        name="supplier_performance",
    ),
]
