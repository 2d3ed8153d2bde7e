"""The schedule of the export cleanup: a django-celery-beat PeriodicTask "Excel export cleanup"
running reports.cleanup_exports every day at 03:30 (CELERY_TIMEZONE): it fails exports stuck
waiting or running and deletes files and rows older than EXPORT_RETENTION_DAYS. It lives in the
database, so an administrator can move or pause it in the Django admin (Periodic tasks); this
migration never overwrites such a change."""

from django.conf import settings
from django.db import migrations

NAME = "Excel export cleanup"
TASK = "reports.cleanup_exports"


def create(apps, schema_editor):
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    zone = ZoneInfo(settings.CELERY_TIMEZONE or settings.TIME_ZONE)
    fields = {"minute": "30", "hour": "3", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}
    nightly = CrontabSchedule.objects.filter(**fields, timezone=zone).order_by("id").first()
    if nightly is None:
        nightly = CrontabSchedule.objects.create(**fields, timezone=zone)
    _, created = PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "crontab": nightly,
            "enabled": True,
            "description": "Fails Excel exports stuck waiting or running; deletes old export files.",
        },
    )
    if created:
        # A running beat reloads its schedule when this timestamp moves (the historical model
        # has none of PeriodicTask.save()'s signal wiring).
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME, task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_alert_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
