from accounts.crud import crud_urls
from accounts.dataio import dataio_urls

from . import urls_performance, urls_po_excel, urls_reorder, views
from .filters import SupplierFilter
from .models import Supplier, SupplierItem
from .resources import SupplierResource

app_name = "purchasing"

urlpatterns = [
    *crud_urls(
        Supplier,
        list_view=views.SupplierList,
        detail_view=views.SupplierDetail,
        create_view=views.SupplierCreate,
        update_view=views.SupplierUpdate,
        toggle_view=views.SupplierToggle,
    ),
    *crud_urls(
        SupplierItem,
        prefix="supplier-items",
        list_view=views.SupplierItemList,
        detail_view=views.SupplierItemDetail,
        create_view=views.SupplierItemCreate,
        update_view=views.SupplierItemUpdate,
        toggle_view=views.SupplierItemToggle,
    ),
    *dataio_urls(SupplierResource, filterset_class=SupplierFilter),
]

urlpatterns += urls_reorder.urlpatterns + urls_performance.urlpatterns + urls_po_excel.urlpatterns
