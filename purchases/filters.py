import django_filters
from django.db.models import Exists, OuterRef, Q

from catalog.models import Brand, Retailer
from purchases.choices import PurchaseStatus
from purchases.models import Purchase
from spends import clock
from spends.api.filters import (
    CurrencyCodeFilter,
    IsoDateFilter,
    RequestedFiltersOnly,
    StrictBooleanFilter,
    TiebreakOrderingFilter,
)

# The warranties app sits above purchases: its model is reached through the reverse relation, its effective
# statuses are named here (warranties.choices.EffectiveStatus).
WARRANTY_STATUS_CHOICES = [("ACTIVE", "Active"), ("EXPIRED", "Expired"), ("VOIDED", "Voided")]


def _warranties():
    return Purchase._meta.get_field("warranties").related_model.objects.all()


class PurchaseFilterSet(RequestedFiltersOnly):
    """Every filter of API.md § Purchases; all combinable, unknown values are a 400 on that parameter."""

    status = django_filters.ChoiceFilter(choices=PurchaseStatus.choices)
    retailer_id = django_filters.ModelChoiceFilter(field_name="retailer", queryset=Retailer.objects.all())
    brand_id = django_filters.ModelChoiceFilter(field_name="brand", queryset=Brand.objects.all())
    currency_code = CurrencyCodeFilter(help_text="ISO 4217 code, case-insensitive.")
    date_from = IsoDateFilter(field_name="purchase_date", lookup_expr="gte", help_text="YYYY-MM-DD, inclusive.")
    date_to = IsoDateFilter(field_name="purchase_date", lookup_expr="lte", help_text="YYYY-MM-DD, inclusive.")
    # Validated like a price (Decimal(10, 2)): an exponent such as 1e-999999 would overflow PostgreSQL's numeric.
    price_min = django_filters.NumberFilter(
        field_name="price", lookup_expr="gte", max_digits=10, decimal_places=2, help_text="Inclusive."
    )
    price_max = django_filters.NumberFilter(
        field_name="price", lookup_expr="lte", max_digits=10, decimal_places=2, help_text="Inclusive."
    )
    has_warranty = StrictBooleanFilter(
        method="filter_has_warranty", help_text="true: at least one warranty; false: none."
    )
    warranty_status = django_filters.ChoiceFilter(
        method="filter_warranty_status",
        choices=WARRANTY_STATUS_CHOICES,
        help_text="Addition to API.md (#21): purchases with at least one warranty of this effective status today "
        "(UTC).",
    )
    returnable = StrictBooleanFilter(
        method="filter_returnable",
        help_text="true: the open return windows (not RETURNED, return_by today (UTC) or later); false: the rest.",
    )
    search = django_filters.CharFilter(
        method="filter_search",
        help_text="Case-insensitive substring of product name, notes, retailer or brand name.",
    )
    ordering = TiebreakOrderingFilter(
        fields=["purchase_date", "price", "product_name", "created_at"],
        help_text="purchase_date, price, product_name or created_at, optionally prefixed with -; "
        "default -purchase_date then -created_at.",
    )

    class Meta:
        model = Purchase
        fields = []

    def filter_has_warranty(self, queryset, name, value):
        if value is None:
            return queryset
        # EXISTS over every coverage (not the chosen one), without a join that would repeat purchases.
        any_warranty = Exists(_warranties().filter(purchase=OuterRef("pk")))
        return queryset.filter(any_warranty if value else ~any_warranty)

    def filter_warranty_status(self, queryset, name, value):
        if not value:
            return queryset
        today, coverages = clock.today(), _warranties().filter(purchase=OuterRef("pk"))
        # The effective status as warranties.models.effective_status_expressions computes it, as conditions.
        if value == "VOIDED":
            coverages = coverages.filter(status="VOIDED")
        elif value == "EXPIRED":
            coverages = coverages.expired_on(today)
        else:
            coverages = coverages.active_on(today)
        return queryset.filter(Exists(coverages))

    def filter_returnable(self, queryset, name, value):
        if value is None:
            return queryset
        # Served by purchase_household_return_idx (household, return_by).
        returnable = Q(return_by__gte=clock.today()) & ~Q(status=PurchaseStatus.RETURNED)
        return queryset.filter(returnable if value else ~returnable)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # Catalog names are matched first (two small tables), so every branch of the OR is a condition on the
        # purchase row itself and PostgreSQL can combine the trigram indexes of migration 0003 (BitmapOr) instead
        # of scanning all the household's rows: an OR across joined tables can use no index (bench/RESULTS.md).
        retailer_ids = list(Retailer.objects.filter(name__icontains=value).values_list("pk", flat=True))
        brand_ids = list(Brand.objects.filter(name__icontains=value).values_list("pk", flat=True))
        return queryset.filter(
            Q(product_name__icontains=value)
            | Q(notes__icontains=value)
            | Q(retailer_id__in=retailer_ids)
            | Q(brand_id__in=brand_ids)
        )
