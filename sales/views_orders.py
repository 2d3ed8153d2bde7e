"""Screens of sales orders (销售订单): list, detail, edit a draft, the status actions (confirm,
credit approval, reject, cancel, close) and the available-to-promise figures beside each line.

Views parse, call a service, and put a domain error back on the page; they never write."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_GET, require_POST
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from accounts.tables import TablePagesMixin
from inventory.exceptions import DomainError
from inventory.models import Item, Unit, unit_factor
from inventory.selectors import warehouses_for

from . import selectors, services
from .filters import SalesOrderFilter
from .forms_orders import OrderHeaderForm, OrderLineFormSet, RejectForm
from .models import OPEN_STATUSES, OrderStatus, SalesOrder
from .tables import SalesOrderTable

QTY_PLACES = Decimal("0.0001")


def orders_for(user):
    """Orders shipped from the warehouses the user may see (all, for sales and managers)."""
    return SalesOrder.objects.filter(warehouse__in=warehouses_for(user))


class OrderList(LoginRequiredMixin, PermissionRequiredMixin, TablePagesMixin, SingleTableMixin, FilterView):
    permission_required = "sales.view_salesorder"
    template_name = "sales/order_list.html"
    table_class = SalesOrderTable
    filterset_class = SalesOrderFilter
    paginate_by = 25

    def get_queryset(self):
        qs = orders_for(self.request.user).select_related("customer", "warehouse", "created_by")
        if self.request.GET.get("awaiting") == "1":
            qs = qs.filter(status=OrderStatus.PENDING)
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["awaiting"] = orders_for(self.request.user).filter(status=OrderStatus.PENDING).count()
        return ctx


ORDER_ACTIONS = {
    # action -> the permission it needs
    "confirm": "sales.change_salesorder",
    "approve": "sales.approve_salesorder",
    "reject": "sales.approve_salesorder",
    "cancel": "sales.change_salesorder",
    "close": "sales.change_salesorder",
}


def order_actions(user, order: SalesOrder) -> list[str]:
    possible = {
        OrderStatus.DRAFT: ["confirm", "cancel"],
        OrderStatus.PENDING: ["approve", "reject", "cancel"],
        OrderStatus.CONFIRMED: ["cancel"],
        OrderStatus.PARTIAL: ["close"],
        OrderStatus.SHIPPED: ["close"],
    }.get(order.status, [])
    own = user.pk == order.created_by_id  # nobody approves credit for their own order
    return [a for a in possible if user.has_perm(ORDER_ACTIONS[a]) and not (a == "approve" and own)]


def _url_or_none(name: str, pk: int) -> str | None:
    # Shipments and returns have their own screens; until they exist, their numbers are plain text.
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return None


@login_required
@permission_required("sales.view_salesorder", raise_exception=True)
def order_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(
        orders_for(request.user).select_related(
            "customer", "warehouse", "created_by", "confirmed_by", "approved_by"
        ),
        pk=pk,
    )
    reserved = selectors.order_reserved_by_line(order)
    lines = list(order.lines.select_related("item__base_unit", "unit"))
    holds_stock = order.status in OPEN_STATUSES
    for ln in lines:
        ln.reserved_base_qty = reserved.get(ln.pk, Decimal("0"))
        # what is open but not covered by a reservation waits for stock (a backorder)
        ln.uncovered_base_qty = (
            max(ln.open_base_qty - ln.reserved_base_qty, Decimal("0")) if holds_stock else None
        )
    shipments = list(order.shipments.select_related("created_by"))
    for s in shipments:
        s.url = _url_or_none("sales:shipment_detail", s.pk)
    credit = None
    if order.status in (OrderStatus.DRAFT, OrderStatus.PENDING):
        others = services.customer_exposure(order.customer, excluding=order)
        exposure = others + order.total
        credit = {
            "others": others,
            "exposure": exposure,
            "limit": order.customer.credit_limit,
            "over": exposure > order.customer.credit_limit,
        }
    return render(
        request,
        "sales/order_detail.html",
        {
            "order": order,
            "lines": lines,
            "holds_stock": holds_stock,
            "events": order.events.select_related("by"),
            "shipments": shipments,
            "actions": order_actions(request.user, order),
            "credit": credit,
            "reject_form": RejectForm(),
        },
    )


@require_POST
@login_required
def order_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ORDER_ACTIONS:
        raise Http404
    if not request.user.has_perm(ORDER_ACTIONS[action]):
        raise PermissionDenied
    order = get_object_or_404(orders_for(request.user), pk=pk)
    note = request.POST.get("note", "")
    calls = {
        "confirm": lambda: services.order_confirm(order_id=order.pk, user=request.user),
        "approve": lambda: services.order_approve(order_id=order.pk, user=request.user),
        "reject": lambda: services.order_reject(order_id=order.pk, user=request.user, note=note),
        "cancel": lambda: services.order_cancel(order_id=order.pk, user=request.user, note=note),
        "close": lambda: services.order_close(order_id=order.pk, user=request.user, note=note),
    }
    try:
        result = calls[action]()
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(order)
    if action == "confirm" and result.status == OrderStatus.PENDING:
        done = _("%(number)s is over the customer's credit limit and waits for a manager's approval.")
    else:
        done = {
            "confirm": _("%(number)s is confirmed; the goods are reserved."),
            "approve": _("%(number)s is approved and confirmed; the goods are reserved."),
            "reject": _("%(number)s is sent back to draft."),
            "cancel": _("%(number)s is cancelled."),
            "close": _("%(number)s is closed."),
        }[action]
    messages.success(request, done % {"number": result.number})
    return redirect(result)


class OrderEdit(LoginRequiredMixin, View):
    """Create a draft order, or edit a draft's lines: header and lines saved together, or nothing."""

    template_name = "sales/order_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        perm = "sales.change_salesorder" if "pk" in kwargs else "sales.add_salesorder"
        if not request.user.has_perm(perm):
            raise PermissionDenied
        self.order = get_object_or_404(orders_for(request.user), pk=kwargs["pk"]) if "pk" in kwargs else None
        if self.order is not None and self.order.status != OrderStatus.DRAFT:
            messages.error(request, _("Only a draft can be edited."))
            return redirect(self.order)
        return super().dispatch(request, *args, **kwargs)

    def forms(self, data=None):
        header = OrderHeaderForm(data, instance=self.order)
        initial = None
        if self.order is not None and data is None:
            initial = [
                {
                    "item": ln.item_id,
                    "unit": ln.unit_id,
                    "qty": ln.qty.normalize(),
                    # a price equal to the price list's stays empty: it follows the level
                    "price": None if ln.price == ln.list_price else ln.price.normalize(),
                    "discount": ln.discount.normalize() if ln.discount else None,
                    "tax_rate": ln.tax_rate.normalize(),
                    "allow_backorder": ln.allow_backorder,
                    "note": ln.note,
                }
                for ln in self.order.lines.all()
            ]
        return header, OrderLineFormSet(data, initial=initial, prefix="lines")

    def get(self, request, pk=None):
        return self.render(*self.forms())

    def post(self, request, pk=None):
        header, lines = self.forms(request.POST)
        if header.is_valid() and lines.is_valid():
            rows = [
                f.line_input() for f in lines.forms if f.has_changed() and not lines._should_delete_form(f)
            ]
            try:
                with transaction.atomic():
                    if self.order is None:
                        order = services.order_create(user=request.user, **header.cleaned_data)
                    else:
                        order = services.order_update(
                            order_id=self.order.pk, user=request.user, **header.cleaned_data
                        )
                    services.order_set_lines(order_id=order.pk, lines=rows, user=request.user)
            except DomainError as exc:
                header.add_error(None, exc.message)
            else:
                messages.success(request, _("Saved %(number)s.") % {"number": order.number})
                return redirect(order)
        messages.error(request, _("Nothing was saved: please correct the errors below."))
        return self.render(header, lines)

    def render(self, header, lines):
        return render(
            self.request, self.template_name, {"order": self.order, "header": header, "lines": lines}
        )


# Available-to-promise (在库 / 已预留 / 可用 / 在途) -------------------------------------------------


def _param(request: HttpRequest, name: str) -> str:
    """A GET parameter by its plain name, or by a formset field's name (lines-3-item)."""
    if request.GET.get(name):
        return request.GET[name]
    for key, value in request.GET.items():
        if key.endswith(f"-{name}") and value:
            return value
    return ""


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() and value > 0 else None


@require_GET
@login_required
def order_atp_view(request: HttpRequest) -> HttpResponse:
    """The small fragment beside an order line (htmx): the item's on hand, reserved, available and
    on order in the chosen warehouse, in the line's unit and the base unit. Without an item or a
    warehouse it is empty."""
    if not (
        request.user.has_perm("sales.add_salesorder") or request.user.has_perm("sales.change_salesorder")
    ):
        raise PermissionDenied
    item_id, warehouse_id, unit_id = (_param(request, n) for n in ("item", "warehouse", "unit"))
    ctx: dict = {"atp": None}
    item = (
        Item.objects.select_related("base_unit").filter(pk=item_id).first() if item_id.isdecimal() else None
    )
    warehouse = (
        warehouses_for(request.user).filter(pk=warehouse_id).first() if warehouse_id.isdecimal() else None
    )
    if item is not None and warehouse is not None:
        unit = Unit.objects.filter(pk=unit_id).first() if unit_id.isdecimal() else None
        factor = unit_factor(item, unit.pk) if unit is not None else Decimal("1")
        qty = _decimal(_param(request, "qty"))
        # a quantity in a unit the item has no conversion for cannot be compared
        wanted = qty * factor if qty is not None and factor is not None else None
        if factor is None or unit is None or unit.pk == item.base_unit_id:
            unit, factor = None, None  # the figures in the base unit only
        atp = selectors.item_availability(item.pk, warehouse.pk)
        ctx = {
            "atp": atp,
            "item": item,
            "warehouse": warehouse,
            "unit": unit,
            "rows": [
                (label, value, (value / factor).quantize(QTY_PLACES) if factor else None)
                for label, value in (
                    (_("On hand"), atp.on_hand),
                    (_("Reserved"), atp.reserved),
                    (_("Available"), atp.available),
                    (_("On order"), atp.on_order),
                )
            ],
            "wanted": wanted,
            "short": wanted - atp.available if wanted is not None and wanted > atp.available else None,
        }
    return render(request, "sales/_atp.html", ctx)
