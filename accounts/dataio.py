"""Import and export screens for master data, generic over a SpreadsheetResource
(inventory.resources): upload → checks → dry run → preview → confirm, all or nothing.

URLs follow `<app>:<model>_import`, `<model>_import_template` and `<model>_export` (see
dataio_urls), which crud/list.html turns into Import/Export buttons for users holding
`<app>.import_<model>` / `<app>.export_<model>`.

Between preview and confirm the upload waits in MEDIA_ROOT/imports/<token><ext>. The token is
random; the session maps it to the user, the model and the extension, so the client only ever
sends the token back and never a path. The file is deleted on confirm, and stale ones are swept.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.http import FileResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from inventory.resources import SpreadsheetResource, error_title
from inventory.spreadsheets import (
    SpreadsheetRejected,
    check_upload,
    csv_lines,
    extension_of,
    read_table,
    write_xlsx,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "dataio_uploads"
UPLOAD_MAX_AGE = 6 * 3600  # seconds an upload may wait for its confirmation
MAX_WAITING = 3  # uploads one session may keep waiting for confirmation
PREVIEW_ROWS = 500  # rows listed on the preview page; the counts cover all of them
_TOKEN = re.compile(r"[0-9a-f]{32}")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "An Excel workbook (.xlsx) or a CSV file (.csv); the first row holds the column titles."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_upload(upload)
        except SpreadsheetRejected as exc:
            raise ValidationError(exc.message) from exc
        return upload


# Preview ---------------------------------------------------------------------------------------
@dataclass
class Problem:
    row: int | None  # the row number in Excel (1 is the header row); None for the whole file
    column: str
    value: str
    message: str


@dataclass
class Preview:
    file_name: str
    problems: list[Problem] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    total: int = 0
    new: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and self.total > 0

    @property
    def more_rows(self) -> int:
        return max(self.total - len(self.rows), 0)


def _shown(value) -> str:
    return "" if value is None else str(value)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, IntegrityError):
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return _("The database refused this row: %(error)s") % {"error": detail}
    return str(exc) or exc.__class__.__name__


def summarise(resource: SpreadsheetResource, result, dataset, file_name: str) -> Preview:
    """Everything the user must know about an import result, in the active language."""
    preview = Preview(file_name=file_name, total=len(dataset))
    for invalid in result.invalid_rows:
        values = dict(zip(dataset.headers, dataset[invalid.number - 1], strict=False))
        for key, errors in invalid.error_dict.items():
            for message in errors:
                preview.problems.append(
                    Problem(
                        resource.line_of(invalid.number),
                        error_title(resource, key),
                        _shown(values.get(key)),
                        str(message),
                    )
                )
    for error_row in result.error_rows:
        for error in error_row.errors:
            preview.problems.append(
                Problem(resource.line_of(error_row.number), "", "", _describe(error.error))
            )
    for error in result.base_errors:
        preview.problems.append(Problem(None, "", "", _describe(error.error)))
    preview.problems.sort(key=lambda p: p.row or 0)
    for index, row_result in enumerate(result.rows, 1):
        if row_result.is_new():
            preview.new += 1
        elif row_result.is_update():
            preview.updated += 1
        else:
            continue
        if len(preview.rows) < PREVIEW_ROWS:
            preview.rows.append(
                {
                    "row": resource.line_of(index),
                    "action": row_result.import_type,
                    "record": row_result.object_repr,
                    "changed": getattr(row_result, "changed_columns", []),
                }
            )
    return preview


class _RollBack(Exception):
    """Raised inside the import transaction to undo it."""


def run_import(resource: SpreadsheetResource, upload, *, dry_run: bool) -> Preview:
    """Read, check and import one file. With dry_run=False the import is kept only if every row
    is valid: anything wrong and the whole transaction rolls back."""
    table = read_table(upload)
    dataset, header_problems = resource.build_dataset(table)
    preview = Preview(file_name=upload.name, total=len(dataset))
    if header_problems:
        preview.problems = [Problem(*problem) for problem in header_problems]
        return preview
    try:
        with transaction.atomic():
            result = resource.import_data(
                dataset,
                dry_run=dry_run,
                raise_errors=False,
                use_transactions=True,
                rollback_on_validation_errors=True,
            )
            preview = summarise(resource, result, dataset, upload.name)
            if not preview.ok and not dry_run:
                raise _RollBack
    except _RollBack:
        pass
    return preview


# Waiting uploads -------------------------------------------------------------------------------
def _upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _sweep(folder: Path) -> None:
    """Best effort: remove uploads nobody confirmed."""
    cutoff = time.time() - UPLOAD_MAX_AGE
    for stale in folder.glob("*"):
        try:
            if _TOKEN.fullmatch(stale.stem) and stale.stat().st_mtime < cutoff:
                stale.unlink()
        except OSError:
            pass


def _digest(file_path: Path) -> str:
    return hashlib.sha256(file_path.read_bytes()).hexdigest()


def _prune(waiting: dict) -> dict:
    """Drop expired entries and keep the newest few, deleting the files of those dropped, so
    repeated uploads cannot pile up on disk."""
    now = time.time()
    fresh = sorted(waiting.items(), key=lambda item: item[1].get("at", 0), reverse=True)
    kept = {}
    for token, entry in fresh:
        if now - entry.get("at", 0) < UPLOAD_MAX_AGE and len(kept) < MAX_WAITING - 1:
            kept[token] = entry
        elif _TOKEN.fullmatch(token) and entry.get("ext") in (".xlsx", ".csv"):
            (_upload_dir() / f"{token}{entry['ext']}").unlink(missing_ok=True)
    return kept


def stash_upload(request, upload, label: str) -> str:
    folder = _upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    token, ext = secrets.token_hex(16), extension_of(upload.name)
    target = folder / f"{token}{ext}"
    with target.open("xb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    target.chmod(0o600)
    waiting = _prune(request.session.get(SESSION_KEY, {}))
    waiting[token] = {
        "user": request.user.pk,
        "model": label,
        "ext": ext,
        "name": upload.name[:200],
        "at": time.time(),
        "sha256": _digest(target),
    }
    request.session[SESSION_KEY] = waiting
    return token


def take_upload(request, token: str, label: str) -> tuple[Path, str] | None:
    """The waiting file for this token, if it belongs to this user and model and is fresh.
    The token is used up either way."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    waiting = request.session.get(SESSION_KEY, {})
    entry = waiting.pop(token, None)
    request.session[SESSION_KEY] = waiting
    if entry is None or entry.get("ext") not in (".xlsx", ".csv"):
        return None
    stored = _upload_dir() / f"{token}{entry['ext']}"
    fresh = time.time() - entry.get("at", 0) < UPLOAD_MAX_AGE
    if (
        entry.get("user") != request.user.pk
        or entry.get("model") != label
        or not fresh
        or not stored.is_file()
    ):
        stored.unlink(missing_ok=True)
        return None
    if _digest(stored) != entry.get("sha256"):
        stored.unlink(missing_ok=True)
        return None
    return stored, entry.get("name") or stored.name


# Views -----------------------------------------------------------------------------------------
class DataIOMixin(LoginRequiredMixin, PermissionRequiredMixin):
    resource_class: type[SpreadsheetResource] | None = None
    filterset_class = None
    action = "import"

    @property
    def model(self):
        return self.resource_class._meta.model

    def get_permission_required(self):
        meta = self.model._meta
        return [f"{meta.app_label}.{self.action}_{meta.model_name}"]

    def url(self, action: str) -> str | None:
        meta = self.model._meta
        try:
            return reverse(f"{meta.app_label}:{meta.model_name}_{action}")
        except NoReverseMatch:
            return None

    def context(self, **extra):
        meta = self.model._meta
        user = self.request.user
        ctx = {
            "verbose_name": meta.verbose_name,
            "verbose_name_plural": meta.verbose_name_plural,
            "list_url": self.url("list"),
            "import_url": self.url("import"),
            "template_url": self.url("import_template"),
            "export_url": self.url("export")
            if user.has_perm(f"{meta.app_label}.export_{meta.model_name}")
            else None,
        }
        ctx.update(extra)
        return ctx


class ImportView(DataIOMixin, View):
    template_name = "dataio/import.html"
    preview_template_name = "dataio/preview.html"

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def render_form(self, form, status=200):
        resource = self.resource_class()
        return render(
            self.request,
            self.template_name,
            self.context(
                form=form,
                columns=resource.column_docs(),
                max_size=filesizeformat(settings.JXC_IMPORT_MAX_BYTES),
                max_rows=settings.JXC_IMPORT_MAX_ROWS,
            ),
            status=status,
        )

    def render_preview(self, preview: Preview, token: str | None = None):
        return render(self.request, self.preview_template_name, self.context(preview=preview, token=token))

    def get(self, request, *args, **kwargs):
        return self.render_form(UploadForm())

    def post(self, request, *args, **kwargs):
        if "token" in request.POST:
            return self.confirm(request.POST["token"])
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_form(form)
        upload = form.cleaned_data["file"]
        try:
            preview = run_import(self.resource_class(), upload, dry_run=True)
        except SpreadsheetRejected as exc:
            form.add_error("file", exc.message)
            return self.render_form(form)
        token = stash_upload(request, upload, self.label) if preview.ok else None
        return self.render_preview(preview, token)

    def confirm(self, token: str):
        taken = take_upload(self.request, token, self.label)
        if taken is None:
            messages.error(
                self.request,
                _("That upload has expired or was already imported. Please upload the file again."),
            )
            return HttpResponseRedirect(self.url("import"))
        stored, name = taken
        try:
            with stored.open("rb") as handle:
                upload = File(handle, name=name)
                check_upload(upload)
                preview = run_import(self.resource_class(), upload, dry_run=False)
        except SpreadsheetRejected as exc:
            preview = Preview(file_name=name, problems=[Problem(None, "", "", exc.message)])
        finally:
            stored.unlink(missing_ok=True)
        if not preview.ok:
            messages.error(self.request, _("Nothing was imported: please correct the errors below."))
            return self.render_preview(preview)
        messages.success(
            self.request,
            _("Imported “%(file)s”: %(new)s created, %(updated)s updated.")
            % {"file": name, "new": preview.new, "updated": preview.updated},
        )
        return HttpResponseRedirect(self.url("list") or self.url("import"))


class ImportTemplateView(DataIOMixin, View):
    """An empty workbook with the column titles, in the user's language."""

    def get(self, request, *args, **kwargs):
        resource = self.resource_class()
        meta = self.model._meta
        out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        write_xlsx(out, resource.column_titles(), [], title=str(capfirst(meta.verbose_name_plural)))
        out.seek(0)
        name = _("%(models)s import template") % {"models": capfirst(meta.verbose_name_plural)} + ".xlsx"
        return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX_TYPE)


def _in_language(language: str, rows):
    # A streamed body is produced after the view returns; keep the user's language for labels.
    with translation.override(language):
        yield from rows


class ExportView(DataIOMixin, View):
    """Export the records the list shows for the same querystring (by default the active ones)
    as .xlsx (?format=xlsx, the default) or .csv (?format=csv)."""

    action = "export"

    def get(self, request, *args, **kwargs):
        resource = self.resource_class()
        queryset = resource.get_queryset()
        if self.filterset_class is not None:
            queryset = self.filterset_class(request.GET, queryset=queryset, request=request).qs
        meta = self.model._meta
        stamp = timezone.localdate().strftime("%Y%m%d")
        headers, rows = resource.column_titles(), resource.export_rows(queryset)
        if request.GET.get("format") == "csv":
            body = _in_language(translation.get_language(), csv_lines(headers, rows))
            response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = content_disposition_header(
                True, f"{capfirst(meta.verbose_name_plural)}_{stamp}.csv"
            )
            return response
        out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        write_xlsx(out, headers, rows, title=str(capfirst(meta.verbose_name_plural)))
        out.seek(0)
        return FileResponse(
            out,
            as_attachment=True,
            filename=f"{capfirst(meta.verbose_name_plural)}_{stamp}.xlsx",
            content_type=XLSX_TYPE,
        )


def dataio_urls(
    resource_class: type[SpreadsheetResource], *, filterset_class=None, prefix: str | None = None
) -> list:
    """The import, template and export URLs of one model, next to its crud_urls."""
    name = resource_class._meta.model._meta.model_name
    prefix = prefix or f"{name}s"
    options = {"resource_class": resource_class}
    return [
        path(f"{prefix}/import/", ImportView.as_view(**options), name=f"{name}_import"),
        path(
            f"{prefix}/import/template/",
            ImportTemplateView.as_view(**options),
            name=f"{name}_import_template",
        ),
        path(
            f"{prefix}/export/",
            ExportView.as_view(**options, filterset_class=filterset_class),
            name=f"{name}_export",
        ),
    ]
