"""Writes to inventory master data that need more than a form's save.

The stock ledger's posting services (issue 3) will live here too; nothing else writes stock."""

from django.db import transaction
from django.utils.translation import gettext as _

from ..exceptions import InventoryError
from ..models import Category, Location


def _tree_error(node, parent) -> None:
    seen = parent
    while seen is not None:
        if seen.pk == node.pk:
            raise InventoryError(
                _("%(node)s cannot be placed under itself or one of its children.")
                % {"node": node.name or node.code}
            )
        seen = seen.parent


@transaction.atomic
def category_save(category: Category) -> Category:
    """Save a category and refresh `path`/`depth` of it and every descendant.
    Raises InventoryError if the new parent would make a cycle."""
    if category.pk and category.parent_id:
        _tree_error(category, category.parent)
    parent = category.parent
    category.path = f"{parent.path} / {category.name}" if parent else category.name
    category.depth = parent.depth + 1 if parent else 0
    category.save()
    for child in category.children.all():
        category_save(child)
    return category


@transaction.atomic
def location_save(location: Location) -> Location:
    """Save a location and refresh `path` of it and its descendants; parent must be in the
    same warehouse and not below the location itself."""
    parent = location.parent
    if parent is not None:
        if parent.warehouse_id != location.warehouse_id:
            raise InventoryError(_("The parent location must be in the same warehouse."))
        if location.pk:
            _tree_error(location, parent)
    location.path = f"{parent.path}/{location.code}" if parent else location.code
    location.save()
    for child in location.children.all():
        location_save(child)
    return location
