from . import urls_alerts, urls_exports, urls_reports

app_name = "reports"

urlpatterns = urls_reports.urlpatterns + urls_alerts.urlpatterns + urls_exports.urlpatterns
