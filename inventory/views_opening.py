"""期初库存导入: upload → checks → preview (rows, values, totals per warehouse, every problem) →
confirm posts one goods receipt per warehouse, or nothing.

The upload checks, the waiting file between preview and confirm and the session token are those
of the master-data imports (accounts.dataio); the rows are read by inventory.opening and posted by
services.opening_stock_post.
"""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.files import File
from django.db import transaction
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from accounts.dataio import XLSX_TYPE, Problem, UploadForm, stash_upload, take_upload

from . import services
from .exceptions import DomainError
from .opening import (
    UPLOAD_LABEL,
    OpeningPreview,
    column_docs,
    column_titles,
    read_opening_stock,
    template_example,
)
from .services.documents import LineInput
from .spreadsheets import SpreadsheetRejected, check_upload, read_table, write_xlsx


class _RollBack(Exception):
    """Undo the import transaction."""


def _lines(preview: OpeningPreview) -> dict:
    return {
        warehouse: [
            LineInput(
                item=row.item,
                location_id=row.location.pk,
                unit_id=row.unit.pk,
                qty=row.qty,
                unit_cost=row.unit_cost,
                batch_no=row.batch_no,
                expiry_date=row.expiry_date,
                production_date=row.production_date,
            )
            for row in rows
        ]
        for warehouse, rows in preview.by_warehouse().items()
    }


def run_opening_import(upload, *, user, commit: bool) -> tuple[OpeningPreview, list]:
    """Read and check a file; with commit=True post it when every row is right. The check and
    the posting run in one transaction, so what was checked is what is posted."""
    table = read_table(upload)
    documents: list = []
    with transaction.atomic():
        preview = read_opening_stock(table, user=user, file_name=upload.name)
        if commit and preview.ok:
            try:
                with transaction.atomic():
                    documents = services.opening_stock_post(
                        lines=_lines(preview), user=user, posting_date=preview.posting_date
                    )
            except DomainError as exc:
                preview.problems.append(Problem(None, "", "", exc.message))
                documents = []
    return preview, documents


class OpeningStockMixin(LoginRequiredMixin, PermissionRequiredMixin):
    # Entering and posting receipts; clerks are held to their warehouses row by row.
    permission_required = ("inventory.add_stockdocument", "inventory.post_stockdocument")


class OpeningStockImport(OpeningStockMixin, View):
    template_name = "inventory/opening_import.html"
    preview_template_name = "inventory/opening_preview.html"

    def url(self) -> str:
        return reverse("inventory:opening_stock_import")

    def render_form(self, form):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "columns": column_docs(),
                "max_size": filesizeformat(settings.JXC_IMPORT_MAX_BYTES),
                "max_rows": settings.JXC_IMPORT_MAX_ROWS,
                "show_value": self.request.user.has_perm("inventory.view_stock_value"),
            },
        )

    def render_preview(self, preview: OpeningPreview, token: str | None = None):
        return render(
            self.request,
            self.preview_template_name,
            {"preview": preview, "token": token, "import_url": self.url()},
        )

    def get(self, request):
        return self.render_form(UploadForm())

    def post(self, request):
        if "token" in request.POST:
            return self.confirm(request.POST["token"])
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_form(form)
        upload = form.cleaned_data["file"]
        try:
            preview, _docs = run_opening_import(upload, user=request.user, commit=False)
        except SpreadsheetRejected as exc:
            form.add_error("file", exc.message)
            return self.render_form(form)
        token = stash_upload(request, upload, UPLOAD_LABEL) if preview.ok else None
        return self.render_preview(preview, token)

    def confirm(self, token: str):
        taken = take_upload(self.request, token, UPLOAD_LABEL)
        if taken is None:
            messages.error(
                self.request,
                _("That upload has expired or was already imported. Please upload the file again."),
            )
            return HttpResponseRedirect(self.url())
        stored, name = taken
        try:
            with stored.open("rb") as handle:
                upload = File(handle, name=name)
                check_upload(upload)
                preview, documents = run_opening_import(upload, user=self.request.user, commit=True)
        except SpreadsheetRejected as exc:
            preview, documents = (
                OpeningPreview(file_name=name, problems=[Problem(None, "", "", exc.message)]),
                [],
            )
        finally:
            stored.unlink(missing_ok=True)
        if not documents:
            messages.error(self.request, _("Nothing was imported: please correct the errors below."))
            return self.render_preview(preview)
        messages.success(
            self.request,
            _("Opening stock imported from “%(file)s” and posted: %(documents)s.")
            % {"file": name, "documents": ", ".join(doc.number for doc in documents)},
        )
        if len(documents) == 1:
            return HttpResponseRedirect(documents[0].get_absolute_url())
        return HttpResponseRedirect(reverse("inventory:stockdocument_list") + "?kind=receipt")


class OpeningStockTemplate(OpeningStockMixin, View):
    """The columns in the user's language and one example row."""

    def get(self, request):
        out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        title = _("Opening stock")
        write_xlsx(out, column_titles(), [template_example(request.user)], title=title)
        out.seek(0)
        name = _("%(models)s import template") % {"models": title} + ".xlsx"
        return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX_TYPE)
