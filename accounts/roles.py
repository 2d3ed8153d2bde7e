"""The five roles of DESIGN.md §4 and the finance role (财务, given by a manager), as Django
groups. Group names are stable identifiers; what people read is ROLE_LABELS, translated."""

from django.utils.translation import pgettext_lazy

PURCHASING = "purchasing"
SALES = "sales"
WAREHOUSE_CLERK = "warehouse_clerk"
MANAGER = "manager"
ADMINISTRATOR = "administrator"
FINANCE = "finance"  # records and allocates payments; a manager gives it (accounts 0009)

ROLES = (PURCHASING, SALES, WAREHOUSE_CLERK, MANAGER, ADMINISTRATOR, FINANCE)
ROLE_LABELS = {
    PURCHASING: pgettext_lazy("role", "Purchasing"),
    SALES: pgettext_lazy("role", "Sales"),
    WAREHOUSE_CLERK: pgettext_lazy("role", "Warehouse clerk"),
    MANAGER: pgettext_lazy("role", "Manager"),
    ADMINISTRATOR: pgettext_lazy("role", "Administrator"),
    FINANCE: pgettext_lazy("role", "Finance"),
}


def role_names(user) -> list[str]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_jxc_roles", None)
    if cached is None:
        cached = sorted(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._jxc_roles = cached
    return cached


def role_labels(user) -> list[str]:
    return [str(ROLE_LABELS[name]) for name in role_names(user)]
