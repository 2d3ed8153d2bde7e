"""Celery tasks of the stock alerts: thin wrappers around reports.alerts. Both are safe to run
twice and on several workers at once. Beat runs scan_stock_alerts on the schedule in the
database (django-celery-beat's PeriodicTask "Stock alerts", created by reports 0002, which an
administrator edits in the Django admin)."""

from celery import shared_task

__all__ = ["scan_stock_alerts", "send_alert_digest"]


@shared_task(name="reports.scan_stock_alerts")
def scan_stock_alerts(expiry_days: int | None = None) -> dict:
    """Scan, then e-mail the alerts it opened. The scan commits before any mail is sent: a mail
    server that fails leaves the alerts un-mailed for the next run's digest, not unscanned."""
    from .alerts import scan

    result = scan(expiry_days=expiry_days)
    emailed = send_alert_digest()
    return {
        "opened": result.opened,
        "resolved": result.resolved,
        "still_open": result.still_open,
        "emailed": emailed,
    }


@shared_task(name="reports.send_alert_digest")
def send_alert_digest() -> int:
    """E-mail the active alerts nobody was told about yet; returns how many."""
    from .alerts import send_digest

    return send_digest()
