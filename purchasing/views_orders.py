"""Screens of the buying cycle: purchase orders (list, detail, edit, status actions, print),
receiving against them (the clerk's scanner screen) and returns to the supplier.

Views parse, call a service, and put a domain error back on the page; they never write."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from accounts.tables import TablePagesMixin
from inventory.exceptions import DomainError
from inventory.selectors import warehouses_for

from . import services
from .filters import PurchaseOrderFilter, PurchaseReceiptFilter
from .forms_orders import OrderHeaderForm, OrderLineFormSet, ReceiptLineForm, RejectForm, ReturnHeaderForm
from .models import (
    OPEN_STATUSES,
    OrderStatus,
    PurchaseOrder,
    PurchaseReceipt,
    PurchaseReturn,
    ReceiptStatus,
    ReturnStatus,
)
from .tables import PurchaseOrderTable, PurchaseReceiptTable

# Orders ------------------------------------------------------------------------------------------


class OrderList(LoginRequiredMixin, PermissionRequiredMixin, TablePagesMixin, SingleTableMixin, FilterView):
    permission_required = "purchasing.view_purchaseorder"
    template_name = "purchasing/order_list.html"
    table_class = PurchaseOrderTable
    filterset_class = PurchaseOrderFilter
    paginate_by = 25

    def get_queryset(self):
        qs = PurchaseOrder.objects.select_related("supplier", "warehouse", "created_by")
        if self.request.GET.get("awaiting") == "1":
            qs = qs.filter(status=OrderStatus.SUBMITTED)
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["awaiting"] = PurchaseOrder.objects.filter(status=OrderStatus.SUBMITTED).count()
        return ctx


ORDER_ACTIONS = {
    # action -> (permission, label of the success message)
    "submit": "purchasing.change_purchaseorder",
    "approve": "purchasing.approve_purchaseorder",
    "reject": "purchasing.approve_purchaseorder",
    "cancel": "purchasing.change_purchaseorder",
    "close": "purchasing.change_purchaseorder",
}


def order_actions(user, order: PurchaseOrder) -> list[str]:
    possible = {
        OrderStatus.DRAFT: ["submit", "cancel"],
        OrderStatus.SUBMITTED: ["approve", "reject", "cancel"],
        OrderStatus.APPROVED: ["cancel"],
        OrderStatus.PARTIAL: ["close"],
        OrderStatus.RECEIVED: ["close"],
    }.get(order.status, [])
    own = user.pk in (order.created_by_id, order.submitted_by_id)
    return [a for a in possible if user.has_perm(ORDER_ACTIONS[a]) and not (a == "approve" and own)]


@login_required
@permission_required("purchasing.view_purchaseorder", raise_exception=True)
def order_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(PurchaseOrder.objects.select_related("supplier", "warehouse"), pk=pk)
    lines = order.lines.select_related("item__base_unit", "unit")
    return render(
        request,
        "purchasing/order_detail.html",
        {
            "order": order,
            "lines": lines,
            "events": order.events.select_related("by"),
            "receipts": order.receipts.select_related("created_by"),
            "actions": order_actions(request.user, order),
            "needs_approval": services.needs_approval(order),
            "threshold": settings.PURCHASE_APPROVAL_THRESHOLD,
            "reject_form": RejectForm(),
            "can_receive": order.status in OPEN_STATUSES and _may_receive(request.user, order),
        },
    )


@login_required
@permission_required("purchasing.view_purchaseorder", raise_exception=True)
def order_print_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(PurchaseOrder.objects.select_related("supplier", "warehouse"), pk=pk)
    return render(
        request,
        "purchasing/order_print.html",
        {
            "order": order,
            "lines": order.lines.select_related("item", "unit"),
            "company": settings.JXC_COMPANY_NAME,
            "company_address": settings.JXC_COMPANY_ADDRESS,
        },
    )


@require_POST
@login_required
def order_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ORDER_ACTIONS:
        raise Http404
    if not request.user.has_perm(ORDER_ACTIONS[action]):
        raise PermissionDenied
    order = get_object_or_404(PurchaseOrder, pk=pk)
    note = request.POST.get("note", "")
    calls = {
        "submit": lambda: services.order_submit(order_id=order.pk, user=request.user),
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
    done = {
        "submit": _("%(number)s is approved.")
        if result.status == OrderStatus.APPROVED
        else _("%(number)s is waiting for a manager's approval."),
        "approve": _("%(number)s is approved."),
        "reject": _("%(number)s is sent back to draft."),
        "cancel": _("%(number)s is cancelled."),
        "close": _("%(number)s is closed."),
    }[action]
    messages.success(request, done % {"number": result.number})
    return redirect(result)


class OrderEdit(LoginRequiredMixin, View):
    """Create or edit a draft order: header and lines saved together, or nothing."""

    template_name = "purchasing/order_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.order = get_object_or_404(PurchaseOrder, pk=kwargs["pk"]) if "pk" in kwargs else None
        perm = "purchasing.change_purchaseorder" if self.order else "purchasing.add_purchaseorder"
        if not request.user.has_perm(perm):
            raise PermissionDenied
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
                    "price": ln.price.normalize(),
                    "tax_rate": ln.tax_rate.normalize(),
                    "expected_date": ln.expected_date
                    if ln.expected_date != self.order.expected_date
                    else None,
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
            data = header.cleaned_data
            try:
                with transaction.atomic():
                    if self.order is None:
                        order = services.order_create(user=request.user, **data)
                    else:
                        fields = dict(data)
                        if fields.get("expected_date") is None:
                            fields["expected_date"] = self.order.expected_date
                        order = services.order_update(order_id=self.order.pk, user=request.user, **fields)
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


# Receiving ---------------------------------------------------------------------------------------


def receipts_for(user):
    """Receipts of the warehouses the user works in (all for purchasing, sales and managers)."""
    return PurchaseReceipt.objects.filter(order__warehouse__in=warehouses_for(user))


def _may_receive(user, order: PurchaseOrder) -> bool:
    return (
        user.has_perm("purchasing.receive_purchaseorder")
        and warehouses_for(user).filter(pk=order.warehouse_id).exists()
    )


class ReceiptList(LoginRequiredMixin, PermissionRequiredMixin, TablePagesMixin, SingleTableMixin, FilterView):
    """Receipts, and above them the orders waiting for goods in the user's warehouses."""

    permission_required = "purchasing.view_purchasereceipt"
    template_name = "purchasing/receipt_list.html"
    table_class = PurchaseReceiptTable
    filterset_class = PurchaseReceiptFilter
    paginate_by = 25

    def get_queryset(self):
        return receipts_for(self.request.user).select_related(
            "order__supplier", "order__warehouse", "created_by"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["to_receive"] = (
            PurchaseOrder.objects.filter(
                status__in=OPEN_STATUSES, warehouse__in=warehouses_for(self.request.user)
            )
            .select_related("supplier", "warehouse")
            .order_by("expected_date", "number")[:50]
        )
        ctx["may_receive"] = self.request.user.has_perm("purchasing.receive_purchaseorder")
        return ctx


@require_POST
@login_required
@permission_required("purchasing.receive_purchaseorder", raise_exception=True)
def receipt_start_view(request: HttpRequest) -> HttpResponse:
    """Start receiving: by the order's number (scanned or typed) or its id. A draft receipt of
    the order that this user started is continued instead of starting another."""
    code = request.POST.get("order", "").strip()
    mine = PurchaseOrder.objects.filter(warehouse__in=warehouses_for(request.user))
    order = mine.filter(Q(number__iexact=code) | Q(pk=int(code) if code.isdecimal() else None)).first()
    if order is None:
        messages.error(request, _("No order %(code)s to receive in your warehouses.") % {"code": code})
        return redirect("purchasing:receipt_list")
    draft = order.receipts.filter(status=ReceiptStatus.DRAFT, created_by=request.user).first()
    if draft is not None:
        return redirect("purchasing:receipt_edit", draft.pk)
    try:
        receipt = services.receipt_create(order_id=order.pk, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("purchasing:receipt_list")
    return redirect("purchasing:receipt_edit", receipt.pk)


def _receipt_to_work_on(user, pk: int) -> PurchaseReceipt:
    receipt = get_object_or_404(
        receipts_for(user).select_related("order__warehouse", "order__supplier"), pk=pk
    )
    if not _may_receive(user, receipt.order):
        raise PermissionDenied
    return receipt


def _line_form(line, data=None):
    ol = line.order_line
    initial = {
        "accepted_qty": line.accepted_qty.normalize(),
        "rejected_qty": line.rejected_qty.normalize(),
        "reject_reason": line.reject_reason,
        "location": line.location_id,
        "batch_no": line.batch_no,
        "expiry_date": line.expiry_date,
        "production_date": line.production_date,
    }
    form = ReceiptLineForm(data, initial=initial, prefix=f"l{line.pk}", warehouse=ol.order.warehouse)
    if ol.item.tracking == "none":
        for name in ("batch_no", "expiry_date", "production_date"):
            del form.fields[name]
    elif ol.item.tracking != "batch_expiry":
        del form.fields["expiry_date"]
    form.line = line
    form.due = services.outstanding(ol)
    form.complete = line.accepted_qty >= form.due
    return form


def _receipt_forms(receipt):
    lines = receipt.lines.select_related(
        "order_line__item", "order_line__unit", "order_line__order__warehouse"
    )
    return [_line_form(line) for line in lines]


@login_required
def receipt_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The receiving screen: scan cases (counts go up), bins (where goods go), type rejected
    quantities, batches and expiry; every change is saved at once."""
    receipt = _receipt_to_work_on(request.user, pk)
    if receipt.status != ReceiptStatus.DRAFT:
        return redirect(receipt)
    return render(
        request,
        "purchasing/receipt_edit.html",
        {"receipt": receipt, "order": receipt.order, "forms": _receipt_forms(receipt)},
    )


@require_POST
@login_required
def receipt_scan_view(request: HttpRequest, pk: int) -> HttpResponse:
    receipt = _receipt_to_work_on(request.user, pk)
    location_id = request.POST.get("location", "")
    try:
        result = services.receipt_scan(
            receipt_id=receipt.pk,
            code=request.POST.get("code", ""),
            location_id=int(location_id) if location_id.isdecimal() else None,
            user=request.user,
        )
    except DomainError as exc:
        result = services.ScanResult(False, exc.message)
    ctx = {"receipt": receipt, "result": result, "form": None}
    if result.line is not None:
        result.line.order_line.order = receipt.order
        ctx["form"] = _line_form(result.line)
    response = render(request, "purchasing/_receipt_scan_answer.html", ctx)
    if not result.ok:
        response.status_code = 422
    return response


@require_POST
@login_required
def receipt_line_view(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """Save one edited line (htmx); answers with the line's row, errors shown in it."""
    receipt = _receipt_to_work_on(request.user, pk)
    line = get_object_or_404(
        receipt.lines.select_related("order_line__item", "order_line__unit", "order_line__order__warehouse"),
        pk=line_pk,
    )
    form = _line_form(line, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            line = services.receipt_update_line(
                receipt_id=receipt.pk,
                line_id=line.pk,
                line=services.ReceiptLineInput(
                    order_line_id=line.order_line_id,
                    location_id=d["location"].pk,
                    accepted_qty=d["accepted_qty"],
                    rejected_qty=d.get("rejected_qty") or 0,
                    reject_reason=d.get("reject_reason", ""),
                    batch_no=d.get("batch_no", ""),
                    expiry_date=d.get("expiry_date"),
                    production_date=d.get("production_date"),
                ),
                user=request.user,
            )
            line.order_line.order = receipt.order
            form = _line_form(line)
        except DomainError as exc:
            form.add_error(None, exc.message)
    # the head (counted, complete) and the errors only: the inputs stay as the clerk left them
    if form.errors:
        form.line = line  # the saved line: the head shows what is stored, the errors what was refused
    response = render(request, "purchasing/_receipt_line_saved.html", {"f": form, "receipt": receipt})
    if form.errors:
        response.status_code = 422
    return response


@require_POST
@login_required
def receipt_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    receipt = _receipt_to_work_on(request.user, pk)
    if action not in ("post", "cancel"):
        raise Http404
    try:
        if action == "post":
            receipt = services.receipt_post(receipt_id=receipt.pk, user=request.user)
            messages.success(request, _("%(number)s is posted.") % {"number": receipt.number})
        else:
            receipt = services.receipt_cancel(receipt_id=receipt.pk, user=request.user)
            messages.success(request, _("%(number)s is cancelled.") % {"number": receipt.number})
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("purchasing:receipt_edit", receipt.pk)
    return redirect(receipt)


@login_required
@permission_required("purchasing.view_purchasereceipt", raise_exception=True)
def receipt_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    receipt = get_object_or_404(
        receipts_for(request.user).select_related("order__supplier", "order__warehouse", "posted_by"), pk=pk
    )
    return render(
        request,
        "purchasing/receipt_detail.html",
        {
            "receipt": receipt,
            "order": receipt.order,
            "lines": receipt.lines.select_related(
                "order_line__item__base_unit", "order_line__unit", "location", "batch"
            ),
            "returns": receipt.returns.all(),
            "show_money": request.user.has_perm("purchasing.view_purchaseorder"),
            "can_edit": receipt.status == ReceiptStatus.DRAFT and _may_receive(request.user, receipt.order),
            "can_return": receipt.status == ReceiptStatus.POSTED
            and request.user.has_perm("purchasing.return_purchaseorder"),
        },
    )


# Returns to supplier -----------------------------------------------------------------------------


class ReturnCreate(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Return goods of a posted receipt: a quantity per line (in the order's unit)."""

    permission_required = "purchasing.return_purchaseorder"

    def setup_receipt(self, pk):
        receipt = get_object_or_404(PurchaseReceipt.objects.select_related("order__supplier"), pk=pk)
        if receipt.status != ReceiptStatus.POSTED:
            raise Http404
        lines = list(receipt.lines.select_related("order_line__item", "order_line__unit"))
        for ln in lines:
            ln.left = ((ln.accepted_base_qty - ln.returned_base_qty) / ln.order_line.factor).normalize()
        return receipt, lines

    def get(self, request, pk):
        receipt, lines = self.setup_receipt(pk)
        return self.render(receipt, lines, ReturnHeaderForm(), {})

    def post(self, request, pk):
        receipt, lines = self.setup_receipt(pk)
        header = ReturnHeaderForm(request.POST)
        wanted, errors = {}, {}
        for ln in lines:
            raw = request.POST.get(f"qty-{ln.pk}", "").strip() or "0"
            try:
                wanted[ln.pk] = Decimal(raw)
                if not wanted[ln.pk].is_finite() or wanted[ln.pk] < 0:
                    raise ValueError
            except (ArithmeticError, ValueError):
                errors[ln.pk] = _("Enter a quantity of zero or more.")
        if header.is_valid() and not errors:
            try:
                with transaction.atomic():
                    ret = services.return_create(
                        receipt_id=receipt.pk,
                        user=request.user,
                        reason=header.cleaned_data["reason"],
                        posting_date=header.cleaned_data["posting_date"],
                        note=header.cleaned_data.get("note", ""),
                        lines=[
                            services.ReturnLineInput(receipt_line_id=k, qty=v) for k, v in wanted.items() if v
                        ],
                    )
                    ret = services.return_post(return_id=ret.pk, user=request.user)
            except DomainError as exc:
                header.add_error(None, exc.message)
            else:
                messages.success(request, _("%(number)s is posted.") % {"number": ret.number})
                return redirect(ret)
        return self.render(receipt, lines, header, errors, request.POST)

    def render(self, receipt, lines, header, errors, data=None):
        for ln in lines:
            ln.error = errors.get(ln.pk, "")
            ln.entered = (data or {}).get(f"qty-{ln.pk}", "")
        return render(
            self.request,
            "purchasing/return_form.html",
            {"receipt": receipt, "order": receipt.order, "lines": lines, "header": header},
        )


@login_required
@permission_required("purchasing.view_purchasereturn", raise_exception=True)
def return_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    ret = get_object_or_404(
        PurchaseReturn.objects.select_related(
            "receipt__order__supplier", "receipt__order__warehouse", "posted_by"
        ),
        pk=pk,
    )
    return render(
        request,
        "purchasing/return_detail.html",
        {
            "ret": ret,
            "lines": ret.lines.select_related(
                "receipt_line__order_line__item", "receipt_line__order_line__unit"
            ),
            "posted": ret.status == ReturnStatus.POSTED,
        },
    )
