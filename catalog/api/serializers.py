from rest_framework import serializers

from catalog.models import NAME_MAX_LENGTH, Brand, Retailer
from spends.api.serializers import HttpUrlField


class CatalogEntrySerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH, trim_whitespace=True)
    url = HttpUrlField(max_length=500, required=False, allow_blank=True, default="")
    purchase_count = serializers.IntegerField(read_only=True, help_text="How many of the caller's purchases use it.")

    class Meta:
        fields = ["id", "name", "url", "purchase_count", "created_at"]
        read_only_fields = ["id", "created_at"]


class RetailerSerializer(CatalogEntrySerializer):
    class Meta(CatalogEntrySerializer.Meta):
        model = Retailer


class BrandSerializer(CatalogEntrySerializer):
    class Meta(CatalogEntrySerializer.Meta):
        model = Brand
