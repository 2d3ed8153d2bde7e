"""Object-level predicates (django-rules): which warehouses a user may see and work in.

Role-level rights are ordinary Django permissions held by the role groups; warehouse scope is
the one object rule: clerks work only in the warehouses they are assigned, everyone holding
inventory.view_all_warehouses (purchasing, sales, managers, administrators) sees all."""

import rules


@rules.predicate
def sees_all_warehouses(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm("inventory.view_all_warehouses"))


@rules.predicate
def is_member_of_warehouse(user, warehouse) -> bool:
    if warehouse is None:
        return False
    return warehouse.members.filter(pk=user.pk).exists()


can_access_warehouse = sees_all_warehouses | is_member_of_warehouse
rules.add_rule("inventory.access_warehouse", can_access_warehouse)
