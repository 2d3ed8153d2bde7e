"""Sales documents: sales staff write orders and take back goods (customer returns) and read
shipments; warehouse clerks ship (in their warehouses) without seeing prices; managers do all of
it and approve orders over the credit limit; administrators hold every permission."""

from django.db import migrations

GRANTS = {
    "sales": [
        "view_salesorder",
        "add_salesorder",
        "change_salesorder",
        "view_shipment",
        "view_customerreturn",
        "add_customerreturn",
        "return_salesorder",
    ],
    "warehouse_clerk": ["ship_salesorder", "view_shipment", "add_shipment", "change_shipment"],
    "manager": [
        "view_salesorder",
        "add_salesorder",
        "change_salesorder",
        "approve_salesorder",
        "ship_salesorder",
        "return_salesorder",
        "view_shipment",
        "add_shipment",
        "change_shipment",
        "view_customerreturn",
        "add_customerreturn",
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
        group.permissions.add(*Permission.objects.filter(content_type__app_label="sales", codename__in=codenames))
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
    dependencies = [("accounts", "0007_sales_price_roles"), ("sales", "0003_sales_orders")]
    operations = [migrations.RunPython(grant, revoke)]
