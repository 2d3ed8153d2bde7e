"""URLs of purchasing/views_po_excel.py (included by purchasing/urls.py)."""

urlpatterns: list = []
