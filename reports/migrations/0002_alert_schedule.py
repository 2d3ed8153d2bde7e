"""The schedule of the stock-alert scan: a django-celery-beat PeriodicTask "Stock alerts" running
reports.scan_stock_alerts every hour with {"expiry_days": 30}. It lives in the database, so an
administrator changes the interval, the horizon or switches it off in the Django admin
(Periodic tasks); this migration never overwrites such a change."""

import json

from django.db import migrations

NAME = "Stock alerts"
TASK = "reports.scan_stock_alerts"
KWARGS = {"expiry_days": 30}


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every_hour = IntervalSchedule.objects.filter(every=1, period="hours").order_by("id").first()
    if every_hour is None:
        every_hour = IntervalSchedule.objects.create(every=1, period="hours")
    _, created = PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "interval": every_hour,
            "kwargs": json.dumps(KWARGS),
            "enabled": True,
            "description": "Scans stock for alerts and e-mails the new ones to the roles responsible.",
        },
    )
    if created:
        # A running beat reloads its schedule when this timestamp moves (the historical model
        # has none of PeriodicTask.save()'s signal wiring).
        from django.utils import timezone

        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME, task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_alerts_and_exports"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
