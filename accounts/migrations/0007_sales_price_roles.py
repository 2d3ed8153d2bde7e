"""Sales price lists: sales staff keep their own price lists (many small companies work that way),
so they view, add and change sales prices and their quantity breaks, as managers do;
administrators hold every permission."""

from django.db import migrations

PRICE_LIST = [
    "view_salesprice",
    "add_salesprice",
    "change_salesprice",
    "view_salespricebreak",
    "add_salespricebreak",
    "change_salespricebreak",
]
GRANTS = {
    "sales": PRICE_LIST,
    "manager": PRICE_LIST,
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
            *Permission.objects.filter(content_type__app_label="sales", codename__in=codenames)
        )
    admin, _ = Group.objects.get_or_create(name="administrator")
    admin.permissions.set(Permission.objects.all())


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="sales", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_purchasing_roles"), ("sales", "0002_sales_prices")]
    operations = [migrations.RunPython(grant, revoke)]
