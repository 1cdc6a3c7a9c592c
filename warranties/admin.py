"""Admin for warranties, and the warranty's part of the purchase admin: the inline and the effective-status filter.
`purchases` sits below this app, so its admin does not import it: this module extends the registered purchase admin
(`spends.admin_mixins.admin_extend`), as attachments and transfer do."""

from django.contrib import admin

import purchases.admin  # noqa: F401  (registers the purchase admin this module extends)
from purchases.models import Purchase
from spends import clock, data_versions
from spends.admin_mixins import DataVersionAdminMixin, admin_extend
from spends.api.scope import request_scope
from warranties.choices import EffectiveStatus
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


class WarrantyStatusFilter(admin.SimpleListFilter):
    """The warranty's effective status today (UTC), as the API computes it, or no warranty at all."""

    title = "warranty status"
    parameter_name = "warranty_status"

    def lookups(self, request, model_admin):
        return [*EffectiveStatus.choices, ("NONE", "No warranty")]

    def queryset(self, request, queryset):
        value, today = self.value(), clock.today()
        if value == "NONE":
            return queryset.filter(warranty__isnull=True)
        if value == EffectiveStatus.VOIDED:
            return queryset.filter(warranty__status="VOIDED")
        if value == EffectiveStatus.EXPIRED:
            return queryset.filter(warranty__status="ACTIVE", warranty__warranty_end__lt=today)
        if value == EffectiveStatus.ACTIVE:
            return queryset.filter(warranty__status="ACTIVE").exclude(warranty__warranty_end__lt=today)
        return queryset


class WarrantyInline(admin.StackedInline):
    model = Warranty
    extra = 0
    max_num = 1
    readonly_fields = ["created_at", "updated_at"]


class PurchaseWarrantyAdmin(admin.ModelAdmin):
    """The warranty parts of the purchase admin; the rest is purchases.admin.PurchaseAdmin."""

    def get_inlines(self, request, obj):
        return [WarrantyInline, *super().get_inlines(request, obj)]  # first, above the attachments

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        after_status = filters.index("status") + 1 if "status" in filters else 0
        return [*filters[:after_status], WarrantyStatusFilter, *filters[after_status:]]


admin_extend(Purchase, PurchaseWarrantyAdmin)
