"""Screens of the warehouse documents and of stock: documents list/detail/edit/actions/print,
stock on hand, stock card, and the lines a scanner fills."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta
from decimal import Decimal
from html import escape as _html_escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms import Select
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from accounts.formatting import fmt_money, fmt_price, fmt_qty
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
from .selectors import (
    STOCK_SORTS,
    locations_for,
    stock_card,
    stock_documents_for,
    stock_filter_choices,
    stock_on_hand,
    stock_on_hand_page,
    stock_sort_keys,
    warehouses_for,
)
from .tables_stock import StockDocumentTable


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


def _encode_key(values: tuple) -> str:
    """A page cursor for the URL: the key values of a row, as base64 of a JSON list."""
    plain = [v if v is None or isinstance(v, int) else str(v) for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, ensure_ascii=False).encode()).decode().rstrip("=")


_KEY_TYPES = {"batch__expiry_date": date.fromisoformat, "on_hand": Decimal, "reserved": Decimal, "id": int}


def _decode_key(text: str, sort: str) -> tuple | None:
    """The key values of a ?after= / ?before= cursor for this sort; None when it is not one (a
    mistyped or stale URL shows the first page instead of failing)."""
    if not text:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        keys = stock_sort_keys(sort)
        if not isinstance(raw, list) or len(raw) != len(keys):
            return None
        values = tuple(
            None if v is None else _KEY_TYPES.get(k.field, str)(v) for k, v in zip(keys, raw, strict=True)
        )
    except (ValueError, TypeError, ArithmeticError, UnicodeDecodeError):
        return None
    if values[-1] is None or any(
        v is None and k.field not in ("batch__batch_no", "batch__expiry_date")
        for k, v in zip(keys, values, strict=True)
    ):
        return None
    return values


def _filter_fields(form, choices: dict[str, list[tuple[int, str]]] | None = None) -> list[str]:
    """The filter form's fields as crispy-forms' bootstrap5 pack writes them (label, input or
    select, error), written directly: crispy and Django's per-option widget templates took
    15–40 ms a page for seven fields and ≈70 options, more than the rest of the page together.
    Text inputs and selects only — what StockBalanceFilter has. `choices` gives a model choice
    field's options, read beforehand (selectors.stock_filter_choices), instead of its queryset."""
    out = []
    for field in form:
        widget, errors = field.field.widget, field.errors
        invalid = " is-invalid" if errors else ""
        label = format_html('<label for="{}" class="form-label">{}</label>', field.id_for_label, field.label)
        if isinstance(widget, Select):
            value = widget.format_value(field.value())  # a list of texts; NullBooleanSelect: one
            chosen = {value} if isinstance(value, str) else set(value)
            if choices is not None and field.name in choices:
                head = [] if field.field.empty_label is None else [("", field.field.empty_label)]
                if getattr(field.field, "null_label", None) is not None:
                    head.append((field.field.null_value, field.field.null_label))
                listed = [*head, *choices[field.name]]
            else:
                listed = widget.choices
            options = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (key, mark_safe(" selected") if key in chosen else "", text)
                    for key, text in ((str(getattr(k, "value", k)), t) for k, t in listed)
                ),
            )
            control = format_html(
                '<select name="{}" class="select form-select{}" id="{}">{}</select>',
                field.html_name,
                invalid,
                field.auto_id,
                options,
            )
        else:
            value = field.value()
            control = format_html(
                '<input type="text" name="{}"{} class="textinput form-control{}" id="{}">',
                field.html_name,
                format_html(' value="{}"', value) if value not in (None, "") else "",
                invalid,
                field.auto_id,
            )
        error = format_html_join(
            "", '<span class="invalid-feedback"><strong>{}</strong></span>', ((e,) for e in errors)
        )
        out.append(
            format_html('<div id="div_{}" class="mb-3">{}{}{}</div>', field.auto_id, label, control, error)
        )
    return out


# (sort name, header, numeric) in the table's order; a None sort name: not sortable
STOCK_COLUMNS = [
    ("item", gettext_lazy("Item"), False),
    ("warehouse", gettext_lazy("Warehouse"), False),
    ("location", gettext_lazy("Location"), False),
    ("batch", gettext_lazy("Batch"), False),
    ("expiry", gettext_lazy("Expiry date"), False),
    ("on_hand", gettext_lazy("On hand"), True),
    ("reserved", gettext_lazy("Reserved"), True),
    (None, gettext_lazy("Available"), True),
    (None, gettext_lazy("Unit"), False),
]
STOCK_VALUE_COLUMNS = [
    (None, gettext_lazy("Average cost"), True),
    (None, pgettext_lazy("money", "Value"), True),
]
CURSOR_PARAMS = ("after", "before", "page")


class StockOnHand(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Read from balances, never summed from the ledger. Pages by keyset (?after= / ?before= the
    key values of the last / first row shown): a deep page costs what the first does, and no
    COUNT(*). Rows are rendered by a plain template loop over dicts: the table machinery of
    django-tables2 cost ≈100 ms per 600 cells (bench/README.md)."""

    permission_required = "inventory.view_stockbalance"
    template_name = "inventory/stock_on_hand.html"
    page_size = 50

    def get_context_data(self, **kwargs):
        request, user = self.request, self.request.user
        filterset = StockBalanceFilter(request.GET or None, queryset=stock_on_hand(user), request=request)
        # as django-filter's FilterView (strict): an invalid filter shows nothing
        rows = filterset.qs if not filterset.is_bound or filterset.is_valid() else filterset.queryset.none()
        sort = request.GET.get("sort", "")
        if sort.removeprefix("-") not in STOCK_SORTS:
            sort = ""
        show_value = user.has_perm("inventory.view_stock_value")
        page = stock_on_hand_page(
            rows,
            sort=sort,
            after=_decode_key(request.GET.get("after", ""), sort),
            before=_decode_key(request.GET.get("before", ""), sort),
            size=self.page_size,
            with_value=show_value,
        )
        query = request.GET.copy()
        for name in CURSOR_PARAMS:
            query.pop(name, None)

        def link(**params) -> str:
            q = query.copy()
            for name, value in params.items():
                q[name] = value
            return "?" + q.urlencode()

        columns = STOCK_COLUMNS + (STOCK_VALUE_COLUMNS if show_value else [])
        headers = []
        for name, label, numeric in columns:
            header = {"label": label, "numeric": numeric, "url": None, "order": ""}
            if name is not None:
                header["order"] = "asc" if sort == name else "desc" if sort == f"-{name}" else ""
                header["url"] = link(sort=f"-{name}" if sort == name else name)
            headers.append(header)
        return {
            **super().get_context_data(**kwargs),
            "filter": filterset,
            "filter_fields": _filter_fields(filterset.form, stock_filter_choices(user)),
            "headers": headers,
            "rows": _stock_rows(page.rows, show_value),
            "show_value": show_value,
            "columns": len(columns) + 1,
            "page": page,
            "first_url": link() if page.has_previous else None,
            "previous_url": link(before=_encode_key(page.first_key)) if page.has_previous else None,
            "next_url": link(after=_encode_key(page.last_key)) if page.has_next else None,
        }


def _escape(value) -> str:
    return _html_escape(str(value))


def _stock_rows(rows: list[dict], show_value: bool) -> list[str]:
    """Each row of the stock list as its HTML, escaped and formatted here in one pass: a template
    loop resolving a dozen variables per row cost more than the page's query."""
    # the standard library's html.escape: Django's escape (the same text) goes through keep_lazy
    # per call, which cost more than the rest of a row
    card = reverse("inventory:stock_card", args=[0]).removesuffix("0/")  # …/card/<item_id>/
    why = _escape(_("Moves that make up this balance"))
    dash = "—"
    out = []
    for r in rows:
        query = f"?warehouse={r['warehouse_id']}&location={r['location_id']}"
        if r["batch_id"]:
            query += f"&batch={r['batch_id']}"
        expiry = r["batch__expiry_date"]
        cells = [
            f"<td>{_escape(r['item__sku'])} {_escape(r['item__name'])}</td>",
            f"<td>{_escape(r['warehouse__name'])}</td><td>{_escape(r['location__path'])}</td>",
            f"<td>{dash if r['batch__batch_no'] is None else _escape(r['batch__batch_no'])}</td>",
            f"<td>{date_format(expiry, 'SHORT_DATE_FORMAT') if expiry else dash}</td>",
            f'<td class="num">{fmt_qty(r["on_hand"])}</td><td class="num">{fmt_qty(r["reserved"])}</td>',
            f'<td class="num">{fmt_qty(r["on_hand"] - r["reserved"])}</td><td>{_escape(r["unit"])}</td>',
        ]
        if show_value:
            cells.append(
                f'<td class="num">{fmt_price(r["avg_cost"])}</td><td class="num">{fmt_money(r["stock_value"])}</td>'
            )
        cells.append(
            f'<td><a href="{_escape(card)}{r["item_id"]}/{_escape(query)}" class="small why-link" title="{why}">'
            '<i class="bi bi-list-columns"></i></a></td>'
        )
        out.append(mark_safe(f'<tr data-balance="{r["id"]}">{"".join(cells)}</tr>'))  # noqa: S308 (escaped above)
    return out


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
