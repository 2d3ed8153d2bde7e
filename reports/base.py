"""The shape every report has, so that one page template, one Excel exporter (a Celery task) and
one role check serve them all.

A report names its columns (typed: numbers stay numbers in Excel), a filter form, the permission
that opens it, and yields its rows for a user and the cleaned filters — already limited to the
warehouses the user may see. A column that needs a permission (costs, margins) is left out, on
the page and in the file, for users without it. `chart` turns the rows into a Chart.js config
(drawn by static/vendor/chart.js); `method` is a sentence on the page that says how the figures
are computed (e.g. the averaging of turnover)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms

KINDS = ("text", "int", "qty", "money", "percent", "date", "days")


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazily translated
    kind: str = "text"  # one of KINDS
    width: int = 14  # Excel column width
    needs: str | None = None  # a permission; without it the column is not shown nor exported

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


class Report:
    slug: ClassVar[str]
    title: ClassVar[Any]
    permission: ClassVar[str]
    filter_form: ClassVar[type[forms.Form]]
    columns: ClassVar[tuple[Column, ...]]
    method: ClassVar[Any] = ""

    def columns_for(self, user) -> list[Column]:
        return [c for c in self.columns if c.needs is None or user.has_perm(c.needs)]

    def rows(self, user, filters: dict) -> Iterator[tuple]:
        """One tuple per row, a value per column of `columns` (all of them, in order): Decimal,
        int, date or str. Must not load more than a page of database rows at a time when the
        report can be long (use .iterator() or keyset batches)."""
        raise NotImplementedError

    def visible(self, user, rows) -> Iterator[tuple]:
        """The rows with the columns this user may not see taken out."""
        keep = [i for i, c in enumerate(self.columns) if c.needs is None or user.has_perm(c.needs)]
        if len(keep) == len(self.columns):
            yield from rows
            return
        for row in rows:
            yield tuple(row[i] for i in keep)

    def chart(self, user, rows: list[tuple], filters: dict) -> dict | None:
        """A Chart.js configuration ({"type": …, "data": {"labels": […], "datasets": […]}}) for the
        rows shown, or None."""
        return None

    def describe_filters(self, form: forms.Form) -> list[tuple[str, str]]:
        """(label, value) of each filter that is set, as written on top of the Excel sheet."""
        out = []
        for name, field in form.fields.items():
            value = form.cleaned_data.get(name)
            if value in (None, "", [], ()):
                continue
            if isinstance(field, forms.ModelChoiceField):
                text = str(value)
            elif isinstance(field, forms.ChoiceField):
                text = str(dict(field.choices).get(value, value))
            else:
                text = value.isoformat() if hasattr(value, "isoformat") else str(value)
            out.append((str(field.label), text))
        return out


REGISTRY: dict[str, Report] = {}


def register(cls: type[Report]) -> type[Report]:
    REGISTRY[cls.slug] = cls()
    return cls


def get(slug: str) -> Report:
    return REGISTRY[slug]


def load_reports() -> None:
    """Import every reports/reports_*.py: importing a module registers its reports. Called once,
    by ReportsConfig.ready(), so the registry is full in web processes and Celery workers alike (a
    worker never loads the URLconf); a new report module needs no wiring."""
    package = importlib.import_module("reports")
    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("reports_"):
            importlib.import_module(f"reports.{module.name}")
