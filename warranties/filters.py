import django_filters
from django import forms
from django.db.models import F
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from spends import clock
from spends.api.filters import RequestedFiltersOnly, StrictBooleanFilter
from warranties.choices import EffectiveStatus, WarrantyType
from warranties.models import Warranty

MAX_DAYS = 3650
DEFAULT_DAYS = 30


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    """A whole number (NumberFilter takes any decimal, "1e100000" included)."""

    field_class = forms.IntegerField


class WarrantyOrderingFilter(django_filters.OrderingFilter):
    """LIFETIME warranties (no end) sort last ascending and first descending (API.md § Settled details)."""

    def filter(self, qs, value):
        if not value:
            return qs
        keys = []
        for param in value:
            descending = param.startswith("-")
            name = param.lstrip("-")
            if name == "warranty_end":
                keys.append(F(name).desc(nulls_first=True) if descending else F(name).asc(nulls_last=True))
            else:
                keys.append(param)
        return qs.order_by(*keys, "-created_at", "id")


class WarrantyFilterSet(RequestedFiltersOnly):
    status = django_filters.ChoiceFilter(
        field_name="effective_status", choices=EffectiveStatus.choices, help_text="Effective status today (UTC)."
    )
    warranty_type = django_filters.ChoiceFilter(choices=WarrantyType.choices)
    purchase_id = django_filters.UUIDFilter(field_name="purchase_id")
    search = django_filters.CharFilter(
        method="filter_search", help_text="Case-insensitive substring of the product name."
    )
    expiring_soon = StrictBooleanFilter(
        method="filter_expiring_soon", help_text="true: ACTIVE and ending within `days` (default 30) from today."
    )
    days = IntegerFilter(
        method="filter_noop",
        min_value=0,
        max_value=MAX_DAYS,
        help_text=f"Window for expiring_soon, 0..{MAX_DAYS} (default 30).",
    )
    ordering = WarrantyOrderingFilter(
        fields=["warranty_end", "warranty_start", "created_at"],
        help_text="warranty_end (default), warranty_start or created_at; prefix - for descending.",
    )

    class Meta:
        model = Warranty
        fields = ["status", "warranty_type", "purchase_id", "search", "expiring_soon", "days"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(purchase__product_name__icontains=value) if value else queryset

    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_expiring_soon(self, queryset, name, value):
        if not value:
            return queryset  # expiring_soon=false means no filter
        days = self.form.cleaned_data.get("days")  # validated by the `days` filter's field
        return queryset.expiring_between(clock.today(), DEFAULT_DAYS if days is None else days)
