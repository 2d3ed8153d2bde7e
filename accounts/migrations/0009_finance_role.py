"""Money owed (往来账): purchasing staff read payables and payments to suppliers, sales staff
receivables and money received; the finance role (财务) records, allocates and reverses payments
on both sides and reads the parties; managers do all of it and give or take the finance role;
administrators hold every permission."""

from django.db import migrations

PAYABLES_READ = ["view_payableentry", "view_supplierpayment"]
PAYABLES_WRITE = ["add_supplierpayment", "reverse_supplierpayment"]
RECEIVABLES_READ = ["view_receivableentry", "view_customerpayment"]
RECEIVABLES_WRITE = ["add_customerpayment", "reverse_customerpayment"]

GRANTS = {
    "purchasing": {"purchasing": PAYABLES_READ},
    "sales": {"sales": RECEIVABLES_READ},
    "finance": {
        "purchasing": [*PAYABLES_READ, *PAYABLES_WRITE, "view_supplier"],
        "sales": [*RECEIVABLES_READ, *RECEIVABLES_WRITE, "view_customer"],
    },
    "manager": {
        "purchasing": [*PAYABLES_READ, *PAYABLES_WRITE],
        "sales": [*RECEIVABLES_READ, *RECEIVABLES_WRITE],
        "accounts": ["grant_finance"],
    },
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
    for name, by_app in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codenames in by_app.items():
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )
    admin, _ = Group.objects.get_or_create(name="administrator")
    admin.permissions.set(Permission.objects.all())


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, by_app in GRANTS.items():
        for group in Group.objects.filter(name=name):
            for app_label, codenames in by_app.items():
                group.permissions.remove(
                    *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
                )
    Group.objects.filter(name="finance", user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_sales_order_roles"),
        ("purchasing", "0004_payables_backfill"),
        ("sales", "0005_receivables_backfill"),
    ]
    operations = [
        migrations.AlterModelOptions(
            name="user",
            options={
                "permissions": [("grant_finance", "Can give and take the finance role")],
                "verbose_name": "user",
                "verbose_name_plural": "users",
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
