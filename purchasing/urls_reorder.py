"""URLs of purchasing/views_reorder.py (included by purchasing/urls.py)."""

from django.urls import path

from . import views_reorder

urlpatterns: list = [
    path("reorder/", views_reorder.reorder_view, name="reorder"),
]
