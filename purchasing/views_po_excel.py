"""A purchase order as an Excel workbook, and a draft's lines from one: upload → checks → preview
(lines, prices, totals, every problem) → confirm replaces the lines, or nothing changes.

The upload checks, the waiting file between preview and confirm and the session token are those
of the master-data imports (accounts.dataio); the token is bound to the order, so a preview of one
order cannot be confirmed into another.
"""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.files import File
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views import View

from accounts.dataio import XLSX_TYPE, Problem, UploadForm, stash_upload, take_upload
from inventory.spreadsheets import SpreadsheetRejected, check_upload, read_table, write_xlsx

from . import po_excel
from .models import OrderStatus, PurchaseOrder


def _url(name: str, *args) -> str | None:
    # The order list and detail pages live in another module; degrade to no link without them.
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _orders():
    return PurchaseOrder.objects.select_related("supplier", "warehouse")


class OrderExport(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "purchasing.view_purchaseorder"

    def get(self, request, pk: int):
        order = get_object_or_404(_orders(), pk=pk)
        out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        po_excel.export_order(order, out)
        out.seek(0)
        return FileResponse(
            out, as_attachment=True, filename=po_excel.export_filename(order), content_type=XLSX_TYPE
        )


class OrderImportMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "purchasing.change_purchaseorder"


def upload_label(order: PurchaseOrder) -> str:
    return f"purchasing.purchaseorder.{order.pk}.lines"


class OrderImport(OrderImportMixin, View):
    template_name = "purchasing/order_import.html"
    preview_template_name = "purchasing/order_import_preview.html"

    def context(self, order: PurchaseOrder, **extra) -> dict:
        return {
            "order": order,
            "order_url": _url("purchasing:order_detail", order.pk),
            "orders_url": _url("purchasing:order_list"),
            "import_url": reverse("purchasing:order_import", args=[order.pk]),
            "template_url": reverse("purchasing:order_import_template") + f"?order={order.pk}",
            "is_draft": order.status == OrderStatus.DRAFT,
            "not_draft": po_excel.not_draft_message(order),
            **extra,
        }

    def render_form(self, order: PurchaseOrder, form, status: int = 200):
        return render(
            self.request,
            self.template_name,
            self.context(
                order,
                form=form,
                columns=po_excel.column_docs(),
                max_size=filesizeformat(settings.JXC_IMPORT_MAX_BYTES),
                max_rows=settings.JXC_IMPORT_MAX_ROWS,
                default_rate=settings.PURCHASE_DEFAULT_TAX_RATE,
            ),
            status=status,
        )

    def render_preview(self, preview: po_excel.LinesPreview, token: str | None = None):
        return render(
            self.request,
            self.preview_template_name,
            self.context(preview.order, preview=preview, token=token, headings=po_excel.preview_headings()),
        )

    def get(self, request, pk: int):
        order = get_object_or_404(_orders(), pk=pk)
        return self.render_form(order, UploadForm())

    def post(self, request, pk: int):
        order = get_object_or_404(_orders(), pk=pk)
        if "token" in request.POST:
            return self.confirm(order, request.POST["token"])
        if order.status != OrderStatus.DRAFT:
            # Refused before the file is even read: nothing of it could be used.
            return self.render_form(order, UploadForm(), status=409)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_form(order, form)
        upload = form.cleaned_data["file"]
        try:
            preview = po_excel.import_order_lines(
                read_table(upload), order_id=order.pk, user=request.user, file_name=upload.name, commit=False
            )
        except SpreadsheetRejected as exc:
            form.add_error("file", exc.message)
            return self.render_form(order, form)
        token = stash_upload(request, upload, upload_label(order)) if preview.ok else None
        return self.render_preview(preview, token)

    def confirm(self, order: PurchaseOrder, token: str):
        taken = take_upload(self.request, token, upload_label(order))
        if taken is None:
            messages.error(
                self.request,
                _("That upload has expired or was already imported. Please upload the file again."),
            )
            return HttpResponseRedirect(reverse("purchasing:order_import", args=[order.pk]))
        stored, name = taken
        try:
            with stored.open("rb") as handle:
                upload = File(handle, name=name)
                check_upload(upload)
                preview = po_excel.import_order_lines(
                    read_table(upload), order_id=order.pk, user=self.request.user, file_name=name, commit=True
                )
        except SpreadsheetRejected as exc:
            preview = po_excel.LinesPreview(
                file_name=name, order=order, problems=[Problem(None, "", "", exc.message)]
            )
        finally:
            stored.unlink(missing_ok=True)
        if not preview.saved:
            messages.error(self.request, _("Nothing was imported: please correct the errors below."))
            return self.render_preview(preview)
        messages.success(
            self.request,
            _("%(number)s now has the %(count)s lines of “%(file)s”.")
            % {"number": order.number, "count": preview.total, "file": name},
        )
        return HttpResponseRedirect(
            _url("purchasing:order_detail", order.pk) or reverse("purchasing:order_import", args=[order.pk])
        )


class OrderImportTemplate(OrderImportMixin, View):
    """The columns in the user's language; with ?order=<pk>, that order's lines, so a draft can be
    edited in Excel and imported back; else one example row."""

    def get(self, request):
        order = None
        pk = request.GET.get("order", "")
        if pk.isdigit() and request.user.has_perm("purchasing.view_purchaseorder"):
            order = PurchaseOrder.objects.filter(pk=int(pk)).first()
        out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        title = _("Purchase order lines")
        write_xlsx(out, po_excel.column_titles(), po_excel.template_rows(order), title=title)
        out.seek(0)
        name = _("%(models)s import template") % {"models": title}
        if order is not None:
            name = f"{name} {order.number}"
        return FileResponse(out, as_attachment=True, filename=f"{name}.xlsx", content_type=XLSX_TYPE)
