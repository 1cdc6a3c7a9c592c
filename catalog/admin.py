from django.contrib import admin
from django.db.models import Count

from catalog.models import Brand, Retailer
from catalog.services import CATALOG_SCOPE
from spends.admin_mixins import DataVersionAdminMixin


class CatalogEntryAdmin(DataVersionAdminMixin, admin.ModelAdmin):
    """The import/export buttons are added by the transfer app (transfer/admin.py)."""

    list_display = ["name", "url", "purchases_total", "created_at"]
    search_fields = ["name"]
    ordering = ["name"]
    readonly_fields = ["id", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(purchases_total=Count("purchases"))

    def data_version_scopes(self, queryset) -> set[str]:
        return {CATALOG_SCOPE}  # names appear in every household's answers

    @admin.display(description="Purchases (all users)", ordering="purchases_total")
    def purchases_total(self, obj):
        return obj.purchases_total


@admin.register(Retailer)
class RetailerAdmin(CatalogEntryAdmin):
    pass


@admin.register(Brand)
class BrandAdmin(CatalogEntryAdmin):
    pass
