from django.db.models import Q, QuerySet


def active_or_current(queryset: QuerySet, form, field: str) -> QuerySet:
    """Choices for a foreign key: active records, plus the one the record already points at, so
    an existing record whose category (say) was deactivated can still be edited and saved."""
    current = getattr(form.instance, f"{field}_id", None)
    condition = Q(is_active=True)
    if current is not None:
        condition |= Q(pk=current)
    return queryset.filter(condition)
