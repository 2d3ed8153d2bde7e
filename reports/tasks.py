"""Celery tasks of the reports app (autodiscovered here): the scheduled stock alerts and the Excel
exports. Thin wrappers; the work is in reports.alerts and reports.exports."""

from .alert_tasks import *  # noqa: F403
from .export_tasks import *  # noqa: F403
