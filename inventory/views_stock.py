"""Screens of the warehouse documents and of stock: documents list/detail/edit/actions/print,
stock on hand, stock card, and the lines a scanner fills."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django_filters.views import FilterView
from django_tables2 import LazyPaginator, SingleTableMixin

from accounts.tables import TablePagesMixin

from . import services
from .exceptions import DomainError
from .filters_stock import StockBalanceFilter, StockDocumentFilter
from .forms_stock import DocumentHeaderForm, LineForm, LineFormSet
from .line_entry import LineEntry, rows_from_post
from .models import (
    Batch,
    DocumentKind,
    DocumentStatus,
    Item,
    Location,
    LocationKind,
    PeriodClose,
    PeriodEvent,
    StockDocument,
    StockMove,
)
from .selectors import locations_for, stock_card, stock_documents_for, stock_on_hand, warehouses_for
from .tables_stock import StockBalanceTable, StockDocumentTable


class StockDocumentList(
    LoginRequiredMixin, PermissionRequiredMixin, TablePagesMixin, SingleTableMixin, FilterView
):
    permission_required = "inventory.view_stockdocument"
    template_name = "inventory/stockdocument_list.html"
    table_class = StockDocumentTable
    filterset_class = StockDocumentFilter
    paginate_by = 25

    def get_queryset(self):
        return stock_documents_for(self.request.user).select_related("warehouse", "created_by")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "kinds": DocumentKind.choices}


def _document_for(user, pk: int) -> StockDocument:
    return get_object_or_404(stock_documents_for(user), pk=pk)


def _document_to_act_on(user, pk: int, action: str = "edit") -> StockDocument:
    """Everything but receiving is done in the document's own warehouse; receiving a transfer
    in the warehouse it goes to. Both warehouses' clerks may look at a transfer."""
    doc = _document_for(user, pk)
    where = doc.to_warehouse_id if action == "receive" else doc.warehouse_id
    if not warehouses_for(user).filter(pk=where).exists():
        raise PermissionDenied
    return doc


@login_required
@permission_required("inventory.view_stockdocument", raise_exception=True)
def stock_document_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _document_for(request.user, pk)
    lines = doc.lines.select_related("item", "unit", "location", "to_location", "batch")
    return render(
        request,
        "inventory/stockdocument_detail.html",
        {
            "doc": doc,
            "lines": lines,
            "actions": _actions(request.user, doc),
            "show_cost": request.user.has_perm("inventory.view_stock_value"),
        },
    )


@login_required
@permission_required("inventory.view_stockdocument", raise_exception=True)
def stock_document_print_view(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _document_for(request.user, pk)
    lines = doc.lines.select_related("item", "unit", "location", "to_location", "batch")
    narrow = request.GET.get("width") == "narrow"
    return render(
        request,
        "inventory/stockdocument_print.html",
        {
            "doc": doc,
            "lines": lines,
            "narrow": narrow,
            "show_cost": request.user.has_perm("inventory.view_stock_value"),
        },
    )


# action name -> (permission, service, label shown in the success message)
ACTIONS = {
    "post": ("inventory.post_stockdocument", services.document_post),
    "submit": ("inventory.change_stockdocument", services.document_submit),
    "approve": ("inventory.approve_stockdocument", services.document_approve),
    "return": ("inventory.change_stockdocument", services.document_return_to_draft),
    "cancel": ("inventory.change_stockdocument", services.document_cancel),
    "reverse": ("inventory.reverse_stockdocument", services.document_reverse),
    "receive": ("inventory.post_stockdocument", services.document_receive),
}


def _actions(user, doc: StockDocument) -> list[str]:
    possible = {
        DocumentStatus.DRAFT: ["submit"] if doc.needs_approval else ["post"],
        DocumentStatus.SUBMITTED: ["approve", "return"],
        DocumentStatus.IN_TRANSIT: ["receive", "reverse"],
        DocumentStatus.POSTED: ["reverse"] if doc.reversal_of_id is None else [],
    }.get(doc.status, [])
    if doc.status in (DocumentStatus.DRAFT, DocumentStatus.SUBMITTED):
        possible = [*possible, "cancel"]
    mine = set(warehouses_for(user).values_list("pk", flat=True))
    return [
        a
        for a in possible
        if user.has_perm(ACTIONS[a][0])
        and (doc.to_warehouse_id if a == "receive" else doc.warehouse_id) in mine
    ]


@require_POST
@login_required
def stock_document_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    perm, service = ACTIONS[action]
    if not request.user.has_perm(perm):
        raise PermissionDenied
    doc = _document_to_act_on(request.user, pk, action)
    try:
        result = service(document_id=doc.pk, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(doc)
    done = {
        "post": _("%(number)s is posted."),
        "submit": _("%(number)s is waiting for approval."),
        "approve": _("%(number)s is approved and posted."),
        "return": _("%(number)s is back to draft."),
        "cancel": _("%(number)s is cancelled."),
        "reverse": _("%(number)s reverses it and is posted."),
        "receive": _("%(number)s is received."),
    }[action]
    messages.success(request, done % {"number": result.number})
    return redirect(result)


class StockDocumentEdit(LoginRequiredMixin, View):
    """Create (with ?kind=) or edit a draft: header and lines saved together, or nothing."""

    template_name = "inventory/stockdocument_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.doc = _document_to_act_on(request.user, kwargs["pk"]) if "pk" in kwargs else None
        perm = "inventory.change_stockdocument" if self.doc else "inventory.add_stockdocument"
        if not request.user.has_perm(perm):
            raise PermissionDenied
        if self.doc is not None and self.doc.status != DocumentStatus.DRAFT:
            messages.error(request, _("Only a draft can be edited."))
            return redirect(self.doc)
        self.kind = self.doc.kind if self.doc else request.GET.get("kind", "")
        if self.kind not in DocumentKind.values:
            raise Http404(_("Unknown document kind."))
        return super().dispatch(request, *args, **kwargs)

    def forms(self, data=None):
        user = self.request.user
        header = DocumentHeaderForm(data, instance=self.doc, kind=self.kind, user=user)
        initial = None
        if self.doc is not None and data is None:
            initial = [
                {
                    "item": ln.item_id,
                    "unit": ln.unit_id,
                    "qty": ln.qty.normalize(),
                    "location": ln.location_id,
                    "to_location": ln.to_location_id,
                    "batch_no": ln.batch.batch_no if ln.batch else "",
                    "expiry_date": ln.batch.expiry_date if ln.batch else None,
                    "production_date": ln.batch.production_date if ln.batch else None,
                    "unit_cost": ln.unit_cost,
                }
                for ln in self.doc.lines.select_related("batch")
            ]
        lines = LineFormSet(
            data, initial=initial, prefix="lines", form_kwargs=line_form_kwargs(user, self.kind)
        )
        return header, lines

    def get(self, request, pk=None):
        header, lines = self.forms()
        return self.render(header, lines)

    def post(self, request, pk=None):
        header, lines = self.forms(request.POST)
        if header.is_valid() and lines.is_valid() and self._lines_in_warehouse(header, lines):
            rows = [
                f.line_input() for f in lines.forms if f.has_changed() and not lines._should_delete_form(f)
            ]
            try:
                with transaction.atomic():
                    if self.doc is None:
                        doc = services.document_create(
                            kind=self.kind, user=request.user, **header.cleaned_data
                        )
                    else:
                        doc = header.save()
                    services.document_set_lines(document=doc, lines=rows)
            except DomainError as exc:
                header.add_error(None, exc.message)
            else:
                messages.success(request, _("Saved %(number)s.") % {"number": doc.number})
                return redirect(doc)
        messages.error(request, _("Nothing was saved: please correct the errors below."))
        return self.render(header, lines)

    def _lines_in_warehouse(self, header, lines) -> bool:
        source = header.cleaned_data["warehouse"]
        target = header.cleaned_data.get("to_warehouse") or source
        ok = True
        for form in lines.forms:
            if not form.has_changed() or lines._should_delete_form(form):
                continue
            if form.cleaned_data["location"].warehouse_id != source.pk:
                form.add_error("location", _("This location is not in %(wh)s.") % {"wh": source})
                ok = False
            to = form.cleaned_data.get("to_location")
            if to is not None and to.warehouse_id != target.pk:
                form.add_error("to_location", _("This location is not in %(wh)s.") % {"wh": target})
                ok = False
        return ok

    def render(self, header, lines):
        decorate_line_forms(lines.forms)
        return render(
            self.request,
            self.template_name,
            {
                "doc": self.doc,
                "kind": self.kind,
                "kind_label": DocumentKind(self.kind).label,
                "header": header,
                "lines": lines,
            },
        )


def line_form_kwargs(user, kind: str) -> dict:
    """What every line form of a document screen gets: the kind and the locations to offer."""
    locations = locations_for(user).filter(is_active=True).exclude(kind=LocationKind.TRANSIT)
    # a transfer may go to any warehouse: its clerks receive it there
    to_locations = (
        Location.objects.filter(is_active=True, warehouse__is_active=True)
        .exclude(kind=LocationKind.TRANSIT)
        .select_related("warehouse", "parent")
    )
    return {"kind": kind, "locations": locations, "to_locations": to_locations}


def decorate_line_forms(forms) -> None:
    """Tell each line form its item's tracking (which batch fields it shows) and, on outbound
    documents, the named batch's expiry date. Two queries, however many rows."""
    chosen = {}
    for form in forms:
        value = form["item"].value()
        if str(value).isdecimal():
            chosen[form] = int(value)
    tracking = dict(Item.objects.filter(pk__in=set(chosen.values())).values_list("pk", "tracking"))
    for form, item_id in chosen.items():
        form.tracking = tracking.get(item_id, "")
    outbound = [
        (f, item_id, (f["batch_no"].value() or "").strip()) for f, item_id in chosen.items() if f.outbound
    ]
    outbound = [row for row in outbound if row[2] and row[0].tracking]
    if outbound:
        expiry = {
            (item_id, number): day
            for item_id, number, day in Batch.objects.filter(
                item_id__in={r[1] for r in outbound}, batch_no__in={r[2] for r in outbound}
            ).values_list("item_id", "batch_no", "expiry_date")
        }
        today = timezone.localdate()
        for form, item_id, number in outbound:
            form.batch_expiry = expiry.get((item_id, number))
            form.batch_expired = form.batch_expiry is not None and form.batch_expiry < today


@require_POST
@login_required
def stock_document_lines_view(request: HttpRequest) -> HttpResponse:
    """The document screen's lines after a scan (op=scan, code), an item chosen in a row
    (op=item, row) or the FEFO button (op=fefo, row). The whole form is posted; the answer is
    HTML swapped out of band by htmx: changed rows, new rows, the row count and a message."""
    user = request.user
    if not (user.has_perm("inventory.add_stockdocument") or user.has_perm("inventory.change_stockdocument")):
        raise PermissionDenied
    kind = request.POST.get("kind", "")
    if kind not in DocumentKind.values:
        raise Http404(_("Unknown document kind."))
    warehouse = None
    if request.POST.get("warehouse", "").isdecimal():
        warehouse = get_object_or_404(
            warehouses_for(user).filter(is_active=True), pk=request.POST["warehouse"]
        )
    rows = rows_from_post(request.POST)
    entry = LineEntry(kind=kind, warehouse=warehouse, rows=rows)
    op, row = request.POST.get("op"), request.POST.get("row", "")
    if op == "scan":
        outcome = entry.scan(request.POST.get("code", ""))
    elif op in ("item", "fefo") and row.isdecimal() and int(row) < len(rows):
        outcome = entry.choose_item(int(row)) if op == "item" else entry.fefo(int(row))
    else:
        return HttpResponseBadRequest()

    kwargs = line_form_kwargs(user, kind)
    formset = LineFormSet(prefix="lines", form_kwargs=kwargs)

    def form_for(row):
        form = LineForm(
            prefix=formset.add_prefix(row.index), initial=row.data, use_required_attribute=False, **kwargs
        )
        formset.add_fields(form, row.index)
        form.index = row.index
        return form

    changed = [form_for(r) for r in outcome.changed]
    added = [form_for(r) for r in outcome.added]
    decorate_line_forms(changed + added)
    return render(
        request,
        "inventory/_stockdocument_lines_update.html",
        {
            "changed": changed,
            "added": added,
            "total": len(rows),
            "outcome": outcome,
            "touched": outcome.touched.index if outcome.touched else "",
        },
    )


class StockOnHand(LoginRequiredMixin, PermissionRequiredMixin, TablePagesMixin, SingleTableMixin, FilterView):
    """Read from balances, never summed from the ledger; pages without an exact COUNT(*)."""

    permission_required = "inventory.view_stockbalance"
    template_name = "inventory/stock_on_hand.html"
    table_class = StockBalanceTable
    filterset_class = StockBalanceFilter
    paginate_by = 50
    paginator_class = LazyPaginator  # no COUNT(*): "next" exists when one more row does

    def get_queryset(self):
        return stock_on_hand(self.request.user)

    def get_table_kwargs(self):
        show = self.request.user.has_perm("inventory.view_stock_value")
        return {"exclude": () if show else ("avg_cost", "stock_value")}


def _id_param(value) -> int | None:
    """An id from the query string; None when empty or not a number (a mistyped URL shows the
    unnarrowed card instead of failing)."""
    return int(value) if value and value.isdecimal() else None


@login_required
@permission_required("inventory.view_stockmove", raise_exception=True)
def stock_card_view(request: HttpRequest, item_id: int) -> HttpResponse:
    """库存台账: one item's moves with running quantity and value, by warehouse and date range."""
    item = get_object_or_404(Item, pk=item_id)
    warehouses = warehouses_for(request.user)
    warehouse = None
    if request.GET.get("warehouse", "").isdecimal():
        warehouse = get_object_or_404(warehouses, pk=request.GET["warehouse"])
    elif not request.user.has_perm("inventory.view_all_warehouses"):
        warehouse = warehouses.first()
        if warehouse is None:
            raise PermissionDenied
    card = stock_card(
        item=item,
        warehouse=warehouse,
        start=request.GET.get("start") or None,
        end=request.GET.get("end") or None,
        location_id=_id_param(request.GET.get("location")),
        batch_id=_id_param(request.GET.get("batch")),
    )
    return render(
        request,
        "inventory/stock_card.html",
        {
            "item": item,
            "card": card,
            "warehouse": warehouse,
            "warehouses": warehouses,
            "show_value": request.user.has_perm("inventory.view_stock_value"),
            "start": request.GET.get("start", ""),
            "end": request.GET.get("end", ""),
        },
    )


ZERO = Decimal("0")


@login_required
@permission_required("inventory.view_periodclose", raise_exception=True)
def period_list_view(request: HttpRequest) -> HttpResponse:
    """月结: the closed months, the next month that can be closed, and the audit of closes/reopens."""
    latest = PeriodClose.objects.order_by("-end_date").first()
    if latest is not None:
        following = latest.end_date + timedelta(days=1)
        candidate = (following.year, following.month)
    else:
        first = StockMove.objects.order_by("moved_at").values_list("moved_at", flat=True).first()
        start = timezone.localdate(first) if first else timezone.localdate()
        candidate = (start.year, start.month)
    today = timezone.localdate()
    closable = candidate < (today.year, today.month)
    return render(
        request,
        "inventory/periods.html",
        {
            "periods": PeriodClose.objects.select_related("closed_by")[:36],
            "events": PeriodEvent.objects.select_related("by")[:50],
            "candidate": f"{candidate[0]}-{candidate[1]:02d}",
            "closable": closable,
            "latest": latest,
        },
    )


@require_POST
@login_required
@permission_required("inventory.close_period", raise_exception=True)
def period_close_view(request: HttpRequest) -> HttpResponse:
    try:
        year, month = (int(part) for part in request.POST.get("month", "").split("-"))
        services.period_close(year=year, month=month, user=request.user)
    except ValueError:
        messages.error(request, _("Choose a month."))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(year)s-%(month)02d is closed.") % {"year": year, "month": month})
    return redirect("inventory:period_list")


@require_POST
@login_required
@permission_required("inventory.reopen_period", raise_exception=True)
def period_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    period = get_object_or_404(PeriodClose, pk=pk)
    try:
        services.period_reopen(
            year=period.year, month=period.month, user=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(period)s is open again.") % {"period": period})
    return redirect("inventory:period_list")
