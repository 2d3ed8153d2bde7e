"""Chart.js configurations, built on the server for the report pages and the dashboard.

Figures go to the browser as the Decimals they are: `json_script` (DjangoJSONEncoder) writes a
Decimal as a string, and Chart.js's linear scale parses numeric strings, so no money or quantity
ever passes through a float. Labels may be lazy translations; they are turned into text here.
static/jxc/charts.js (report pages) and static/jxc/dashboard.js draw the result."""

from __future__ import annotations

from decimal import Decimal

# Bootstrap's palette, by series.
BLUE, GREEN, YELLOW, ORANGE, RED, GREY = "#0d6efd", "#198754", "#ffc107", "#fd7e14", "#dc3545", "#6c757d"
PERCENT = Decimal("0.01")


def figure(value) -> Decimal | None:
    """A figure to draw: a Decimal (ints too), or None for a gap."""
    if value is None:
        return None
    if isinstance(value, float):
        raise TypeError("chart figures are Decimal or int, never float")
    return value if isinstance(value, Decimal) else Decimal(value)


def percent(fraction: Decimal | None) -> Decimal | None:
    """A fraction (0.2762) as the percentage drawn (27.62)."""
    return None if fraction is None else (fraction * 100).quantize(PERCENT)


def dataset(label, data, **extra) -> dict:
    return {"label": str(label), "data": [figure(v) for v in data], **extra}


def _scales(stacked: bool, value_axis: str, begin_at_zero: bool, y_title, y_max) -> dict:
    scales: dict = {}
    if stacked:
        scales = {"x": {"stacked": True}, "y": {"stacked": True}}
    value = {}
    if begin_at_zero:
        value["beginAtZero"] = True
    if y_max is not None:
        value["max"] = y_max
    if y_title:
        value["title"] = {"display": True, "text": str(y_title)}
    if value:
        scales.setdefault(value_axis, {}).update(value)
    return scales


def bar(
    labels,
    datasets: list[dict],
    *,
    horizontal: bool = False,
    stacked: bool = False,
    begin_at_zero: bool = False,
    y_title=None,
    y_max=None,
) -> dict:
    """Bars per label. Each dataset is made by `dataset()` (label, data and Chart.js extras such
    as colours, or "type": "line" for a line drawn over the bars)."""
    options: dict = {"plugins": {"legend": {"display": len(datasets) > 1}}}
    if horizontal:
        options["indexAxis"] = "y"
    scales = _scales(stacked, "x" if horizontal else "y", begin_at_zero, y_title, y_max)
    if scales:
        options["scales"] = scales
    return {
        "type": "bar",
        "data": {"labels": [str(label) for label in labels], "datasets": datasets},
        "options": options,
    }


def line(labels, datasets: list[dict], *, begin_at_zero: bool = True, **options) -> dict:
    """Lines over labels (months, days); a None figure leaves a gap."""
    config_options: dict = dict(options)
    if begin_at_zero:
        config_options["scales"] = {"y": {"beginAtZero": True}}
    return {
        "type": "line",
        "data": {"labels": [str(label) for label in labels], "datasets": datasets},
        "options": config_options,
    }
