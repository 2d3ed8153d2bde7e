"""URLs of purchasing/views_reorder.py (included by purchasing/urls.py)."""

urlpatterns: list = []
