"""Rights on the stock ledger and warehouse documents (issue 3): clerks write and post documents
in their warehouses, managers approve losses/gains and reverse, purchasing sees stock with its
value, sales sees quantities only (never costs)."""

from django.db import migrations

GRANTS = {
    "warehouse_clerk": ["view_stockdocument", "add_stockdocument", "change_stockdocument",
                        "post_stockdocument", "view_stockbalance", "view_stockmove"],
    "manager": ["view_stockdocument", "add_stockdocument", "change_stockdocument", "post_stockdocument",
                "approve_stockdocument", "reverse_stockdocument", "view_stock_value", "view_stockbalance",
                "view_stockmove"],
    "purchasing": ["view_stockdocument", "view_stockbalance", "view_stockmove", "view_stock_value"],
    "sales": ["view_stockbalance"],
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
        group.permissions.add(*Permission.objects.filter(content_type__app_label="inventory",
                                                         codename__in=codenames))
    admin, _ = Group.objects.get_or_create(name="administrator")
    admin.permissions.set(Permission.objects.all())


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*Permission.objects.filter(content_type__app_label="inventory",
                                                                codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_roles"), ("inventory", "0004_stock_documents")]
    operations = [migrations.RunPython(grant, revoke)]
