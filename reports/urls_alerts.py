"""URLs of reports/views_alerts.py (included by reports/urls.py)."""

urlpatterns: list = []
