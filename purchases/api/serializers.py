from rest_framework import serializers

from catalog.models import Brand, Retailer
from purchases import validation
from purchases.choices import RateSource
from purchases.models import HOME_PRICE_MAX_DIGITS, Purchase
from purchases.representation import OBJECT_KEYS, purchase_read_representation
from spends.api.prebuilt import PrebuiltFieldsMixin
from spends.fields import MoneyField
from warranties.api.serializers import CoverageSerializer, NestedWarrantySerializer


class PurchaseSerializer(PrebuiltFieldsMixin, serializers.ModelSerializer):
    """API.md § Purchases. `warranty` nests the chosen warranty object (absent leaves it, null deletes it; 409 when the
    purchase has several); `warranties` lists every coverage and, written, replaces them as a set."""

    # The written fields are purchases.validation's, which the import runs too (one place for each rule).
    product_name = validation.product_name()
    price = validation.price()
    currency_code = validation.currency_code()
    retailer_id = serializers.PrimaryKeyRelatedField(
        source="retailer",
        queryset=Retailer.objects.all(),
        pk_field=serializers.UUIDField(),
        allow_null=True,
        default=None,
    )
    retailer_name = serializers.CharField(source="retailer.name", read_only=True, allow_null=True)
    brand_id = serializers.PrimaryKeyRelatedField(
        source="brand", queryset=Brand.objects.all(), pk_field=serializers.UUIDField(), allow_null=True, default=None
    )
    brand_name = serializers.CharField(source="brand.name", read_only=True, allow_null=True)
    status = validation.status()
    purchase_date = validation.purchase_date()
    notes = validation.notes()
    warranty = NestedWarrantySerializer(
        required=False,
        allow_null=True,
        help_text="The coverage that protects longest (LIFETIME first, then the latest end, then the latest created). "
        "Written while the purchase has at most one warranty (409 when it has several): absent leaves it, an object "
        "creates or updates it, null deletes it.",
    )
    warranties = CoverageSerializer(
        many=True,
        required=False,
        help_text="Every coverage, by warranty_end (LIFETIME last). Written: the whole list as a set; items with an "
        "id of this purchase's warranties are updated, the others created, those left out deleted.",
    )
    attachment_count = serializers.IntegerField(read_only=True)
    return_by = validation.return_by()
    returned_on = validation.returned_on()
    return_days = validation.return_days()
    created_by = serializers.CharField(
        source="created_by.username",
        read_only=True,
        allow_null=True,
        help_text="Version 2: the username of the member who added it (null when their account is gone).",
    )

    exchange_rate = validation.exchange_rate()
    rate_source = serializers.ChoiceField(
        choices=RateSource.choices,
        read_only=True,
        allow_null=True,
        help_text="ECB: the reference rate of the purchase day (or the nearest earlier publication day, at most 7 "
        "days before); MANUAL: sent by the client; null: the home currency itself (rate 1) or no rate known.",
    )
    home_price = MoneyField(
        read_only=True,
        allow_null=True,
        max_digits=HOME_PRICE_MAX_DIGITS,
        help_text="price × exchange_rate in the household's home currency, rounded half-even to cents; null without "
        "a rate. Converted totals sum price × rate and round once, at the end.",
    )

    class Meta:
        model = Purchase
        fields = [*OBJECT_KEYS, "return_days"]  # the representation's keys, in its order; then the write-only one
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate(self, attrs):
        if "warranty" in attrs and "warranties" in attrs:
            raise serializers.ValidationError({"warranties": ["Give either warranty or warranties, not both."]})
        # Shape only: the two ways of giving the window exclude each other (the service works the date out).
        body = getattr(self, "initial_data", None) or {}
        if "return_days" in body and "return_by" in body:
            raise serializers.ValidationError({"return_days": ["Give return_by or return_days, not both."]})
        return attrs

    def to_representation(self, instance):
        warranty = getattr(instance, "warranty", None)
        if warranty is not None and "warranty_effective_status" in instance.__dict__:
            # The selector chose the nested warranty and computed its effective status in SQL, on the purchase row.
            warranty.purchase = instance
            warranty.effective_status = instance.warranty_effective_status
            warranty.days_remaining = instance.warranty_days_remaining
            warranty.claim_count = instance.warranty_claim_count
        if not _has_list_annotations(instance):
            return super().to_representation(instance)
        return purchase_read_representation(instance, warranty, instance.warranties.all())


# --- the read path ----------------------------------------------------------------------------------------------------
# Every list page, detail, analytics "recent purchases" and JSON export renders PurchaseSerializer's output. DRF's
# generic to_representation builds the serializer's fields (a deep copy of ~25 field objects per request) and walks
# them per row: measured at 1M rows it was about half of a detail request's time and of a list page's Python time
# (bench/RESULTS.md). For an instance from `selectors.purchase_list` (retailer, brand and warranty joined, the
# warranty's effective status annotated) the same dict is built by purchases.representation, whose keys are this
# serializer's fields (Meta.fields). It must equal DRF's output key for key and value for value:
# tests/purchases/test_representation.py compares both on every kind of row.


def _has_list_annotations(instance) -> bool:
    """Whether `instance` comes from `selectors.purchase_list`: annotated, retailer, brand and created_by joined (and
    with them the chosen warranty), its coverages prefetched."""
    if not isinstance(instance, Purchase):
        return False
    values, loaded = instance.__dict__, instance._state.fields_cache
    prefetched = getattr(instance, "_prefetched_objects_cache", {})
    return (
        "attachment_count" in values
        and "warranty_effective_status" in values
        and "retailer" in loaded
        and "brand" in loaded
        and "created_by" in loaded
        and "warranties" in prefetched
    )
