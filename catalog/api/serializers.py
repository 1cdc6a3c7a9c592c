from rest_framework import serializers

from catalog import validation
from catalog.models import Brand, Retailer


class CatalogEntrySerializer(serializers.ModelSerializer):
    name = validation.name()  # the catalog's field rules, which the import and the admin's resources run too
    url = validation.url()
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
