"""The navigation each role sees: an entry shows when the user holds its permission.
Later features add their entries here."""

from dataclasses import dataclass
from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    perm: str | tuple[str, ...] | None  # None: every logged-in user; a tuple: any one of them
    icon: str = "dot"

    def allowed(self, user) -> bool:
        if self.perm is None:
            return True
        perms = (self.perm,) if isinstance(self.perm, str) else self.perm
        return any(user.has_perm(p) for p in perms)


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    icon: str
    entries: tuple[Entry, ...]


REPORT_PERMS = (
    "reports.view_stock_reports",
    "reports.view_purchase_reports",
    "reports.view_sales_reports",
    "reports.view_margin_reports",
)

SECTIONS: tuple[Section, ...] = (
    Section(
        "stock",
        pgettext_lazy("navigation section", "Warehouse"),
        "boxes",
        (
            Entry(
                _("Stock on hand"), "inventory:stock_on_hand", "inventory.view_stockbalance", "clipboard-data"
            ),
            Entry(
                _("Stock documents"),
                "inventory:stockdocument_list",
                "inventory.view_stockdocument",
                "file-earmark-text",
            ),
            Entry(
                _("Receiving"),
                "purchasing:receipt_list",
                "purchasing.view_purchasereceipt",
                "box-arrow-in-down",
            ),
            Entry(_("Shipping"), "sales:shipment_list", "sales.view_shipment", "box-arrow-up-right"),
            Entry(
                _("Stocktakes"), "inventory:stockcount_list", "inventory.view_stockcount", "clipboard-check"
            ),
            Entry(
                _("Stock valuation"), "inventory:stock_valuation", "inventory.view_stock_value", "cash-stack"
            ),
            Entry(_("Month end"), "inventory:period_list", "inventory.view_periodclose", "calendar-check"),
        ),
    ),
    Section(
        "inventory",
        _("Inventory"),
        "box-seam",
        (
            Entry(_("Items"), "inventory:item_list", "inventory.view_item", "upc-scan"),
            Entry(_("Categories"), "inventory:category_list", "inventory.view_category", "diagram-3"),
            Entry(_("Units"), "inventory:unit_list", "inventory.view_unit", "rulers"),
            Entry(_("Warehouses"), "inventory:warehouse_list", "inventory.view_warehouse", "buildings"),
            Entry(_("Locations"), "inventory:location_list", "inventory.view_location", "grid-3x3"),
            Entry(_("Batches"), "inventory:batch_list", "inventory.view_batch", "calendar2-week"),
        ),
    ),
    Section(
        "purchasing",
        _("Purchasing"),
        "cart",
        (
            Entry(
                _("Reorder suggestions"), "purchasing:reorder", "purchasing.add_purchaseorder", "cart-plus"
            ),
            Entry(
                _("Purchase orders"), "purchasing:order_list", "purchasing.view_purchaseorder", "cart-check"
            ),
            Entry(
                _("Supplier performance"),
                "purchasing:supplier_performance",
                "purchasing.view_purchaseorder",
                "speedometer2",
            ),
            Entry(_("Payables"), "purchasing:payables_list", "purchasing.view_payableentry", "journal-text"),
            Entry(
                _("Payments to suppliers"),
                "purchasing:payment_list",
                "purchasing.view_payableentry",
                "cash-coin",
            ),
            Entry(_("Suppliers"), "purchasing:supplier_list", "purchasing.view_supplier", "truck"),
            Entry(
                _("Supplier items"), "purchasing:supplieritem_list", "purchasing.view_supplieritem", "tags"
            ),
        ),
    ),
    Section(
        "sales",
        _("Sales"),
        "bag",
        (
            Entry(_("Sales orders"), "sales:order_list", "sales.view_salesorder", "receipt"),
            Entry(_("Receivables"), "sales:receivables_list", "sales.view_receivableentry", "wallet2"),
            Entry(_("Receipts of money"), "sales:payment_list", "sales.view_receivableentry", "cash-stack"),
            Entry(_("Customers"), "sales:customer_list", "sales.view_customer", "people"),
            Entry(_("Price levels"), "sales:pricelevel_list", "sales.view_pricelevel", "layers"),
            Entry(_("Sales prices"), "sales:salesprice_list", "sales.view_salesprice", "tags"),
        ),
    ),
    Section(
        "reports",
        _("Reports"),
        "bar-chart-line",
        (
            # The list of the reports the user may open (each needs its own permission).
            Entry(_("Reports"), "reports:report_index", REPORT_PERMS, "graph-up"),
            # The Excel files the user asked for: whoever may open a report may export it.
            Entry(_("My exports"), "reports:export_list", REPORT_PERMS, "download"),
        ),
    ),
    Section(
        "admin",
        _("System"),
        "gear",
        (
            Entry(_("Users"), "admin:accounts_user_changelist", "accounts.view_user", "person-badge"),
            Entry(_("Finance staff"), "finance_staff", "accounts.grant_finance", "person-check"),
            Entry(_("Administration"), "admin:index", "accounts.change_user", "sliders"),
        ),
    ),
)


@lru_cache(maxsize=256)
def _url(url_name: str, prefix: str) -> str:
    """The menu's URLs are fixed: reversed once per process (and script prefix), not the ≈30 of
    them on every page."""
    return reverse(url_name)


def sections_for(user) -> list[dict]:
    """The sections and entries this user may open, ready for the template."""
    if not user.is_authenticated:
        return []
    result = []
    for section in SECTIONS:
        entries = [
            {
                "label": e.label,
                "url": _url(e.url_name, get_script_prefix()),
                "icon": e.icon,
                "url_name": e.url_name,
            }
            for e in section.entries
            if e.allowed(user)
        ]
        if section.key == "admin" and not user.is_staff:  # the Django admin is for staff only
            entries = [e for e in entries if not e["url_name"].startswith("admin:")]
        if entries:
            result.append(
                {"key": section.key, "label": section.label, "icon": section.icon, "entries": entries}
            )
    return result
