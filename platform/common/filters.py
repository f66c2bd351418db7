"""Lists' filters (django-filters) applied only when there is something to filter by."""
from __future__ import annotations

import django_filters
from django.db.models import QuerySet


def filtered(filterset: type[django_filters.FilterSet], filters, queryset: QuerySet, **kwargs) -> QuerySet:
    """`filterset(filters, queryset=queryset, **kwargs).qs`, without the FilterSet when none of its
    filters is given a value (a list's first visit, a page link, a count in the menu): building
    and validating the form of every filter would only hand the queryset back unchanged.

    Only for FilterSets whose filters leave the queryset alone when their value is empty, which is
    what django-filters' filters (`method=` ones included) do; not for one that filters by default.
    """
    if filters and any(filters.get(name) not in (None, "") for name in filterset.base_filters):
        return filterset(filters, queryset=queryset, **kwargs).qs
    return queryset
