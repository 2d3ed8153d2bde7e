"""Excel exports run in-process: what the file holds, how a job ends, who may see it, and the
cleanup. The reports here are test-only (registered for the duration of a test); the real reports
are tested with their own figures elsewhere."""

from __future__ import annotations

import importlib
import io
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from config.celery import app
from inventory.exceptions import DomainError
from inventory.spreadsheets import cell_text
from reports import base, exports
from reports.base import Column, Report
from reports.models import ExportJob, ExportStatus

# Sheet layout with the three filter lines of these tests (As of, Exported by, Exported at):
# title on row 1, filters on rows 2-4, a blank row 5, the header on row 6, data from row 7.
HEADER_ROW = 6


class SampleFilter(forms.Form):
    day = forms.DateField(label=gettext_lazy("As of"), required=False)
    limit = forms.IntegerField(label="Rows", required=False, min_value=1)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user  # a real report limits its warehouses to the user's


class SampleReport(Report):
    slug = "test-export-sample"
    title = "Sample stock"
    permission = "reports.view_stock_reports"
    filter_form = SampleFilter
    columns = (
        Column("sku", "SKU", width=12),
        Column("name", "Name", width=30),
        Column("qty", "Quantity", "qty", width=11),
        Column("value", "Value", "money", width=15, needs="inventory.view_stock_value"),
        Column("share", "Share", "percent", width=9),
        Column("received", "Received", "date", width=13),
        Column("moves", "Moves", "int", width=8),
        Column("age", "Age (days)", "days", width=10),
    )
    ROWS = (
        (
            "SKU001",
            "=SUM(A1)",
            Decimal("12"),
            Decimal("1234.50"),
            Decimal("0.125"),
            date(2026, 3, 5),
            7,
            Decimal("45.5"),
        ),
        (
            "SKU002",
            "螺丝 M3",
            Decimal("2.5"),
            Decimal("-3.10"),
            Decimal("0.875"),
            date(2026, 1, 31),
            1234,
            12,
        ),
        ("-SKU003", "@cmd", Decimal("0"), Decimal("0.00"), None, None, 0, None),
    )

    def rows(self, user, filters):
        yield from self.ROWS[: filters.get("limit") or None]


class ProbeReport(SampleReport):
    """Counts its rows in advance and, before yielding each row, notes the job's progress as the
    database has it at that moment — what the browser would be shown."""

    slug = "test-export-probe"
    total = 4
    seen: list[tuple[int, int]] = []

    def count(self, user, filters):
        return self.total

    def rows(self, user, filters):
        for n in range(self.total):
            job = ExportJob.objects.get(report=self.slug)
            self.seen.append((job.rows, job.progress))
            yield (f"P{n}", "probe", Decimal(n), Decimal(n), None, None, n, None)


class RefusingReport(SampleReport):
    slug = "test-export-refusing"

    def rows(self, user, filters):
        yield self.ROWS[0]
        raise DomainError("The warehouse WH9 was closed while the report was read.")


class BrokenReport(SampleReport):
    slug = "test-export-broken"

    def rows(self, user, filters):
        yield self.ROWS[0]
        raise ZeroDivisionError("division by zero in secret_cost_table")


class SlowReport(SampleReport):
    """`limit` rows, 50 ms each: long enough to watch (or kill) a worker writing it."""

    slug = "test-export-slow"

    def rows(self, user, filters):
        for n in range(filters.get("limit") or 60):
            time.sleep(0.05)
            yield (f"S{n:04d}", "slow", Decimal(n), Decimal("1.50"), None, date(2026, 1, 1), n, None)


TEST_REPORTS = (SampleReport, ProbeReport, RefusingReport, BrokenReport, SlowReport)


@pytest.fixture(autouse=True)
def export_reports(monkeypatch):
    for cls in TEST_REPORTS:
        monkeypatch.setitem(base.REGISTRY, cls.slug, cls())


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def export(user, slug=SampleReport.slug, params=None, language="en") -> ExportJob:
    """Start an export as the view does and run its task body here, in this process."""
    job = exports.start_export(
        user=user, report_slug=slug, params=params or {"day": "2026-03-31"}, language=language
    )
    exports.run_export(job.pk)
    job.refresh_from_db()
    return job


def sheet_of(job):
    with job.file.storage.open(job.file.name, "rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    return workbook.worksheets[0]


def header(sheet) -> list:
    return [cell.value for cell in sheet[HEADER_ROW]]


def data_rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(min_row=HEADER_ROW + 1)]


# What the file holds --------------------------------------------------------------------------
@pytest.mark.parametrize("place_cells", [True, False], ids=["cells-placed", "public-append"])
def test_an_export_reads_back_with_typed_cells_a_frozen_styled_header_and_the_filters(
    users, monkeypatch, place_cells
):
    monkeypatch.setattr(exports, "PLACE_CELLS", place_cells)
    manager = users["manager"]

    job = export(manager)

    assert (job.status, job.rows, job.progress, job.error) == (ExportStatus.DONE, 3, 100, "")
    assert job.filename == f"Sample stock {timezone.localdate():%Y-%m-%d}.xlsx"
    assert job.file.name.startswith(f"exports/{timezone.now():%Y/%m}/{job.pk}-Sample_stock_")
    assert job.file.name.endswith(".xlsx")
    assert job.started_at <= job.finished_at

    sheet = sheet_of(job)
    assert sheet["A1"].value == "Sample stock" and sheet["A1"].font.b
    assert [(r[0].value, r[1].value) for r in sheet.iter_rows(min_row=2, max_row=4)][:2] == [
        ("As of", "2026-03-31"),
        ("Exported by", str(manager)),
    ]
    assert sheet["A4"].value == "Exported at"
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"  # everything above the data stays in view
    assert header(sheet) == ["SKU", "Name", "Quantity", "Value", "Share", "Received", "Moves", "Age (days)"]
    for cell in sheet[HEADER_ROW]:
        assert cell.font.b and cell.fill.fgColor.rgb.endswith("DDEBF7")
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFGH"]
    assert widths == [12, 30, 11, 15, 9, 13, 8, 10]

    first, second, third = data_rows(sheet)
    qty, value, share, received, moves, age = first[2:]
    assert qty.data_type == "n" and qty.value == 12 and qty.number_format == "#,##0"
    assert value.data_type == "n" and Decimal(str(value.value)) == Decimal("1234.50")
    assert value.number_format == "#,##0.00"
    assert share.value == 0.125 and share.number_format == "0.0%"  # shows 12.5%
    assert received.is_date and received.value == datetime(2026, 3, 5)
    assert received.number_format == "yyyy-mm-dd"
    assert moves.value == 7 and moves.number_format == "#,##0"
    assert age.value == 45.5 and age.number_format == "#,##0.0"
    # Fractions and whole numbers get their own formats (no "12." for a whole quantity).
    assert (second[2].value, second[2].number_format) == (2.5, "#,##0.####")
    assert (second[7].value, second[7].number_format) == (12, "#,##0")
    assert Decimal(str(second[3].value)) == Decimal("-3.10")  # negative money stays a number
    # Empty values are empty cells, not zeros.
    assert [c.value for c in third[4:6]] == [None, None] and third[7].value is None


def test_formula_looking_text_is_written_as_text_that_imports_back_unchanged(users):
    sheet = sheet_of(export(users["manager"]))

    first, second, third = data_rows(sheet)
    assert (first[1].value, first[1].data_type) == ("'=SUM(A1)", "s")
    assert (third[0].value, third[1].value) == ("'-SKU003", "'@cmd")
    assert [cell_text(c.value) for c in (first[1], third[0], third[1])] == ["=SUM(A1)", "-SKU003", "@cmd"]
    assert second[1].value == "螺丝 M3"  # ordinary text untouched
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_a_user_without_the_cost_permission_gets_the_file_without_the_value_column(users):
    clerk = users["clerk_a"]
    assert clerk.has_perm("reports.view_stock_reports")
    assert not clerk.has_perm("inventory.view_stock_value")

    sheet = sheet_of(export(clerk))

    assert header(sheet) == ["SKU", "Name", "Quantity", "Share", "Received", "Moves", "Age (days)"]
    first = data_rows(sheet)[0]
    assert [c.value for c in first[:4]] == ["SKU001", "'=SUM(A1)", 12, 0.125]
    assert not any(Decimal(str(c.value)) == Decimal("1234.5") for c in first if c.data_type == "n")
    assert [sheet.column_dimensions[x].width for x in "CDE"] == [11, 9, 13]


def test_the_sheet_is_written_in_the_language_of_the_job(users):
    with translation.override("zh-hans"):
        as_of = str(gettext_lazy("As of"))
    assert as_of != "As of"

    sheet = sheet_of(export(users["manager"], language="zh-hans"))

    assert sheet["A2"].value == as_of


# Progress and how a job ends ---------------------------------------------------------------------
def test_progress_is_written_while_the_rows_are_written_and_reaches_100(users, monkeypatch):
    monkeypatch.setattr(exports, "PROGRESS_SECONDS", 0)  # one UPDATE per row, to watch each step
    ProbeReport.seen = []

    job = export(users["manager"], ProbeReport.slug, params={})

    # Before row n is read, n rows are written: progress n × 100 // 4, kept below 100 until done.
    assert ProbeReport.seen == [(0, 0), (1, 25), (2, 50), (3, 75)]
    assert (job.status, job.rows, job.progress) == (ExportStatus.DONE, 4, 100)


def test_progress_costs_one_update_a_second_not_one_per_row(users, django_assert_max_num_queries):
    job = exports.start_export(user=users["manager"], report_slug=SampleReport.slug, params={}, language="en")

    # claim, read the job, permission checks, write "done" — and no progress UPDATE per row.
    with django_assert_max_num_queries(8):
        exports.run_export(job.pk)

    job.refresh_from_db()
    assert (job.status, job.rows, job.progress) == (ExportStatus.DONE, 3, 100)


def test_a_report_that_refuses_ends_failed_with_its_own_message(users, media):
    from openpyxl.worksheet._writer import ALL_TEMP_FILES

    temp_files = list(ALL_TEMP_FILES)

    job = export(users["manager"], RefusingReport.slug)

    assert job.status == ExportStatus.FAILED
    assert job.error == "The warehouse WH9 was closed while the report was read."
    assert not job.file and job.finished_at is not None
    assert not (media / "exports").exists()  # nothing half-written left in the storage
    assert list(ALL_TEMP_FILES) == temp_files  # nor in openpyxl's temporary files (kept until exit)


def test_a_program_error_ends_failed_with_a_human_message_and_the_details_in_the_log(users, caplog):
    job = export(users["manager"], BrokenReport.slug)

    assert job.status == ExportStatus.FAILED
    assert f"(export {job.pk})" in job.error and "administrators" in job.error
    assert "secret_cost_table" not in job.error
    assert "secret_cost_table" in caplog.text  # the traceback is logged for the administrators


def test_an_export_beyond_the_row_limit_fails_and_says_so(users, settings):
    settings.EXPORT_MAX_ROWS = 2

    job = export(users["manager"])

    assert job.status == ExportStatus.FAILED
    assert job.error == "The export has more than 2 rows. Narrow the filters and export again."


def test_running_the_task_twice_writes_the_file_once(users, media):
    job = export(users["manager"])
    file_name = job.file.name

    exports.run_export(job.pk)
    exports.run_export(job.pk, retry=True)

    job.refresh_from_db()
    assert (job.status, job.file.name) == (ExportStatus.DONE, file_name)
    assert len(list((media / "exports").rglob("*.xlsx"))) == 1


def test_the_retry_after_a_lost_worker_writes_a_running_job_again(users):
    job = exports.start_export(user=users["manager"], report_slug=SampleReport.slug, params={}, language="en")
    started = timezone.now() - timedelta(minutes=1)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, started_at=started, rows=2)

    exports.run_export(job.pk)  # a duplicate delivery: someone is on it, leave it
    job.refresh_from_db()
    assert (job.status, job.rows) == (ExportStatus.RUNNING, 2)

    exports.run_export(job.pk, retry=True)  # the retry Celery sends when the worker died
    job.refresh_from_db()
    assert (job.status, job.rows, job.started_at) == (ExportStatus.DONE, 3, started)


def test_a_job_failed_by_the_sweep_while_written_stops_and_leaves_no_file(users, monkeypatch, media):
    monkeypatch.setattr(exports, "PROGRESS_SECONDS", 0)
    job = exports.start_export(
        user=users["manager"], report_slug=SlowReport.slug, params={"limit": "3"}, language="en"
    )
    later = timezone.now() + timedelta(hours=1)

    def rows(self, user, filters):
        yield SampleReport.ROWS[0]
        assert exports.fail_stale_exports(now=later) == 1
        yield SampleReport.ROWS[1]
        yield SampleReport.ROWS[2]

    monkeypatch.setattr(SlowReport, "rows", rows)
    exports.run_export(job.pk)

    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and "did not finish within 30 minutes" in job.error
    assert not job.file and not (media / "exports").exists()


# Starting an export ----------------------------------------------------------------------------
def test_starting_an_export_needs_the_report_permission_and_writes_nothing_otherwise(users):
    with pytest.raises(PermissionDenied):
        exports.start_export(user=users["sales"], report_slug=SampleReport.slug, params={}, language="en")

    assert not ExportJob.objects.exists()


@pytest.mark.parametrize(
    ("slug", "params", "message"),
    [
        (SampleReport.slug, {"day": "31/03/2026"}, "The filters cannot be used: As of: Enter a valid date."),
        (SampleReport.slug, {"limit": "0"}, "The filters cannot be used: Rows: Ensure this value is greater"),
        ("no-such-report", {}, "There is no report “no-such-report”."),
    ],
)
def test_filters_the_form_refuses_and_unknown_reports_are_refused_with_a_message(
    users, slug, params, message
):
    with pytest.raises(exports.ExportRefused) as refused:
        exports.start_export(user=users["manager"], report_slug=slug, params=params, language="en")

    assert refused.value.message.startswith(message)
    assert not ExportJob.objects.exists()


def test_the_task_is_sent_after_commit_and_keeps_only_the_report_filters(
    users, django_capture_on_commit_callbacks
):
    app.conf.task_always_eager = True  # the task runs here when sent, as a worker would run it
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            job = exports.start_export(
                user=users["manager"],
                report_slug=SampleReport.slug,
                params={"day": "2026-03-31", "limit": "2", "page": "3", "csrfmiddlewaretoken": "x"},
                language="en",
            )
        assert len(callbacks) == 1
        assert ExportJob.objects.get().status == ExportStatus.PENDING  # nothing sent yet
        callbacks[0]()
    finally:
        app.conf.task_always_eager = False

    job.refresh_from_db()
    assert job.params == {"day": "2026-03-31", "limit": "2"}
    assert (job.status, job.rows, len(job.task_id)) == (ExportStatus.DONE, 2, 36)


def test_a_broker_that_cannot_be_reached_fails_the_job_instead_of_leaving_it_waiting(
    users, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from reports.export_tasks import run_export_task

    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(run_export_task, "apply_async", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.start_export(
            user=users["manager"], report_slug=SampleReport.slug, params={}, language="en"
        )

    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert job.error == "The export could not be queued: the task queue is not reachable. Try again later."


# Cleanup and the stale-job sweep ---------------------------------------------------------------
def test_the_cleanup_deletes_files_and_rows_older_than_the_retention(users, settings, media):
    settings.EXPORT_RETENTION_DAYS = 7
    old, recent = export(users["manager"]), export(users["manager"])
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=7, minutes=1))
    ExportJob.objects.filter(pk=recent.pk).update(created_at=timezone.now() - timedelta(days=6))
    old_path, recent_path = media / old.file.name, media / recent.file.name
    assert old_path.exists() and recent_path.exists()

    assert exports.cleanup_exports() == {"failed": 0, "deleted": 1}

    assert list(ExportJob.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not old_path.exists() and recent_path.exists()


def test_the_sweep_fails_jobs_stuck_running_or_waiting_past_the_timeout(users, settings):
    settings.EXPORT_TIMEOUT_MINUTES = 30
    now = timezone.now()
    make = lambda: exports.start_export(  # noqa: E731
        user=users["manager"], report_slug=SampleReport.slug, params={}, language="en"
    )
    stuck, busy, waiting, fresh = make(), make(), make(), make()
    ExportJob.objects.filter(pk=stuck.pk).update(
        status=ExportStatus.RUNNING, started_at=now - timedelta(minutes=31)
    )
    ExportJob.objects.filter(pk=busy.pk).update(
        status=ExportStatus.RUNNING, started_at=now - timedelta(minutes=29)
    )
    ExportJob.objects.filter(pk=waiting.pk).update(created_at=now - timedelta(minutes=31))

    assert exports.cleanup_exports() == {"failed": 2, "deleted": 0}

    status = dict(ExportJob.objects.values_list("pk", "status"))
    assert [status[j.pk] for j in (stuck, busy, waiting, fresh)] == ["failed", "running", "failed", "pending"]
    assert ExportJob.objects.get(pk=stuck.pk).error == (
        "The export did not finish within 30 minutes: the worker writing it stopped. Start it again."
    )


def test_the_cleanup_runs_every_night_from_the_beat_schedule(db):
    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    migration = importlib.import_module("reports.migrations.0003_export_cleanup_schedule")
    migration.create(apps, None)
    migration.create(apps, None)  # idempotent

    task = PeriodicTask.objects.get(name=migration.NAME)
    assert (task.task, task.enabled, task.crontab.hour, task.crontab.minute) == (
        "reports.cleanup_exports",
        True,
        "3",
        "30",
    )
    assert {"reports.cleanup_exports", "reports.run_export"} <= set(app.tasks)


# The pages ---------------------------------------------------------------------------------------
def test_starting_from_the_report_page_redirects_to_the_progress_page(client_for, users):
    response = client_for("manager").post(
        reverse("reports:export_start"),
        {"report": SampleReport.slug, "day": "2026-03-31", "page": "2", "next": "/reports/x/"},
    )

    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("reports:export_detail", args=[job.pk])
    assert (job.user, job.params, job.language) == (users["manager"], {"day": "2026-03-31"}, "en")


def test_refused_filters_go_back_to_the_report_page_with_the_reason(client_for):
    client = client_for("manager")
    response = client.post(
        reverse("reports:export_start"),
        {"report": SampleReport.slug, "day": "never", "next": "/reports/x/?a=1"},
    )

    assert response.status_code == 302 and response.url == "/reports/x/?a=1"
    page = client.get(reverse("reports:export_list"))
    assert "The filters cannot be used: As of: Enter a valid date." in page.content.decode()
    assert not ExportJob.objects.exists()


def test_starting_needs_the_report_permission_and_a_known_report(client_for):
    assert (
        client_for("sales").post(reverse("reports:export_start"), {"report": SampleReport.slug}).status_code
        == 403
    )
    assert client_for("manager").post(reverse("reports:export_start"), {"report": "nope"}).status_code == 404
    assert client_for("manager").get(reverse("reports:export_start")).status_code == 405


def test_the_progress_page_polls_until_done_then_offers_the_download(client_for, users):
    client = client_for("manager")
    job = exports.start_export(user=users["manager"], report_slug=SampleReport.slug, params={}, language="en")
    status_url = reverse("reports:export_status", args=[job.pk])

    page = client.get(reverse("reports:export_detail", args=[job.pk])).content.decode()
    assert f'hx-get="{status_url}"' in page and 'hx-trigger="load delay:1s"' in page
    assert client.get(status_url).json() == {
        "status": "pending",
        "status_label": "Waiting",
        "progress": 0,
        "rows": 0,
        "error": "",
        "download_url": None,
    }

    exports.run_export(job.pk)

    fragment = client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    download_url = reverse("reports:export_download", args=[job.pk])
    assert "hx-get" not in fragment and f'href="{download_url}"' in fragment  # polling stops
    assert client.get(status_url).json()["download_url"] == download_url


def test_the_owner_downloads_the_file_under_its_name(client_for, users):
    job = export(users["manager"])

    response = client_for("manager").get(reverse("reports:export_download", args=[job.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == f'attachment; filename="{job.filename}"'
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.worksheets[0]["A1"].value == "Sample stock"


@pytest.mark.parametrize("other", ["clerk_a", "administrator", "purchasing"])
def test_another_users_export_is_not_found_whatever_their_role(client_for, users, other):
    job = export(users["manager"])
    client = client_for(other)

    for name in ("export_detail", "export_status", "export_download"):
        assert client.get(reverse(f"reports:{name}", args=[job.pk])).status_code == 404, name


def test_an_export_not_done_cannot_be_downloaded(client_for, users):
    job = exports.start_export(user=users["manager"], report_slug=SampleReport.slug, params={}, language="en")
    failed = export(users["manager"], RefusingReport.slug)

    for pending_or_failed in (job, failed):
        url = reverse("reports:export_download", args=[pending_or_failed.pk])
        assert client_for("manager").get(url).status_code == 404


def test_a_user_who_lost_the_report_permission_can_no_longer_download(client_for, users):
    clerk = users["clerk_a"]
    job = export(clerk)
    clerk.groups.clear()

    assert client_for("clerk_a").get(reverse("reports:export_download", args=[job.pk])).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client_for, users):
    job = export(users["manager"])
    anonymous = client_for(None)

    for url in (
        reverse("reports:export_list"),
        reverse("reports:export_detail", args=[job.pk]),
        reverse("reports:export_status", args=[job.pk]),
        reverse("reports:export_download", args=[job.pk]),
    ):
        response = anonymous.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    response = anonymous.post(reverse("reports:export_start"), {"report": SampleReport.slug})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert ExportJob.objects.count() == 1


def test_the_list_shows_the_users_own_exports_newest_first_with_why_one_failed(client_for, users):
    manager = users["manager"]
    done, failed = export(manager), export(manager, RefusingReport.slug)
    someone_elses = export(users["clerk_a"])

    page = client_for("manager").get(reverse("reports:export_list"))

    assert [job.pk for job in page.context["jobs"]] == [failed.pk, done.pk]
    html = page.content.decode()
    assert f'data-export="{someone_elses.pk}"' not in html
    assert "The warehouse WH9 was closed while the report was read." in html
    assert reverse("reports:export_download", args=[done.pk]) in html
    assert reverse("reports:export_download", args=[failed.pk]) not in html
    listed_done = page.context["jobs"][1]
    assert listed_done.size == listed_done.file.size > 0


def test_looking_at_a_stuck_export_fails_it_rather_than_showing_a_bar_that_never_moves(client_for, users):
    job = exports.start_export(user=users["manager"], report_slug=SampleReport.slug, params={}, language="en")
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, started_at=timezone.now() - timedelta(hours=2)
    )

    answer = client_for("manager").get(reverse("reports:export_status", args=[job.pk])).json()

    assert answer["status"] == "failed" and "did not finish within 30 minutes" in answer["error"]


# The real reports ------------------------------------------------------------------------------
def real_reports() -> list[str]:
    return sorted(slug for slug in exports.registry() if not slug.startswith("test-export-"))


def test_every_real_report_exports_with_its_default_filters_on_an_empty_database(users, media):
    administrator = users["administrator"]
    assert real_reports(), "no report is registered"

    outcomes = {}
    for slug in real_reports():
        try:
            job = export(administrator, slug, params={})
        except exports.ExportRefused as exc:
            outcomes[slug] = f"refused: {exc.message}"
            continue
        outcomes[slug] = job.status if job.status == ExportStatus.DONE else f"{job.status}: {job.error}"
        if job.status == ExportStatus.DONE:
            sheet = sheet_of(job)
            assert sheet["A1"].value == exports.report_title(slug)

    assert outcomes == dict.fromkeys(real_reports(), "done")
