"""The five roles of DESIGN.md §4 as groups with their permissions.

The permission table is frozen here, as migrations must be; a later feature that adds models
adds a migration granting their permissions."""

from django.db import migrations

VIEW, ADD, CHANGE = "view", "add", "change"

# app label -> model -> actions; custom permissions are listed by codename under "_extra".
PURCHASING = {
    "inventory": {"item": [VIEW, ADD, CHANGE], "itemunit": [VIEW, ADD, CHANGE], "itembarcode": [VIEW, ADD, CHANGE],
                  "category": [VIEW, ADD, CHANGE], "unit": [VIEW, ADD, CHANGE], "warehouse": [VIEW],
                  "location": [VIEW], "batch": [VIEW],
                  "_extra": ["view_all_warehouses", "import_item", "export_item"]},
    "purchasing": {"supplier": [VIEW, ADD, CHANGE], "supplieritem": [VIEW, ADD, CHANGE],
                   "supplierpricebreak": [VIEW, ADD, CHANGE],
                   "_extra": ["import_supplier", "export_supplier"]},
}
SALES = {
    "inventory": {"item": [VIEW], "itemunit": [VIEW], "itembarcode": [VIEW], "category": [VIEW],
                  "unit": [VIEW], "warehouse": [VIEW], "location": [VIEW], "batch": [VIEW],
                  "_extra": ["view_all_warehouses", "export_item"]},
    "sales": {"customer": [VIEW, ADD, CHANGE], "pricelevel": [VIEW],
              "_extra": ["import_customer", "export_customer"]},
}
WAREHOUSE_CLERK = {
    "inventory": {"item": [VIEW], "itemunit": [VIEW], "itembarcode": [VIEW], "category": [VIEW],
                  "unit": [VIEW], "warehouse": [VIEW], "location": [VIEW, ADD, CHANGE],
                  "batch": [VIEW, ADD, CHANGE]},
}
_ALL = [VIEW, ADD, CHANGE]
MANAGER = {
    "inventory": {m: _ALL for m in ("item", "itemunit", "itembarcode", "category", "unit", "warehouse",
                                    "location", "batch")}
    | {"_extra": ["view_all_warehouses", "import_item", "export_item"]},
    "purchasing": {m: _ALL for m in ("supplier", "supplieritem", "supplierpricebreak")}
    | {"_extra": ["import_supplier", "export_supplier"]},
    "sales": {m: _ALL for m in ("customer", "pricelevel")} | {"_extra": ["import_customer", "export_customer"]},
    "accounts": {"user": [VIEW]},
}
ROLES = {
    "purchasing": PURCHASING,
    "sales": SALES,
    "warehouse_clerk": WAREHOUSE_CLERK,
    "manager": MANAGER,
    "administrator": None,  # every permission
}


def _codenames(spec):
    for app_label, models in spec.items():
        for model, actions in models.items():
            if model == "_extra":
                for codename in actions:
                    yield app_label, codename
            else:
                for action in actions:
                    yield app_label, f"{action}_{model}"


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    assign_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def assign_roles(Group, Permission):
    """Create the groups and set their permissions; also used by tests after a database flush."""
    for name, spec in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        if spec is None:
            group.permissions.set(Permission.objects.all())
            continue
        perms = []
        for app_label, codename in _codenames(spec):
            perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("inventory", "0001_initial"),
        ("purchasing", "0001_initial"),
        ("sales", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("axes", "0010_accessattemptexpiration"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
