"""Every URL of the reports namespace (report pages of every registered report, the Excel
exports, the alerts) against a table of what each role gets; a URL the resolver knows and the table
does not fails the test. Exports are started for every report by every role: the report's
permission decides, and a clerk's file holds only their warehouse."""

import io

import pytest
from django.urls import get_resolver, reverse
from openpyxl import load_workbook

from inventory.models import Warehouse
from reports import exports
from reports.base import REGISTRY
from reports.models import ExportJob, ExportStatus

from .test_stock_reports import turnover_world  # noqa: F401

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "purchasing", "sales", "clerk_a", "clerk_b", "manager", "administrator", "finance")
LOGIN, OK, NO = "login", 200, 403


def table(*statuses):
    return dict(zip(ROLES, statuses, strict=True))


# Who opens each report (accounts migration 0010): the report's permission.
STOCK = table(LOGIN, OK, NO, OK, OK, OK, OK, NO)  # reports.view_stock_reports
PURCHASE = table(LOGIN, OK, NO, NO, NO, OK, OK, NO)  # reports.view_purchase_reports
SALES = table(LOGIN, NO, OK, NO, NO, OK, OK, NO)  # reports.view_sales_reports
MARGIN = table(LOGIN, NO, NO, NO, NO, OK, OK, NO)  # reports.view_margin_reports: managers
REPORTS = {
    "valuation": STOCK,
    "turnover": STOCK,
    "abc": STOCK,
    "ageing": STOCK,
    "slow_moving": STOCK,
    "purchase_summary": PURCHASE,
    "supplier_performance": PURCHASE,
    "sales_summary": SALES,
    "processing_time": SALES,
    "sales_trend": SALES,
    "gross_margin": MARGIN,
}
EVERYONE = table(LOGIN, OK, OK, OK, OK, OK, OK, OK)
ANY_REPORT = table(LOGIN, OK, OK, OK, OK, OK, OK, NO)  # the list of reports
ALERTS = table(LOGIN, OK, OK, OK, OK, OK, OK, NO)  # reports.view_alert
# Pages of one export: its owner only; anyone else gets a 404 (ids cannot be guessed).
OWNED = table(LOGIN, 404, 404, 404, 404, OK, 404, 404)

# url name → (the table, what it is checked with below)
URLS = {
    "reports:report_index": ANY_REPORT,
    "reports:report": REPORTS,
    "reports:report_abc_apply": "test_report_views.ROLE_TABLE",
    "reports:export_list": EVERYONE,
    "reports:export_start": REPORTS,
    "reports:export_detail": OWNED,
    "reports:export_status": OWNED,
    "reports:export_download": OWNED,
    "reports:alert_list": ALERTS,
    "reports:alert_acknowledge": "test_alerts (each role, each warehouse)",
}


def get_status(client, url, role) -> int | str:
    response = client.get(url)
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
        return LOGIN
    return response.status_code


def test_the_table_covers_every_url_of_the_reports_namespace_and_every_report():
    reports = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "reports")
    names = set()
    for pattern in reports.url_patterns:
        names |= {f"reports:{p.name}" for p in getattr(pattern, "url_patterns", [pattern]) if p.name}

    assert names == set(URLS)
    assert set(REGISTRY) == set(REPORTS)


@pytest.mark.parametrize("slug", sorted(REPORTS))
def test_each_report_page_answers_each_role_as_the_table_says(client_for, slug):
    url = reverse("reports:report", args=[slug])

    got = {role: get_status(client_for(None if role == "anonymous" else role), url, role) for role in ROLES}

    assert got == REPORTS[slug]


def test_the_index_the_export_list_and_the_alert_list(client_for):
    for name, expected in (
        ("reports:report_index", ANY_REPORT),
        ("reports:export_list", EVERYONE),
        ("reports:alert_list", ALERTS),
    ):
        url = reverse(name)
        got = {
            role: get_status(client_for(None if role == "anonymous" else role), url, role) for role in ROLES
        }
        assert got == expected, name


@pytest.mark.parametrize("slug", sorted(REPORTS))
def test_each_role_may_export_exactly_the_reports_it_may_open(client_for, users, slug):
    """Started with the report's default filters, as the page's button sends them."""
    got = {}
    for role in ROLES:
        client = client_for(None if role == "anonymous" else role)
        before = ExportJob.objects.count()
        response = client.post(reverse("reports:export_start"), {"report": slug})
        if role == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
            got[role] = LOGIN
        elif response.status_code == 302:
            job = ExportJob.objects.get(user=users[role], report=slug)
            assert response["Location"] == reverse("reports:export_detail", args=[job.pk])
            assert job.status == ExportStatus.PENDING
            got[role] = OK
        else:
            got[role] = response.status_code
        if got[role] != OK:
            assert ExportJob.objects.count() == before, role  # nothing written when refused

    assert got == REPORTS[slug]


@pytest.mark.usefixtures("turnover_world")
def test_the_pages_of_an_export_answer_its_owner_only(client_for, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = exports.start_export(
        user=users["manager"], report_slug="turnover", params={"group_by": "item"}, language="en"
    )
    exports.run_export(job.pk)

    for name in ("reports:export_detail", "reports:export_status", "reports:export_download"):
        url = reverse(name, args=[job.pk])
        got = {
            role: get_status(client_for(None if role == "anonymous" else role), url, role) for role in ROLES
        }
        assert got == OWNED, name


@pytest.mark.usefixtures("turnover_world")
def test_a_clerks_export_holds_their_warehouse_only_and_the_other_is_refused(
    client_for, users, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    clerk = client_for("clerk_a")
    params = {"start": "2026-07-01", "end": "2026-09-30", "group_by": "warehouse"}

    response = clerk.post(reverse("reports:export_start"), {"report": "turnover", **params})
    job = ExportJob.objects.get(user=users["clerk_a"])
    exports.run_export(job.pk)
    download = clerk.get(reverse("reports:export_download", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).worksheets[0]
    cells = [c.value for row in sheet.iter_rows() for c in row]

    assert response.status_code == 302
    assert "WHA" in cells and "WHB" not in cells  # warehouse B's water is not in the file
    # asking for warehouse B by its id is refused, with the reason, and starts nothing
    refused = clerk.post(
        reverse("reports:export_start"),
        {"report": "turnover", **params, "warehouse": Warehouse.objects.get(code="WHB").pk},
        HTTP_REFERER="http://testserver/reports/turnover/",
        follow=True,
    )
    assert ExportJob.objects.filter(user=users["clerk_a"]).count() == 1
    assert "Select a valid choice" in refused.content.decode()  # the warehouse field's own reason
