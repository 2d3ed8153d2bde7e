"""Managers close months (月结); reopening is the administrators' (who hold every permission)."""

from django.db import migrations

GRANTS = {"manager": ["close_period", "view_periodclose"]}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    assign(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def assign(Group, Permission):
    """Add the grants (idempotent); also used by tests after a database flush."""
    for name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="inventory", codename__in=codenames))
    admin, _ = Group.objects.get_or_create(name="administrator")
    admin.permissions.set(Permission.objects.all())


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_stock_roles"), ("inventory", "0005_period_close")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
