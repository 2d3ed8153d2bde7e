"""The report pages: who opens which (every report URL against a role table, and the table against
the URL resolver), what a clerk sees (no values, only their warehouse), the chart config, the
Excel button, pagination, and the ABC write-back through its POST action."""

import json
import re

import pytest
from django.urls import get_resolver, reverse

from inventory.models import Item
from reports import views_reports

from .test_stock_reports import OCTOBER, abc_world, ageing_world, idle_world, turnover_world  # noqa: F401

pytestmark = pytest.mark.django_db

STOCK = ("valuation", "turnover", "abc", "ageing", "slow_moving")
ROLES = ("anonymous", "purchasing", "sales", "clerk_a", "clerk_b", "manager", "administrator", "finance")
LOGIN = 302
# Stock reports: purchasing, clerks, managers and administrators (reports.view_stock_reports).
STOCK_ACCESS = dict(zip(ROLES, (LOGIN, 200, 403, 200, 200, 200, 200, 403), strict=True))
# The list of reports: whoever holds any report permission — sales hold the sales reports.
INDEX_ACCESS = dict(zip(ROLES, (LOGIN, 200, 200, 200, 200, 200, 200, 403), strict=True))
# Writing ABC classes: the stock reports and inventory.change_item (purchasing, managers, admins).
APPLY_ACCESS = dict(zip(ROLES, (LOGIN, 302, 403, 403, 403, 302, 302, 403), strict=True))

# (url name, args, method) → the status each role gets
ROLE_TABLE = {
    ("reports:report_index", (), "get"): INDEX_ACCESS,
    **{("reports:report", (slug,), "get"): STOCK_ACCESS for slug in STOCK},
    ("reports:report_abc_apply", (), "post"): APPLY_ACCESS,
}


def test_the_role_table_covers_every_report_url_of_the_resolver():
    reports = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "reports")
    names = {f"reports:{p.name}" for p in reports.url_patterns if p.name and p.name.startswith("report")}

    assert names == {name for name, _args, _method in ROLE_TABLE}


@pytest.mark.parametrize(("name", "args", "method"), list(ROLE_TABLE), ids=lambda v: str(v))
def test_every_report_url_answers_each_role_as_the_table_says(client_for, name, args, method):
    url = reverse(name, args=args)
    data = OCTOBER if method == "post" else {}
    got = {}
    for role in ROLES:
        response = getattr(client_for(None if role == "anonymous" else role), method)(url, data)
        got[role] = response.status_code
        if role == "anonymous":
            assert response["Location"].startswith(reverse("login")), role

    assert got == ROLE_TABLE[(name, args, method)]


def test_an_unknown_report_is_not_found_and_does_not_hide_the_other_reports_urls(client_for):
    assert client_for("manager").get("/reports/no-such-report/").status_code == 404
    # reports/<slug>/ answers only registered reports: the alert and export URLs after it resolve
    for other in ("reports:alert_list", "reports:export_list"):
        try:
            url = reverse(other)
        except Exception:  # noqa: S112 (that part of the app may not be there yet)
            continue
        assert get_resolver().resolve(url).url_name != "report"


def test_the_index_lists_the_reports_a_user_may_open(client_for):
    manager = client_for("manager").get(reverse("reports:report_index")).content.decode()
    sales = client_for("sales").get(reverse("reports:report_index")).content.decode()

    listed = re.findall(r'data-report="([^"]+)"', manager)
    assert set(STOCK) <= set(listed)
    assert not set(STOCK) & set(re.findall(r'data-report="([^"]+)"', sales))


def page(client, slug, **params):
    response = client.get(reverse("reports:report", args=[slug]), params)
    assert response.status_code == 200
    return response


def header_keys(response) -> list[str]:
    return [c["key"] for c in response.context["columns"]]


def body(response) -> list[list[str]]:
    return [[c["text"] for c in row] for row in response.context["table"]]


@pytest.mark.usefixtures("turnover_world")
def test_a_clerk_sees_no_value_columns_and_no_rows_of_the_other_warehouse(client_for):
    clerk = page(client_for("clerk_a"), "valuation", day="2026-08-31")
    manager = page(client_for("manager"), "valuation", day="2026-08-31")

    assert header_keys(clerk) == ["sku", "name", "category", "item_type", "warehouse", "unit", "qty"]
    assert body(clerk) == [["MILK", "纯牛奶", "饮料 / 乳品", "Merchandise", "仓库A", "PCS", "100"]]
    assert "200.00" not in clerk.content.decode().split('id="report-table"')[1]
    assert header_keys(manager)[-2:] == ["value", "average"]
    assert [row[0] for row in body(manager)] == ["MILK", "WATER"]
    assert [c["text"] for c in manager.context["totals"]][7] == "300.00"
    # the warehouse filter offers the clerk's warehouse only; asking for the other is refused
    assert [w.code for w in clerk.context["form"].fields["warehouse"].queryset] == ["WHA"]
    other = page(client_for("clerk_a"), "valuation", warehouse=manager.context["form"].fields["warehouse"]
                 .queryset.get(code="WHB").pk)  # fmt: skip
    assert "warehouse" in other.context["form"].errors and other.context["table"] is None


@pytest.mark.usefixtures("turnover_world")
def test_turnover_page_states_its_method_and_carries_the_chart_config(client_for):
    response = page(client_for("clerk_a"), "turnover", start="2026-07-01", end="2026-09-30", group_by="item")
    html = response.content.decode()

    assert "average inventory value is the mean of the stock value at the start" in html
    config = json.loads(re.search(r'<script id="report-chart-config" type="application/json">(.*?)</script>',
                                  html, re.S).group(1))  # fmt: skip
    assert config["type"] == "bar" and config["data"]["labels"] == ["MILK 纯牛奶"]
    assert config["data"]["datasets"][0]["data"] == ["1.40"]  # a Decimal: a numeric string Chart.js parses
    assert '<canvas id="report-chart"' in html
    assert "vendor/chart.js/dist/chart.umd.min.js" in html and "jxc/charts.js" in html
    # the clerk: turnover and days only, WHA only
    assert header_keys(response) == ["code", "name", "turnover", "days"]
    assert body(response) == [["MILK", "纯牛奶", "1.4", "65.7"]]


def test_the_first_visit_shows_the_default_filters(client_for):
    response = page(client_for("manager"), "slow_moving")

    assert response.context["form"]["dead_days"].value() == "90"
    assert response.context["form"]["slow_days"].value() == "30"
    assert response.context["table"] == []


def test_the_excel_button_posts_the_report_and_its_filters_when_exports_exist(client_for, monkeypatch):
    monkeypatch.setattr(views_reports, "_export_url", lambda: "/reports/exports/start/")
    html = page(client_for("manager"), "ageing").content.decode()
    form = re.search(r'<form method="post" action="/reports/exports/start/".*?</form>', html, re.S).group(0)
    assert 'name="report" value="ageing"' in form and "csrfmiddlewaretoken" in form

    html = page(client_for("manager"), "turnover", start="2026-07-01", end="2026-09-30", group_by="category")
    form = re.search(
        r'<form method="post" action="/reports/exports/start/".*?</form>', html.content.decode(), re.S
    )
    assert 'name="group_by" value="category"' in form.group(
        0
    ) and 'name="start" value="2026-07-01"' in form.group(0)

    monkeypatch.setattr(views_reports, "_export_url", lambda: None)  # not built yet: no button
    assert 'id="report-export"' not in page(client_for("manager"), "ageing").content.decode()


@pytest.mark.usefixtures("idle_world")
def test_long_reports_are_paginated_with_totals_over_all_rows(client_for, monkeypatch):
    monkeypatch.setattr(views_reports, "PAGE_SIZE", 2)
    first = page(client_for("manager"), "slow_moving")
    last = page(client_for("manager"), "slow_moving", page="3")

    assert (first.context["count"], first.context["pages"]) == (5, 3)
    assert [row[0] for row in body(first)] == ["MOVED", "DEAD"]
    assert [row[0] for row in body(last)] == ["SLOW"]
    assert [c["text"] for c in last.context["totals"]][5] == "70.00"  # all five rows
    assert 'id="next-page"' in first.content.decode() and 'id="previous-page"' in last.content.decode()


@pytest.mark.usefixtures("ageing_world")
def test_ageing_page_for_a_clerk_has_quantities_by_bucket_and_no_values(client_for):
    response = page(client_for("clerk_a"), "ageing")

    assert len(header_keys(response)) == 11 and "value" not in header_keys(response)
    assert [row[0] for row in body(response)] == ["MILK", "YOG"]
    assert response.context["chart"]["data"]["datasets"][0]["data"] == [2, 1, 1, 0, 1]


@pytest.mark.usefixtures("abc_world")
def test_abc_write_back_from_the_page(client_for):
    manager = client_for("manager")
    html = page(manager, "abc", **OCTOBER).content.decode()
    assert reverse("reports:report_abc_apply") in html  # the button, for a holder of change_item
    assert (
        reverse("reports:report_abc_apply")
        not in page(client_for("clerk_a"), "abc", **OCTOBER).content.decode()
    )

    response = manager.post(
        reverse("reports:report_abc_apply"), {**OCTOBER, "a_share": "50", "b_share": "30"}
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reports:report", args=["abc"]) + "?")
    # 50/30: P1 A; P2 B (500 above it, not below 500); the rest C (see test_stock_reports)
    assert dict(Item.objects.filter(sku__startswith="P").values_list("sku", "abc_class")) == {
        "P1": "A", "P2": "B", "P3": "C", "P4": "C", "P5": "C", "P6": "C"
    }  # fmt: skip
    followed = manager.get(response["Location"])
    assert "ABC classes written to 6 items: 1 in A, 1 in B, 4 in C." in followed.content.decode()


@pytest.mark.usefixtures("abc_world")
def test_abc_write_back_with_bad_filters_writes_nothing(client_for):
    response = client_for("manager").post(
        reverse("reports:report_abc_apply"), {**OCTOBER, "a_share": "90", "b_share": "20"}
    )

    assert response.status_code == 302
    assert set(Item.objects.filter(sku__startswith="P").values_list("abc_class", flat=True)) == {""}
