"""URLs of reports/views_reports.py (included by reports/urls.py)."""

urlpatterns: list = []
