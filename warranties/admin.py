from django.contrib import admin

from spends import data_versions
from spends.admin_mixins import DataVersionAdminMixin
from spends.api.scope import request_scope
from warranties.models import Warranty


@admin.register(Warranty)
class WarrantyAdmin(DataVersionAdminMixin, admin.ModelAdmin):
    list_display = ["purchase", "warranty_type", "warranty_start", "warranty_end", "status", "provider"]
    list_filter = ["status", "warranty_type", "warranty_end"]
    search_fields = ["purchase__product_name", "provider", "notes"]
    list_select_related = ["purchase"]
    autocomplete_fields = ["purchase"]
    date_hierarchy = "warranty_end"
    readonly_fields = ["id", "created_at", "updated_at"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.in_household(request_scope(request).household_id)

    def data_version_scopes(self, queryset) -> set[str]:
        households = queryset.order_by().values_list("purchase__household_id", flat=True).distinct()
        return {data_versions.household_scope(household_id) for household_id in households}
