"""Tasks are thin: they take ids or nothing, call services/selectors, and are safe to run twice."""

from celery import shared_task


@shared_task(name="jxc.healthcheck")
def healthcheck() -> dict:
    """Proves a worker is wired to the broker and the same database as the web app."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    return {"database": connection.vendor, "users": get_user_model().objects.count()}
