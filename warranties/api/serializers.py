from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from purchases.models import Purchase
from spends.api.prebuilt import PrebuiltFieldsMixin
from spends.api.scope import request_scope
from warranties import validation
from warranties.choices import EffectiveStatus, WarrantyStatus
from warranties.models import Warranty
from warranties.validation import WarrantyStatusField


class OwnedPurchaseField(serializers.PrimaryKeyRelatedField):
    """A purchase id of the caller's household; another household's is "does not exist" (400 on purchase_id)."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return Purchase.objects.none()
        return Purchase.objects.in_household(request_scope(request).household_id)


class WarrantyStatusFieldSchema(OpenApiSerializerFieldExtension):
    """`status` differs by direction: requests take the stored choices, responses show the effective ones."""

    target_class = WarrantyStatusField

    def map_serializer_field(self, auto_schema, direction):
        choices = WarrantyStatus.choices if direction == "request" else EffectiveStatus.choices
        field = serializers.ChoiceField(choices=choices, help_text=self.target.help_text)
        field.bind("status", self.target.parent)
        return auto_schema._map_serializer_field(field, direction)


class WarrantyFieldsSerializer(PrebuiltFieldsMixin, serializers.ModelSerializer):
    """The writable warranty fields, shared by /api/warranties and a purchase's nested `warranty`."""

    # The fields and rules of warranties.validation, which the import runs too (one place for each rule).
    warranty_start = validation.warranty_start()
    warranty_end = validation.warranty_end()
    warranty_type = validation.warranty_type()
    status = WarrantyStatusField()
    provider = validation.provider()
    notes = validation.notes()
    cost = validation.cost()
    reference = validation.reference()
    claim_count = serializers.IntegerField(
        read_only=True, help_text="How many claims were filed on this warranty (/api/warranties/{id}/claims)."
    )
    duration_months = validation.duration_months()
    days_remaining = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Days from today (UTC) to warranty_end; null unless ACTIVE with an end.",
    )

    class Meta:
        model = Warranty
        fields = [
            "id",
            "warranty_start",
            "warranty_end",
            "warranty_type",
            "status",
            "days_remaining",
            "provider",
            "notes",
            "cost",
            "reference",
            "claim_count",
            "created_at",
            "updated_at",
            "duration_months",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if "duration_months" in values:
            if "warranty_end" in data:
                raise serializers.ValidationError(
                    {"duration_months": ["Give either the duration in months or the warranty end, not both."]}
                )
            start = values.get("warranty_start", getattr(self.instance, "warranty_start", None))
            if start is None:  # a partial nested warranty: the stored start is the service's to see
                raise serializers.ValidationError({"duration_months": ["Duration in months needs a warranty start."]})
            try:
                values["warranty_end"] = validation.end_after_months(start, values.pop("duration_months"))
            except ValueError:
                raise serializers.ValidationError({"duration_months": ["The end would be after 9999-12-31."]}) from None
        return values

    def validate(self, attrs):
        start = attrs.get("warranty_start", getattr(self.instance, "warranty_start", None))
        end = attrs.get("warranty_end", getattr(self.instance, "warranty_end", None))
        kind = attrs.get("warranty_type", getattr(self.instance, "warranty_type", None))
        # A purchase's nested warranty is partial when the PATCH around it is: the stored type may be LIFETIME,
        # which only the service can see, so that case is left to the model's clean().
        partial = self.partial or getattr(self.root, "partial", False)
        validation.check_warranty(start, end, kind, end_given="warranty_end" in attrs, partial=partial)
        return attrs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Clients see the effective status computed in SQL by the selector, not the stored one.
        data["status"] = getattr(instance, "effective_status", None) or data["status"]
        return data


class NestedWarrantySerializer(WarrantyFieldsSerializer):
    """A purchase's `warranty`. Read from the purchase selector's annotations (no query per row)."""

    purchase_id = serializers.UUIDField(read_only=True)
    product_name = serializers.CharField(source="purchase.product_name", read_only=True)

    class Meta(WarrantyFieldsSerializer.Meta):
        fields = ["id", "purchase_id", "product_name", *WarrantyFieldsSerializer.Meta.fields[1:]]


class CoverageSerializer(NestedWarrantySerializer):
    """One item of a purchase's `warranties`: with an `id` of the purchase's warranties it updates that one, without
    one it is created (the list is written as a set: purchases.nested)."""

    id = serializers.UUIDField(required=False, help_text="One of this purchase's warranties: updated; absent: new.")


class WarrantySerializer(WarrantyFieldsSerializer):
    purchase_id = OwnedPurchaseField(
        source="purchase", pk_field=serializers.UUIDField(), required=False, help_text="Required on create."
    )
    product_name = serializers.CharField(source="purchase.product_name", read_only=True)

    class Meta(WarrantyFieldsSerializer.Meta):
        fields = ["id", "purchase_id", "product_name", *WarrantyFieldsSerializer.Meta.fields[1:]]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is None and "purchase" not in attrs:
            raise serializers.ValidationError({"purchase_id": ["This field is required."]})
        if self.instance is not None and "purchase" in attrs and attrs["purchase"].pk != self.instance.purchase_id:
            raise serializers.ValidationError({"purchase_id": ["The purchase of a warranty cannot be changed."]})
        return attrs


class WarrantyReadSerializer(WarrantySerializer):
    """Response shape, for the schema: status is the effective one."""

    status = serializers.ChoiceField(choices=EffectiveStatus.choices, read_only=True)


class ExpiringQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=0, max_value=3650, default=30)
