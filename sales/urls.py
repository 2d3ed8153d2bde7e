from django.urls import path

from accounts.crud import crud_urls
from accounts.dataio import dataio_urls

from . import urls_receivables, urls_shipping, views, views_orders
from .filters import CustomerFilter
from .models import Customer, PriceLevel, SalesPrice
from .resources import CustomerResource

app_name = "sales"

urlpatterns = [
    *crud_urls(
        Customer,
        list_view=views.CustomerList,
        detail_view=views.CustomerDetail,
        create_view=views.CustomerCreate,
        update_view=views.CustomerUpdate,
        toggle_view=views.CustomerToggle,
    ),
    *crud_urls(
        PriceLevel,
        prefix="price-levels",
        list_view=views.PriceLevelList,
        detail_view=views.PriceLevelDetail,
        create_view=views.PriceLevelCreate,
        update_view=views.PriceLevelUpdate,
        toggle_view=views.PriceLevelToggle,
    ),
    *crud_urls(
        SalesPrice,
        prefix="prices",
        list_view=views.SalesPriceList,
        detail_view=views.SalesPriceDetail,
        create_view=views.SalesPriceCreate,
        update_view=views.SalesPriceUpdate,
        toggle_view=views.SalesPriceToggle,
    ),
    *dataio_urls(CustomerResource, filterset_class=CustomerFilter),
    path("orders/", views_orders.OrderList.as_view(), name="order_list"),
    path("orders/new/", views_orders.OrderEdit.as_view(), name="order_create"),
    path("orders/atp/", views_orders.order_atp_view, name="order_atp"),
    path("orders/<int:pk>/", views_orders.order_detail_view, name="order_detail"),
    path("orders/<int:pk>/edit/", views_orders.OrderEdit.as_view(), name="order_update"),
    path("orders/<int:pk>/do/<slug:action>/", views_orders.order_action_view, name="order_action"),
]

urlpatterns += urls_shipping.urlpatterns
urlpatterns += urls_receivables.urlpatterns
