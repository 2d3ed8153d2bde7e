"""URLs of sales/views_shipping.py (included by sales/urls.py)."""

urlpatterns: list = []
