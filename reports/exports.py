"""Excel exports of the reports, built by Celery workers (issue 7 §3).

`start_export` checks the report's permission and filters, creates an ExportJob and sends
`run_export_task` once the transaction commits. `run_export` writes the report's rows, as the
user sees them, with openpyxl's write-only mode (memory stays flat whatever the row count), saves
the file through the FileField's storage (Django's default storage, which django-storages can
replace with a shared object store) and marks the job done — or failed, with a translated reason
the user can act on; the traceback goes to the log.

A job is never left "running": the task is acks_late and retried once when its worker process dies
(`retry_on_worker_lost`), and a job waiting or running for longer than EXPORT_TIMEOUT_MINUTES is
failed by the daily cleanup and, sooner, whenever its owner looks at it (`expire_if_stale`).

What the writer expects of a report (reports.base): values are Decimal, int, float, date, str or
None; a `percent` column holds fractions (Decimal("0.125") shows as 12.5%); an optional
`count(user, filters) -> int | None` lets the progress bar show a percentage (without it the page
shows the rows written so far)."""

from __future__ import annotations

import inspect
import logging
import re
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import IO, Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from inventory.exceptions import DomainError
from inventory.spreadsheets import neutralise

from . import base
from .models import ExportJob, ExportStatus

logger = logging.getLogger(__name__)

ACTIVE = (ExportStatus.PENDING, ExportStatus.RUNNING)
PROGRESS_SECONDS = 1.0  # at most one progress UPDATE a second: the page polls once a second
EXCEL_TEXT_LIMIT = 32_767  # characters Excel keeps in a cell

# Whole numbers and fractions get different formats, so 12 shows as "12", not "12." as a
# "#,##0.####" format alone would show it.
WHOLE_FORMATS = {
    "int": "#,##0",
    "qty": "#,##0",
    "money": "#,##0.00",
    "percent": "0.0%",
    "days": "#,##0",
    "date": "yyyy-mm-dd",
}
FRACTION_FORMATS = {"qty": "#,##0.####", "days": "#,##0.0"}
HEADER_FILL = "DDEBF7"
# Place the data cells ourselves (_place_cells) where openpyxl's write-only sheet lets us; off, the
# same cells go through its public append() (slower, same file).
PLACE_CELLS = True

# Characters XML 1.0 (hence openpyxl) refuses; the same set openpyxl checks for.
_ILLEGAL_XML = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\[\]\000-\037]')


class ExportRefused(DomainError):
    """The export cannot be started or finished as asked (unknown report, filters refused, too
    many rows, access withdrawn); `message` is translated and says what to do."""


class _Abandoned(Exception):
    """The job stopped being ours while we wrote it (failed by the sweep, deleted)."""


# The writer ------------------------------------------------------------------------------------
def _text(value: Any) -> Any:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return neutralise(_ILLEGAL_XML.sub("", text)[:EXCEL_TEXT_LIMIT])


def _local(value: datetime) -> datetime:
    # Excel has no time zones: write the wall-clock time of the site's zone.
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def _cell(sheet, number_format: str | None = None):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet)
    if number_format is not None:
        cell.number_format = number_format
    return cell


def _column_writer(sheet, kind: str) -> Callable[[Any], Any]:
    """A function turning one value of a column into the cell the sheet gets (or None for an empty
    cell): a number or date carrying the column's format, or neutralised text. The cells are made
    once per column and reused on every row — openpyxl writes a row out as soon as it is appended,
    and a style is looked up once per cell object, not per value."""
    plain = _cell(sheet)

    def write_text(value):
        if value is None:
            return None
        plain.value = _text(value)
        return plain

    if kind == "text":
        return write_text
    whole = _cell(sheet, WHOLE_FORMATS[kind])
    if kind == "date":

        def write_date(value):
            if isinstance(value, date):  # datetime is a date too
                whole.value = _local(value) if isinstance(value, datetime) else value
                return whole
            return write_text(value)

        return write_date
    fraction = _cell(sheet, FRACTION_FORMATS[kind]) if kind in FRACTION_FORMATS else whole

    def write_number(value):
        if isinstance(value, Decimal):
            if not value.is_finite():
                return None
            cell = whole if fraction is whole or value == value.to_integral_value() else fraction
        elif isinstance(value, int):
            cell = whole
        elif isinstance(value, float):  # NaN and infinities are written as empty cells
            cell = whole if fraction is whole or value.is_integer() else fraction
        else:
            return write_text(value)
        cell.value = value
        return cell

    return write_number


def _place_cells(cells, row_idx):
    """Stands in for WriteOnlyWorksheet._values_to_row (openpyxl 3.1) on the data rows, which hold
    only our cells or None: openpyxl's own version first tries each cell as a value, fails with a
    formatted ValueError, then makes a fresh cell for the next column — a third of the writing
    time of a formatted sheet, measured in bench/export_bench.py."""
    for col_idx, cell in enumerate(cells, 1):
        if cell is not None:
            cell.row, cell.column = row_idx, col_idx
            yield cell


def _sheet_name(title: str) -> str:
    return _UNSAFE_IN_NAMES.sub(" ", title).strip()[:31] or "Sheet1"


def write_workbook(
    out: IO[bytes],
    *,
    title: str,
    columns: Sequence[base.Column],
    rows: Iterable[Sequence[Any]],
    filters: Sequence[tuple[str, str]] = (),
    max_rows: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Stream `rows` (one value per column, in order) into an .xlsx written to `out`; return the
    number of rows written.

    On the sheet: the title, the filters (label, value) one per line, a blank line, the header row
    (bold, filled, frozen), then the rows: numbers and dates typed with a format per column kind,
    text neutralised against formulas. `on_progress(rows so far)` is called at most once every
    PROGRESS_SECONDS. More than `max_rows` rows raise ExportRefused."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_name(title))
    # Widths and panes go into the sheet's head, written with the first row: set them first.
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    header_row = 1 + len(filters) + 2  # title, filters, a blank line
    sheet.freeze_panes = f"A{header_row + 1}"

    title_cell = WriteOnlyCell(sheet, value=_text(title))
    title_cell.font = Font(bold=True, size=14)
    sheet.append([title_cell])
    for label, value in filters:
        label_cell = WriteOnlyCell(sheet, value=_text(label))
        label_cell.font = Font(bold=True)
        sheet.append([label_cell, _text(value)])
    sheet.append([])
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    header_alignment = Alignment(vertical="center", wrap_text=True)
    headers = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=_text(column.label))
        cell.font, cell.fill, cell.alignment = header_font, header_fill, header_alignment
        headers.append(cell)
    sheet.append(headers)

    writers = [_column_writer(sheet, column.kind) for column in columns]
    if PLACE_CELLS and callable(getattr(sheet, "_values_to_row", None)):
        sheet._values_to_row = _place_cells  # from here on every row is a list of our cells
    count, next_report = 0, time.monotonic() + PROGRESS_SECONDS
    try:
        for row in rows:
            count += 1
            if max_rows is not None and count > max_rows:
                raise ExportRefused(
                    _("The export has more than %(limit)s rows. Narrow the filters and export again.")
                    % {"limit": number_format(max_rows, force_grouping=True)}
                )
            sheet.append([write(value) for write, value in zip(writers, row, strict=True)])
            if on_progress is not None and time.monotonic() >= next_report:
                on_progress(count)
                next_report = time.monotonic() + PROGRESS_SECONDS
        workbook.save(out)
    except BaseException:
        _discard(sheet)
        raise
    return count


def _discard(sheet) -> None:
    """Close a write-only sheet given up half-way and delete its temporary file, which openpyxl
    otherwise keeps until the process exits — a long-lived worker would collect them."""
    writer = sheet._writer
    if writer is None:
        return
    try:
        sheet.close()
    except Exception:  # the sheet is thrown away: only the temporary file matters
        logger.debug("closing an abandoned sheet failed", exc_info=True)
    try:
        writer.cleanup()
    except FileNotFoundError:
        pass
    except (OSError, ValueError):
        logger.warning("openpyxl's temporary file %s could not be deleted", writer.out, exc_info=True)


# Starting an export ----------------------------------------------------------------------------
def registry() -> dict[str, base.Report]:
    """Every registered report (ReportsConfig.ready() loaded them in this process)."""
    return base.REGISTRY


def _report(slug: str) -> base.Report:
    report = registry().get(slug)
    if report is None:
        raise ExportRefused(_("There is no report “%(report)s”.") % {"report": slug})
    return report


def report_title(slug: str) -> str:
    report = registry().get(slug)
    return str(report.title) if report is not None else slug


def bind_filters(report: base.Report, params: dict, user) -> forms.Form:
    """The report's filter form bound to `params` ({name: value or [values]}) for `user` (a form
    whose __init__ takes `user` limits its choices, e.g. warehouses, to the user's)."""
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)])
    form_class = report.filter_form
    if "user" in inspect.signature(form_class.__init__).parameters:
        return form_class(data, user=user)
    return form_class(data)


def _form_errors(form: forms.Form) -> str:
    problems = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = str(field.label) if field is not None and field.label else ""
        problems.extend(f"{label}: {error}" if label else str(error) for error in errors)
    return _("The filters cannot be used: %(problems)s") % {"problems": " ".join(problems)}


def _filter_params(form: forms.Form, params: dict) -> dict:
    """Only the form's own fields, as strings or lists of strings (the job stores them as JSON)."""
    names = {form.add_prefix(name) for name in form.fields}
    out = {}
    for key, value in params.items():
        if key in names:
            out[key] = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
    return out


@transaction.atomic
def start_export(*, user, report_slug: str, params: dict, language: str) -> ExportJob:
    """Queue an Excel export of a report, filtered by `params` (the report page's GET filters),
    written in `language`.

    Raises PermissionDenied when the user may not open the report, ExportRefused (translated) for
    an unknown report or filters the report's form refuses; nothing is written then. The task is
    sent once the transaction commits; if the broker cannot be reached the job is failed, not
    left waiting."""
    report = _report(report_slug)
    if not user.has_perm(report.permission):
        raise PermissionDenied
    form = bind_filters(report, params, user)
    if not form.is_valid():
        raise ExportRefused(_form_errors(form))
    job = ExportJob.objects.create(
        user=user,
        report=report.slug,
        params=_filter_params(form, params),
        language=language,
        task_id=str(uuid.uuid4()),
    )
    job_id, task_id = job.pk, job.task_id
    transaction.on_commit(lambda: _enqueue(job_id, task_id))
    return job


def _enqueue(job_id: int, task_id: str) -> None:
    from .export_tasks import run_export_task

    timeout = settings.EXPORT_TIMEOUT_MINUTES * 60
    try:
        run_export_task.apply_async(
            (job_id,), task_id=task_id, soft_time_limit=timeout, time_limit=timeout + 60
        )
    except Exception:
        logger.exception("Export %s could not be sent to the task queue", job_id)
        _fail(
            job_id,
            lambda: _("The export could not be queued: the task queue is not reachable. Try again later."),
        )


# Running it ------------------------------------------------------------------------------------
def run_export(job_id: int, *, retry: bool = False) -> None:
    """Write the export of a waiting job and mark it done, or failed with a translated reason.

    Safe to run twice: only a waiting job is taken (one conditional UPDATE), or, when `retry` (the
    task's retry after its worker died), a job still running within the timeout, which is written
    again from the start. A job that stops being ours while written (the sweep failed it) is left
    as it is, and a file finished too late is deleted."""
    job = _claim(job_id, retry=retry)
    if job is None:
        return
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            name, filename, rows = _build(job)
        except _Abandoned:
            logger.warning("Export %s stopped: the job is no longer running", job_id)
            return
        except Exception as exc:
            logger.exception("Export %s of report %r for user %s failed", job_id, job.report, job.user_id)
            _fail(job_id, partial(_reason, exc, job_id))
            return
    finished = ExportJob.objects.filter(pk=job_id, status=ExportStatus.RUNNING).update(
        status=ExportStatus.DONE,
        file=name,
        filename=filename,
        rows=rows,
        progress=100,
        error="",
        finished_at=timezone.now(),
    )
    if not finished:
        logger.warning("Export %s finished after it was given up; its file is deleted", job_id)
        ExportJob._meta.get_field("file").storage.delete(name)


def _claim(job_id: int, *, retry: bool) -> ExportJob | None:
    now = timezone.now()
    jobs = ExportJob.objects.filter(pk=job_id)
    claimed = jobs.filter(status=ExportStatus.PENDING).update(status=ExportStatus.RUNNING, started_at=now)
    if not claimed and retry:
        # started_at is kept: the timeout counts from the first attempt.
        claimed = jobs.filter(status=ExportStatus.RUNNING, started_at__gt=now - _timeout()).update(
            progress=0, rows=0
        )
        if claimed:
            logger.warning("Export %s: its worker was lost; writing it again", job_id)
    if not claimed:
        logger.info("Export %s is not waiting (done, failed or deleted): nothing to do", job_id)
        return None
    return ExportJob.objects.select_related("user").get(pk=job_id)


def _build(job: ExportJob) -> tuple[str, str, int]:
    report = _report(job.report)
    user = job.user
    if not user.is_active or not user.has_perm(report.permission):
        raise ExportRefused(_("You no longer have access to this report."))
    form = bind_filters(report, job.params, user)
    if not form.is_valid():
        raise ExportRefused(_form_errors(form))
    filters = form.cleaned_data
    total = report.count(user, filters) if callable(getattr(report, "count", None)) else None
    max_rows = settings.EXPORT_MAX_ROWS
    if total is not None and total > max_rows:
        raise ExportRefused(
            _("The export would have %(rows)s rows; at most %(limit)s can be exported. Narrow the filters.")
            % {
                "rows": number_format(total, force_grouping=True),
                "limit": number_format(max_rows, force_grouping=True),
            }
        )
    title = str(report.title)
    now = timezone.localtime()
    described = [
        *report.describe_filters(form),
        (_("Exported by"), str(user)),
        (_("Exported at"), f"{now:%Y-%m-%d %H:%M}"),
    ]
    field = ExportJob._meta.get_field("file")
    with tempfile.TemporaryFile() as out:
        rows = write_workbook(
            out,
            title=title,
            columns=report.columns_for(user),
            rows=report.visible(user, report.rows(user, filters)),
            filters=described,
            max_rows=max_rows,
            on_progress=_Progress(job.pk, total),
        )
        out.seek(0)
        stem = _UNSAFE_IN_NAMES.sub(" ", title).strip()[:120] or job.report
        filename = f"{stem} {now:%Y-%m-%d}.xlsx"
        name = field.storage.save(field.generate_filename(job, f"{job.pk}-{filename}"), File(out))
    return name, filename, rows


class _Progress:
    """Writes the rows so far (and the percentage, when the total is known) with one cheap UPDATE;
    notices when the job is no longer running and stops the export."""

    def __init__(self, job_id: int, total: int | None):
        self.job_id, self.total = job_id, total

    def __call__(self, rows: int) -> None:
        progress = min(99, rows * 100 // self.total) if self.total else 0
        updated = ExportJob.objects.filter(pk=self.job_id, status=ExportStatus.RUNNING).update(
            rows=rows, progress=progress
        )
        if not updated:
            raise _Abandoned


def _reason(exc: Exception, job_id: int) -> str:
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, SoftTimeLimitExceeded):
        return _(
            "The export took longer than %(minutes)s minutes and was stopped. Narrow the filters and export again."
        ) % {"minutes": settings.EXPORT_TIMEOUT_MINUTES}
    return _(
        "The export failed because of an error in the program (export %(id)s). The administrators can "
        "find the details in the log; try again later."
    ) % {"id": job_id}


def _fail(job_id: int, message: Callable[[], str]) -> int:
    """Mark a waiting or running job failed with `message()`, said in the job's language. Returns
    how many jobs changed (0 when it has finished or gone meanwhile)."""
    job = ExportJob.objects.filter(pk=job_id).only("language").first()
    if job is None:
        return 0
    with translation.override(job.language or settings.LANGUAGE_CODE):
        text = str(message())
    return ExportJob.objects.filter(pk=job_id, status__in=ACTIVE).update(
        status=ExportStatus.FAILED, error=text, finished_at=timezone.now()
    )


# Keeping things tidy ---------------------------------------------------------------------------
def _timeout() -> timedelta:
    return timedelta(minutes=settings.EXPORT_TIMEOUT_MINUTES)


def _stale(now: datetime) -> Q:
    cutoff = now - _timeout()
    return Q(status=ExportStatus.RUNNING, started_at__lt=cutoff) | Q(
        status=ExportStatus.PENDING, created_at__lt=cutoff
    )


def _stale_message() -> str:
    return _(
        "The export did not finish within %(minutes)s minutes: the worker writing it stopped. Start it again."
    ) % {"minutes": settings.EXPORT_TIMEOUT_MINUTES}


def fail_stale_exports(*, now: datetime | None = None) -> int:
    """Fail every job waiting or running for longer than EXPORT_TIMEOUT_MINUTES; return how many."""
    now = now or timezone.now()
    stale_ids = list(ExportJob.objects.filter(_stale(now)).values_list("pk", flat=True))
    failed = sum(_fail(job_id, _stale_message) for job_id in stale_ids)
    if failed:
        logger.warning("%s stale export(s) marked failed: %s", failed, stale_ids)
    return failed


def expire_if_stale(job: ExportJob) -> ExportJob:
    """The job as it is now, failed first if it has been waiting or running too long — so its
    owner never watches a bar that cannot move, whenever the daily sweep runs."""
    if job.status in ACTIVE and ExportJob.objects.filter(_stale(timezone.now()), pk=job.pk).exists():
        _fail(job.pk, _stale_message)
        job.refresh_from_db()
    return job


def delete_old_exports(*, now: datetime | None = None) -> int:
    """Delete the files and rows of jobs older than EXPORT_RETENTION_DAYS; return how many rows went.
    A file the storage cannot delete keeps its row, to be tried again next time."""
    now = now or timezone.now()
    old = ExportJob.objects.filter(created_at__lt=now - timedelta(days=settings.EXPORT_RETENTION_DAYS))
    storage = ExportJob._meta.get_field("file").storage
    gone = []
    for job_id, name in old.values_list("pk", "file").iterator(chunk_size=500):
        if name:
            try:
                storage.delete(name)
            except Exception:
                logger.exception("Export %s: its file %r could not be deleted", job_id, name)
                continue
        gone.append(job_id)
    deleted = 0
    for start in range(0, len(gone), 500):
        deleted += ExportJob.objects.filter(pk__in=gone[start : start + 500]).delete()[0]
    return deleted


def cleanup_exports() -> dict[str, int]:
    """The daily sweep: fail the stale jobs, then delete the old ones with their files."""
    return {"failed": fail_stale_exports(), "deleted": delete_old_exports()}


# Reads for the pages ---------------------------------------------------------------------------
def export_jobs_for(user) -> QuerySet[ExportJob]:
    """The user's own exports, newest first: nobody sees or downloads another user's file."""
    return ExportJob.objects.filter(user=user).order_by("-created_at", "-id")


def file_size(job: ExportJob) -> int | None:
    if job.status != ExportStatus.DONE or not job.file:
        return None
    try:
        return job.file.storage.size(job.file.name)
    except Exception:  # a missing file or an unreachable store must not break the list
        return None
