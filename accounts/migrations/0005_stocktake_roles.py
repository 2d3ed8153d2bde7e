"""Stocktake (盘点): clerks create and count stocktakes in their warehouses, managers also approve
the variances above the thresholds; administrators hold every permission."""

from django.db import migrations

GRANTS = {
    "warehouse_clerk": ["add_stockcount", "change_stockcount", "view_stockcount", "count_stockcount"],
    "manager": [
        "add_stockcount",
        "change_stockcount",
        "view_stockcount",
        "count_stockcount",
        "approve_stockcount",
    ],
}


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
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="inventory", codename__in=codenames)
        )
    admin, _ = Group.objects.get_or_create(name="administrator")
    admin.permissions.set(Permission.objects.all())


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="inventory", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_period_roles"), ("inventory", "0006_stocktake_and_transit")]
    operations = [migrations.RunPython(grant, revoke)]
