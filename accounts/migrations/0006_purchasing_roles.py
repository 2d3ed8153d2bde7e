"""Purchasing documents: purchasing staff write orders and returns and read receipts; warehouse
clerks receive goods against approved orders (in their warehouses); managers do everything and
approve orders above the threshold; administrators hold every permission."""

from django.db import migrations

GRANTS = {
    "purchasing": [
        "view_purchaseorder",
        "add_purchaseorder",
        "change_purchaseorder",
        "view_purchasereceipt",
        "view_purchasereturn",
        "add_purchasereturn",
        "change_purchasereturn",
        "return_purchaseorder",
    ],
    "warehouse_clerk": [
        "receive_purchaseorder",
        "view_purchasereceipt",
        "add_purchasereceipt",
        "change_purchasereceipt",
    ],
    "manager": [
        "view_purchaseorder",
        "add_purchaseorder",
        "change_purchaseorder",
        "approve_purchaseorder",
        "receive_purchaseorder",
        "return_purchaseorder",
        "view_purchasereceipt",
        "add_purchasereceipt",
        "change_purchasereceipt",
        "view_purchasereturn",
        "add_purchasereturn",
        "change_purchasereturn",
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
            *Permission.objects.filter(content_type__app_label="purchasing", codename__in=codenames)
        )
    admin, _ = Group.objects.get_or_create(name="administrator")
    admin.permissions.set(Permission.objects.all())


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="purchasing", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_stocktake_roles"), ("purchasing", "0002_purchase_orders")]
    operations = [migrations.RunPython(grant, revoke)]
