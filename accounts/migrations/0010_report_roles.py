"""Reports and alerts: purchasing staff see stock and purchase reports and the stock-level alerts;
sales staff the sales reports and the alerts of orders that cannot be served; warehouse clerks
the stock reports and alerts of their warehouses (quantities: value columns need
inventory.view_stock_value, which they do not hold); managers everything, gross margin included;
administrators every permission."""

from django.db import migrations

GRANTS = {
    "purchasing": ["view_stock_reports", "view_purchase_reports", "view_alert", "change_alert"],
    "sales": ["view_sales_reports", "view_alert", "change_alert"],
    "warehouse_clerk": ["view_stock_reports", "view_alert", "change_alert"],
    "manager": [
        "view_stock_reports",
        "view_purchase_reports",
        "view_sales_reports",
        "view_margin_reports",
        "view_alert",
        "change_alert",
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
            *Permission.objects.filter(content_type__app_label="reports", codename__in=codenames)
        )
    admin, _ = Group.objects.get_or_create(name="administrator")
    admin.permissions.set(Permission.objects.all())


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="reports", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_finance_role"), ("reports", "0001_alerts_and_exports")]
    operations = [migrations.RunPython(grant, revoke)]
