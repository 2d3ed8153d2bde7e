"""URLs of reports/views_alerts.py (included by reports/urls.py)."""

from django.urls import path

from . import views_alerts

urlpatterns: list = [
    path("alerts/", views_alerts.alert_list_view, name="alert_list"),
    path("alerts/<int:pk>/acknowledge/", views_alerts.alert_acknowledge_view, name="alert_acknowledge"),
]
