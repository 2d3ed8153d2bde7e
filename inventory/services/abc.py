"""Write the ABC classes worked out by the ABC report (reports.selectors.abc_classes) back to the
items: one UPDATE per class, whatever the number of items."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone

from ..models import AbcClass, Item


@transaction.atomic
def items_set_abc_class(*, classes: Mapping[str, Iterable[int]]) -> dict[str, int]:
    """Set `abc_class` of the given item ids, class by class ("A" → ids, …). Ids not named keep
    their class. Returns the number of items updated per class. The caller checks the user's
    right (inventory.change_item); a derived figure, so no change-history rows are written."""
    valid = set(AbcClass.values)
    unknown = set(classes) - valid
    if unknown:
        raise ValueError(f"unknown ABC classes {sorted(unknown)}")
    now = timezone.now()
    done = {}
    for klass in sorted(classes):
        ids = sorted(set(classes[klass]))
        done[klass] = (
            Item.objects.filter(pk__in=ids).update(abc_class=klass, abc_classified_at=now) if ids else 0
        )
    return done
