"""Screens of the stock alerts: the list (active alerts by default, only the kinds of the user's
roles in the warehouses they may see) and acknowledging one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from inventory.exceptions import DomainError
from inventory.selectors import warehouses_for

from .alerts import alert_acknowledge, alerts_for, kinds_for
from .models import ACTIVE, AlertKind, AlertStatus

PAGE_SIZE = 50

# "Open" alone already means 未核销 (open items of an account) in the catalogue.
STATUS_LABELS = {
    AlertStatus.OPEN: pgettext_lazy("alert status", "Open"),
    AlertStatus.ACKNOWLEDGED: pgettext_lazy("alert status", "Acknowledged"),
    AlertStatus.RESOLVED: pgettext_lazy("alert status", "Resolved"),
}
ACTIVE_FILTER = "active"
ALL_FILTER = "all"


class AlertFilterForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    warehouse = forms.ModelChoiceField(
        label=gettext_lazy("Warehouse"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("All warehouses"),
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = kinds_for(user)
        self.fields["kind"].choices = [("", _("All kinds"))] + [
            (value, label) for value, label in AlertKind.choices if value in kinds
        ]
        self.fields["warehouse"].queryset = warehouses_for(user)
        self.fields["status"].choices = [
            (ACTIVE_FILTER, _("Open or acknowledged")),
            *((status.value, STATUS_LABELS[status]) for status in AlertStatus),
            (ALL_FILTER, _("All, resolved included")),
        ]

    def filter(self, qs):
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or ACTIVE_FILTER
        if status == ACTIVE_FILTER:
            qs = qs.filter(status__in=ACTIVE)
        elif status != ALL_FILTER:
            qs = qs.filter(status=status)
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("warehouse"):
            qs = qs.filter(warehouse=data["warehouse"])
        return qs


def _for_display(alert, *, may_open_orders: bool) -> None:
    """Batches and orders of the JSON detail, typed for the template."""
    alert.status_label = STATUS_LABELS.get(alert.status, alert.status)
    alert.batches = [
        {
            "batch_no": b["batch_no"],
            "expiry_date": date.fromisoformat(b["expiry_date"]),
            "qty": Decimal(b["qty"]),
        }
        for b in alert.detail.get("batches", [])
    ]
    alert.orders = [
        {
            "number": o["number"],
            "short": Decimal(o["short"]),
            "url": reverse("sales:order_detail", args=[o["id"]]) if may_open_orders else "",
        }
        for o in alert.detail.get("orders", [])
    ]
    alert.expiry_days = alert.detail.get("days")


def _schedule(user) -> dict | None:
    """For administrators: where the scan's schedule is edited (django-celery-beat's admin)."""
    if not (user.is_staff and user.has_perm("django_celery_beat.change_periodictask")):
        return None
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.filter(task="reports.scan_stock_alerts").select_related("interval").first()
    try:
        if task is not None:
            url = reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])
        else:
            url = reverse("admin:django_celery_beat_periodictask_changelist")
    except NoReverseMatch:  # the admin is not mounted
        return None
    return {"task": task, "url": url}


@login_required
@permission_required("reports.view_alert", raise_exception=True)
def alert_list_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = AlertFilterForm(request.GET or None, user=user)
    alerts = form.filter(alerts_for(user)).select_related(
        "item", "item__base_unit", "warehouse", "acknowledged_by"
    )
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    may_open_orders = user.has_perm("sales.view_salesorder")
    for alert in page.object_list:
        _for_display(alert, may_open_orders=may_open_orders)
    return render(
        request,
        "reports/alert_list.html",
        {
            "form": form,
            "page_obj": page,
            "alerts": page.object_list,
            "may_acknowledge": user.has_perm("reports.change_alert"),
            "schedule": _schedule(user),
        },
    )


@require_POST
@login_required
@permission_required("reports.change_alert", raise_exception=True)
def alert_acknowledge_view(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(alerts_for(request.user), pk=pk)
    try:
        alert_acknowledge(alert_id=alert.pk, user=request.user)
        messages.success(
            request,
            _("Acknowledged: %(kind)s, %(item)s in %(warehouse)s.")
            % {"kind": alert.get_kind_display(), "item": alert.item, "warehouse": alert.warehouse},
        )
    except DomainError as exc:
        messages.warning(request, exc.message)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("reports:alert_list")
