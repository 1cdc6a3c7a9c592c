from django.contrib import admin
from django.db.models import Count

from catalog.models import Brand, Retailer
from purchases.resources import BrandResource, RetailerResource
from spends.admin_mixins import ImportExportForUserAdmin


class CatalogEntryAdmin(ImportExportForUserAdmin):
    list_display = ["name", "url", "purchases_total", "created_at"]
    search_fields = ["name"]
    ordering = ["name"]
    readonly_fields = ["id", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(purchases_total=Count("purchases"))

    @admin.display(description="Purchases (all users)", ordering="purchases_total")
    def purchases_total(self, obj):
        return obj.purchases_total


@admin.register(Retailer)
class RetailerAdmin(CatalogEntryAdmin):
    resource_classes = [RetailerResource]


@admin.register(Brand)
class BrandAdmin(CatalogEntryAdmin):
    resource_classes = [BrandResource]
