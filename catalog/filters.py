import django_filters

from spends.api.filters import RequestedFiltersOnly


class CatalogFilterSet(RequestedFiltersOnly):
    """Applied in the viewset via the selector's `search` argument; declared here for the schema."""

    search = django_filters.CharFilter(method="filter_search", help_text="Case-insensitive substring of the name.")

    def filter_search(self, queryset, name, value):
        return queryset.filter(name__icontains=value.strip()) if value.strip() else queryset
