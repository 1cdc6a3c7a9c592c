from decimal import Decimal

from django.conf import settings
from rest_framework import serializers

from catalog.models import Brand, Retailer
from purchases.choices import PurchaseStatus
from purchases.models import NOTES_MAX_LENGTH, PRODUCT_NAME_MAX_LENGTH, Purchase
from spends.api.serializers import CurrencyCodeField, MoneyField
from warranties.api.serializers import NestedWarrantySerializer


def default_currency():
    return settings.DEFAULT_CURRENCY


class PurchaseSerializer(serializers.ModelSerializer):
    """API.md § Purchases. `warranty` nests the warranty object; absent leaves it, null deletes it."""

    product_name = serializers.CharField(min_length=1, max_length=PRODUCT_NAME_MAX_LENGTH)
    price = MoneyField(min_value=Decimal("0"))
    currency_code = CurrencyCodeField(default=default_currency, help_text="ISO 4217; default DEFAULT_CURRENCY.")
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
    status = serializers.ChoiceField(choices=PurchaseStatus.choices, default=PurchaseStatus.ORDERED)
    notes = serializers.CharField(max_length=NOTES_MAX_LENGTH, allow_blank=True, default="")
    warranty = NestedWarrantySerializer(required=False, allow_null=True)
    attachment_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Purchase
        fields = [
            "id",
            "product_name",
            "price",
            "currency_code",
            "retailer_id",
            "retailer_name",
            "brand_id",
            "brand_name",
            "status",
            "purchase_date",
            "notes",
            "warranty",
            "attachment_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def to_representation(self, instance):
        warranty = getattr(instance, "_state", None) and instance._state.fields_cache.get("warranty")
        if warranty is not None:
            # The selector computed the nested warranty's effective status in SQL, on the purchase row.
            warranty.effective_status = getattr(instance, "warranty_effective_status", None)
            warranty.days_remaining = getattr(instance, "warranty_days_remaining", None)
        return super().to_representation(instance)
