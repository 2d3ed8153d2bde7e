"""补货建议: the reorder suggestions page. GET lists what needs ordering for the filters; POST
turns the ticked lines (with the quantities as edited) into one draft order per supplier and
warehouse, then comes back to the same filtered page naming the orders it created."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.models import Category, Warehouse

from .models import Supplier
from .reorder import (
    ReorderError,
    ReorderLineInput,
    parse_line_key,
    reorder_create_orders,
    reorder_suggestions,
)


class ReorderFilter(forms.Form):
    # Purchasing buys for every warehouse, so a clerk's warehouse scope does not apply here.
    warehouse = forms.ModelChoiceField(
        label=gettext_lazy("Warehouse"), queryset=Warehouse.objects.filter(is_active=True), required=False
    )
    supplier = forms.ModelChoiceField(
        label=gettext_lazy("Supplier"), queryset=Supplier.objects.filter(is_active=True), required=False
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"), queryset=Category.objects.filter(is_active=True), required=False
    )


def _qty(text: str | None) -> Decimal | None:
    try:
        return Decimal((text or "").strip().replace(",", ""))
    except InvalidOperation:
        return None


def _posted_lines(request: HttpRequest) -> tuple[list[ReorderLineInput], list[str]]:
    """The ticked lines: ids from the checkbox value, the quantity from the line's input."""
    lines, unreadable = [], []
    for key in request.POST.getlist("line"):
        ids = parse_line_key(key)
        if ids is None:
            unreadable.append(_("A ticked line could not be read; reload the page and try again."))
            continue
        lines.append(ReorderLineInput(*ids, qty=_qty(request.POST.get(f"qty-{key}"))))
    return lines, unreadable


@login_required
@permission_required("purchasing.add_purchaseorder", raise_exception=True)
def reorder_view(request: HttpRequest) -> HttpResponse:
    form = ReorderFilter(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    problems: list[str] = []
    if request.method == "POST":
        lines, problems = _posted_lines(request)
        if not problems:
            try:
                orders = reorder_create_orders(lines=lines, user=request.user)
            except ReorderError as exc:
                problems = exc.problems
            else:
                messages.success(
                    request,
                    _("Created %(count)s draft purchase order(s): %(orders)s.")
                    % {
                        "count": len(orders),
                        "orders": ", ".join(f"{o.number} ({o.supplier}, {o.warehouse})" for o in orders),
                    },
                )
                return redirect(request.get_full_path())
    suggestions = reorder_suggestions(
        warehouse=data.get("warehouse"), supplier=data.get("supplier"), category=data.get("category")
    )
    # After a refusal the page keeps what the buyer ticked and typed.
    selected = set(request.POST.getlist("line")) if problems else set()
    for s in suggestions:
        s.selected = s.key in selected
        s.entered = request.POST.get(f"qty-{s.key}") if problems else None
    return render(
        request,
        "purchasing/reorder.html",
        {
            "form": form,
            "suggestions": suggestions,
            "orderable": sum(1 for s in suggestions if s.supplier_item is not None),
            "problems": problems,
        },
    )
