"""URLs of reports/views_exports.py (included by reports/urls.py)."""

urlpatterns: list = []
