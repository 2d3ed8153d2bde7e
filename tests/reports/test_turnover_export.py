"""Issue 7's acceptance: an export of the turnover report is an .xlsx that openpyxl reads back with
the same numbers as the page shows, on the constructed Q3 history of test_stock_reports (whose
figures are worked out by hand there: milk turnover 280 ÷ 200 = 1.40, water 100 ÷ 150 = 0.67)."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports import exports
from reports.models import ExportJob, ExportStatus

from .test_stock_reports import Q3, turnover_world  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("turnover_world")]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def page_table(client, params) -> tuple[list[str], list[list[str]]]:
    response = client.get(reverse("reports:report", args=["turnover"]), params)
    assert response.status_code == 200
    labels = [str(c["label"]) for c in response.context["columns"]]
    return labels, [[c["text"] for c in row] for row in response.context["table"]]


def exported_table(user, params) -> tuple[list[str], list[list]]:
    """Start the export as the page's button does, run the task body, read the file back."""
    job = exports.start_export(user=user, report_slug="turnover", params=params, language="en")
    exports.run_export(job.pk)
    job = ExportJob.objects.get(pk=job.pk)
    assert job.status == ExportStatus.DONE, job.error
    with job.file.storage.open(job.file.name, "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).worksheets[0]
    header_row = int(sheet.freeze_panes[1:]) - 1  # the header is the frozen row
    labels = [c.value for c in sheet[header_row]]
    return labels, [[c.value for c in row] for row in sheet.iter_rows(min_row=header_row + 1)]


def as_number(text: str) -> Decimal:
    """A figure as the page prints it (thousands separators) as a number."""
    return Decimal(text.replace(",", ""))


@pytest.mark.parametrize("group_by", ["item", "category", "warehouse"])
@pytest.mark.parametrize("role", ["manager", "clerk_a"])
def test_the_turnover_export_reads_back_with_the_numbers_of_the_page(users, client_for, role, group_by):
    params = {**Q3, "group_by": group_by}
    page_labels, page_rows = page_table(client_for(role), params)
    file_labels, file_rows = exported_table(users[role], params)

    assert file_labels == page_labels
    assert len(file_rows) == len(page_rows) > 0
    for shown, written in zip(page_rows, file_rows, strict=True):
        for text, value in zip(shown, written, strict=True):
            if isinstance(value, int | float):  # numbers are numbers in the file
                assert as_number(text) == Decimal(str(value)), (shown, written)
            else:
                assert text == (value or ""), (shown, written)


def test_the_exported_figures_are_the_hand_worked_ones(users):
    _labels, rows = exported_table(users["manager"], {**Q3, "group_by": "item"})

    # opening, closing, average inventory value, COGS, turnover, days of inventory
    assert rows == [
        ["MILK", "纯牛奶", 200, 150, 200, 280, 1.4, 65.7],
        ["WATER", "矿泉水", 200, 100, 150, 100, 0.67, 138],
    ]
    # the clerk's file has no values (turnover and days only) and no rows of warehouse B
    clerk_labels, clerk_rows = exported_table(users["clerk_a"], {**Q3, "group_by": "item"})
    assert clerk_labels == ["Code", "Name", "Turnover", "Days of inventory"]
    assert clerk_rows == [["MILK", "纯牛奶", 1.4, 65.7]]
