"""URLs of reports/views_reports.py (included by reports/urls.py, namespace "reports").

A report's page is reports/<slug>/. The slug converter accepts only registered reports and
refuses anything else, so the URL resolver goes on to the alert and export URLs that follow
(reports/alerts/, reports/exports/ …) instead of answering them with a report's 404."""

from django.urls import path, register_converter

from . import views_reports
from .base import REGISTRY


class ReportSlugConverter:
    regex = "[-a-zA-Z0-9_]+"

    def to_python(self, value: str) -> str:
        if value not in REGISTRY:
            raise ValueError(value)  # not a report: the resolver tries the next pattern
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReportSlugConverter, "report_slug")

urlpatterns: list = [
    path("", views_reports.report_index_view, name="report_index"),
    path("abc/apply/", views_reports.report_abc_apply_view, name="report_abc_apply"),
    path("<report_slug:slug>/", views_reports.report_view, name="report"),
]
