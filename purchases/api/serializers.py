import datetime
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
        state = getattr(instance, "_state", None)
        warranty = state.fields_cache.get("warranty", _NOT_LOADED) if state is not None else _NOT_LOADED
        if warranty is not None and warranty is not _NOT_LOADED:
            # The selector computed the nested warranty's effective status in SQL, on the purchase row.
            warranty.effective_status = getattr(instance, "warranty_effective_status", None)
            warranty.days_remaining = getattr(instance, "warranty_days_remaining", None)
        if warranty is _NOT_LOADED or not _has_list_annotations(instance) or type(self) is not PurchaseSerializer:
            return super().to_representation(instance)
        return purchase_read_representation(instance, warranty)


# --- the read path ----------------------------------------------------------------------------------------------------
# Every list page, detail, analytics "recent purchases" and JSON export renders PurchaseSerializer's output. DRF's
# generic to_representation builds the serializer's fields (a deep copy of ~25 field objects per request) and walks
# them per row: measured at 1M rows it was about half of a detail request's time and of a list page's Python time
# (bench/RESULTS.md). For an instance from `selectors.purchase_list` (retailer, brand and warranty joined, the
# warranty's effective status annotated) the same dict is built directly below. It must equal DRF's output key for
# key and value for value: tests/purchases/test_representation.py compares both on every kind of row.

_NOT_LOADED = object()
_CENT = Decimal("0.01")
_UTC = datetime.UTC
_DATETIME_FORMAT = settings.REST_FRAMEWORK["DATETIME_FORMAT"]


def _has_list_annotations(instance) -> bool:
    """Whether `instance` comes from `selectors.purchase_list`: annotated, and retailer and brand joined."""
    values, loaded = instance.__dict__, instance._state.fields_cache
    return (
        "attachment_count" in values
        and "warranty_effective_status" in values
        and "retailer" in loaded
        and "brand" in loaded
    )


def _money(value: Decimal) -> str:
    # DRF's DecimalField(max_digits=10, decimal_places=2, coerce_to_string=True).
    return f"{value.quantize(_CENT):f}"


def _timestamp(value: datetime.datetime | None) -> str | None:
    # DRF's DateTimeField with DATETIME_FORMAT, in UTC (TIME_ZONE; no other time zone is ever activated). A naive
    # value is UTC (selectors.purchase_export_rows reads time stamps that way on PostgreSQL).
    if not value:
        return None
    return (value.replace(tzinfo=_UTC) if value.tzinfo is None else value.astimezone(_UTC)).strftime(_DATETIME_FORMAT)


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


# Where each argument of `purchase_object` is in a `selectors.purchase_list` row, as a values_list() lookup: the JSON
# export reads plain rows with these (no model instance per row).
PURCHASE_OBJECT_LOOKUPS = {
    "id": "id",
    "product_name": "product_name",
    "price": "price",
    "currency_code": "currency_code",
    "retailer_id": "retailer_id",
    "retailer_name": "retailer__name",
    "brand_id": "brand_id",
    "brand_name": "brand__name",
    "status": "status",
    "purchase_date": "purchase_date",
    "notes": "notes",
    "attachment_count": "attachment_count",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "warranty_id": "warranty__id",
    "warranty_start": "warranty__warranty_start",
    "warranty_end": "warranty__warranty_end",
    "warranty_type": "warranty__warranty_type",
    "warranty_status": "warranty_effective_status",  # never null when there is a warranty
    "warranty_days_remaining": "warranty_days_remaining",
    "warranty_provider": "warranty__provider",
    "warranty_notes": "warranty__notes",
    "warranty_created_at": "warranty__created_at",
    "warranty_updated_at": "warranty__updated_at",
}


def purchase_object(
    *,
    id,  # noqa: A002 - the field's name
    product_name,
    price,
    currency_code,
    retailer_id,
    retailer_name,
    brand_id,
    brand_name,
    status,
    purchase_date,
    notes,
    attachment_count,
    created_at,
    updated_at,
    warranty_id,
    warranty_start,
    warranty_end,
    warranty_type,
    warranty_status,
    warranty_days_remaining,
    warranty_provider,
    warranty_notes,
    warranty_created_at,
    warranty_updated_at,
) -> dict:
    """PurchaseSerializer's output from plain values (ids as UUID or text; `warranty_status` the effective one)."""
    purchase_id = str(id)
    warranty = None
    if warranty_id is not None:
        warranty = {
            "id": str(warranty_id),
            "purchase_id": purchase_id,
            "product_name": product_name,
            "warranty_start": _date(warranty_start),
            "warranty_end": _date(warranty_end),
            "warranty_type": warranty_type,
            "status": warranty_status,
            "days_remaining": None if warranty_days_remaining is None else int(warranty_days_remaining),
            "provider": warranty_provider,
            "notes": warranty_notes,
            "created_at": _timestamp(warranty_created_at),
            "updated_at": _timestamp(warranty_updated_at),
        }
    return {
        "id": purchase_id,
        "product_name": product_name,
        "price": _money(price),
        "currency_code": currency_code,
        "retailer_id": None if retailer_id is None else str(retailer_id),
        "retailer_name": retailer_name,
        "brand_id": None if brand_id is None else str(brand_id),
        "brand_name": brand_name,
        "status": status,
        "purchase_date": _date(purchase_date),
        "notes": notes,
        "warranty": warranty,
        "attachment_count": int(attachment_count),
        "created_at": _timestamp(created_at),
        "updated_at": _timestamp(updated_at),
    }


_NO_WARRANTY = dict.fromkeys((name for name in PURCHASE_OBJECT_LOOKUPS if name.startswith("warranty_")), None)


def purchase_read_representation(purchase: Purchase, warranty) -> dict:
    """PurchaseSerializer's output for a `selectors.purchase_list` row; `warranty` is the loaded one or None."""
    retailer, brand = purchase.retailer, purchase.brand
    covered = _NO_WARRANTY
    if warranty is not None:
        covered = {
            "warranty_id": warranty.id,
            "warranty_start": warranty.warranty_start,
            "warranty_end": warranty.warranty_end,
            "warranty_type": warranty.warranty_type,
            "warranty_status": purchase.warranty_effective_status or warranty.status,
            "warranty_days_remaining": purchase.warranty_days_remaining,
            "warranty_provider": warranty.provider,
            "warranty_notes": warranty.notes,
            "warranty_created_at": warranty.created_at,
            "warranty_updated_at": warranty.updated_at,
        }
    return purchase_object(
        id=purchase.id,
        product_name=purchase.product_name,
        price=purchase.price,
        currency_code=purchase.currency_code,
        retailer_id=None if retailer is None else retailer.pk,
        retailer_name=None if retailer is None else retailer.name,
        brand_id=None if brand is None else brand.pk,
        brand_name=None if brand is None else brand.name,
        status=purchase.status,
        purchase_date=purchase.purchase_date,
        notes=purchase.notes,
        attachment_count=purchase.attachment_count,
        created_at=purchase.created_at,
        updated_at=purchase.updated_at,
        **covered,
    )
