from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    """The shared core of money owed (往来账): abstract models and services that purchasing
    (payables to suppliers) and sales (receivables from customers) each build their own tables
    from. It has no tables of its own and imports neither app."""

    name = "settlement"
    verbose_name = _("Settlement")

    def ready(self) -> None:
        from inventory import ledger_check

        from .checks import all_differences

        ledger_check.register(all_differences)
