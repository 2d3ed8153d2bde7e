import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SearchFilterSet(django_filters.FilterSet):
    """A free-text `q` over `search_fields` plus an active filter defaulting to active records."""

    search_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    is_active = django_filters.BooleanFilter(label=_("Active"), method="filter_active")

    def __init__(self, data=None, *args, **kwargs):
        # Lists show active records unless the user asks otherwise.
        if data is not None:
            data = data.copy()
            data.setdefault("is_active", "true")
        else:
            data = {"is_active": "true"}
        super().__init__(data, *args, **kwargs)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        cond = Q()
        for field in self.search_fields:
            cond |= Q(**{f"{field}__icontains": value})
        return queryset.filter(cond)

    def filter_active(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(is_active=value)
