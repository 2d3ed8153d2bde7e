from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # Registering a report is importing its module: the registry fills at startup (in web
        # processes and Celery workers alike — a worker never loads the URLconf).
        from . import reports_sales, reports_stock  # noqa: F401
