"""Generic master-data screens: list (django-tables2 + django-filter), detail with change
history, create/edit with optional inline formsets saved all-or-nothing, and deactivate.

Each master-data model gets its screens by subclassing these with a model, a table, a filter
and a form; URLs follow `<app>:<model>_<action>` (see crud_urls)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import CreateView, DetailView, UpdateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from inventory.exceptions import DomainError

from .formatting import fmt_decimal_field, fmt_qty
from .tables import TablePagesMixin


def _shown(value):
    return fmt_qty(value) if isinstance(value, Decimal) else value


def _perm(model: type[Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def _url(model: type[Model], action: str, *args) -> str | None:
    try:
        return reverse(f"{model._meta.app_label}:{model._meta.model_name}_{action}", args=args)
    except NoReverseMatch:
        return None


class ScopedMixin:
    """Querysets come through `scope(qs, user)`: objects the user may not see are simply absent,
    so guessing an id gives 404, never data."""

    model: type[Model]

    def scope(self, qs: QuerySet, user) -> QuerySet:
        return qs

    def get_queryset(self) -> QuerySet:
        return self.scope(super().get_queryset(), self.request.user)


class ModelContextMixin:
    model: type[Model]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        meta = self.model._meta
        user = self.request.user
        ctx.update(
            model_name=meta.model_name,
            verbose_name=meta.verbose_name,
            verbose_name_plural=meta.verbose_name_plural,
            list_url=_url(self.model, "list"),
            can_add=user.has_perm(_perm(self.model, "add")),
            can_change=user.has_perm(_perm(self.model, "change")),
            create_url=_url(self.model, "create"),
        )
        return ctx


class MasterListView(
    LoginRequiredMixin,
    PermissionRequiredMixin,
    ScopedMixin,
    ModelContextMixin,
    TablePagesMixin,
    SingleTableMixin,
    FilterView,
):
    template_name = "crud/list.html"
    paginate_by = 25
    filterset_class = None
    table_class = None

    def get_permission_required(self):
        return [_perm(self.model, "view")]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        meta = self.model._meta
        if user.has_perm(f"{meta.app_label}.import_{meta.model_name}"):
            ctx["import_url"] = _url(self.model, "import")
        if user.has_perm(f"{meta.app_label}.export_{meta.model_name}"):
            export = _url(self.model, "export")
            if export:
                query = self.request.GET.urlencode()
                ctx["export_url"] = f"{export}?{query}" if query else export
        return ctx


class MasterDetailView(
    LoginRequiredMixin, PermissionRequiredMixin, ScopedMixin, ModelContextMixin, DetailView
):
    template_name = "crud/detail.html"
    detail_fields: tuple[str, ...] = ()
    history_limit = 10

    def get_permission_required(self):
        return [_perm(self.model, "view")]

    def get_fields(self):
        obj = self.object
        rows = []
        for name in self.detail_fields:
            field = obj._meta.get_field(name)
            display = getattr(obj, f"get_{name}_display", None)
            value = display() if display else getattr(obj, name)
            if isinstance(value, Decimal):
                value = fmt_decimal_field(field, value)
            rows.append({"label": field.verbose_name, "value": value, "name": name})
        return rows

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.object
        ctx["fields"] = self.get_fields()
        ctx["update_url"] = _url(self.model, "update", obj.pk)
        ctx["toggle_url"] = _url(self.model, "toggle", obj.pk) if hasattr(obj, "is_active") else None
        if hasattr(obj, "history"):
            ctx["history"] = self.get_history(obj)
        return ctx

    def get_history(self, obj) -> list[dict]:
        """The latest changes, each with its field-by-field differences (one query: the records
        are diffed pairwise here instead of asking each one for its predecessor)."""
        records = list(obj.history.select_related("history_user")[: self.history_limit + 1])
        rows = []
        for newer, older in zip(records, [*records[1:], None], strict=True):
            changes = []
            if older is not None and newer.history_type == "~":
                for change in newer.diff_against(older, foreign_keys_are_objs=True).changes:
                    field = obj._meta.get_field(change.field)
                    changes.append(
                        {"field": field.verbose_name, "old": _shown(change.old), "new": _shown(change.new)}
                    )
            rows.append({"record": newer, "changes": changes})
        return rows[: self.history_limit]


class FormsetsMixin:
    """Inline formsets edited with the main form; everything saves in one transaction or nothing."""

    formset_classes: dict[str, type] = {}

    def get_formsets(self, instance):
        data = self.request.POST if self.request.method == "POST" else None
        formsets = {}
        for name, cls in self.formset_classes.items():
            fs = cls(data=data, instance=instance, prefix=name)
            fs.title = cls.model._meta.verbose_name_plural.capitalize()
            formsets[name] = fs
        return formsets

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("formsets", self.get_formsets(getattr(self, "object", None) or self.model()))
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = self.get_object() if isinstance(self, UpdateView) else None
        form = self.get_form()
        # Bind the formsets to the form's own instance: their clean() then sees what the form
        # just read (e.g. the item's base unit) on create as well as on edit.
        formsets = self.get_formsets(form.instance)
        if form.is_valid() and all(fs.is_valid() for fs in formsets.values()):
            try:
                with transaction.atomic():
                    self.object = self.save_form(form)
                    for fs in formsets.values():
                        fs.instance = self.object
                        fs.save()
            except DomainError as exc:
                # The service refused: the transaction rolled back; show why on the form.
                form.add_error(None, exc.message)
                if not isinstance(self, UpdateView):
                    self.object = None
            else:
                messages.success(request, _("Saved %(name)s.") % {"name": self.object})
                return HttpResponseRedirect(self.get_success_url())
        messages.error(request, _("Nothing was saved: please correct the errors below."))
        return self.render_to_response(self.get_context_data(form=form, formsets=formsets))

    save_service = None  # a function(obj) -> obj that saves through a service, e.g. category_save

    def save_form(self, form):
        if self.save_service is None:
            return form.save()
        obj = type(self).save_service(form.save(commit=False))
        form.save_m2m()
        return obj


class MasterCreateView(
    LoginRequiredMixin, PermissionRequiredMixin, ModelContextMixin, FormsetsMixin, CreateView
):
    template_name = "crud/form.html"

    def get_permission_required(self):
        return [_perm(self.model, "add")]


class MasterUpdateView(
    LoginRequiredMixin, PermissionRequiredMixin, ScopedMixin, ModelContextMixin, FormsetsMixin, UpdateView
):
    template_name = "crud/form.html"

    def get_permission_required(self):
        return [_perm(self.model, "change")]


class MasterToggleActiveView(LoginRequiredMixin, PermissionRequiredMixin, ScopedMixin, View):
    """Deactivate (or reactivate) instead of delete: referenced records keep their history."""

    http_method_names = ["post"]
    model: type[Model]

    def get_permission_required(self):
        return [_perm(self.model, "change")]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        obj.is_active = not obj.is_active
        obj.save(update_fields=["is_active"])
        if obj.is_active:
            messages.success(request, _("%(name)s is active again.") % {"name": obj})
        else:
            messages.success(request, _("%(name)s is deactivated.") % {"name": obj})
        return HttpResponseRedirect(obj.get_absolute_url())

    def get_queryset(self) -> QuerySet:
        return self.scope(self.model._default_manager.all(), self.request.user)


def crud_urls(
    model: type[Model],
    *,
    list_view=None,
    detail_view=None,
    create_view=None,
    update_view=None,
    toggle_view=None,
    prefix: str | None = None,
) -> list:
    name = model._meta.model_name
    prefix = prefix or f"{name}s"
    patterns = []
    if list_view:
        patterns.append(path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"))
    if create_view:
        patterns.append(path(f"{prefix}/new/", create_view.as_view(), name=f"{name}_create"))
    if detail_view:
        patterns.append(path(f"{prefix}/<int:pk>/", detail_view.as_view(), name=f"{name}_detail"))
    if update_view:
        patterns.append(path(f"{prefix}/<int:pk>/edit/", update_view.as_view(), name=f"{name}_update"))
    if toggle_view:
        patterns.append(
            path(f"{prefix}/<int:pk>/toggle-active/", toggle_view.as_view(), name=f"{name}_toggle")
        )
    return patterns
