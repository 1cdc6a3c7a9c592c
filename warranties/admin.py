"""Admin for warranties, and the warranty's part of the purchase admin: the inline and the effective-status filter.
`purchases` sits below this app, so its admin does not import it: this module extends the registered purchase admin
(`spends.admin_mixins.admin_extend`), as attachments and transfer do."""

from django.contrib import admin
from django.db.models import Exists, OuterRef

import purchases.admin  # noqa: F401  (registers the purchase admin this module extends)
from purchases.models import Purchase
from spends import clock, data_versions
from spends.admin_mixins import DataVersionAdminMixin, admin_extend
from spends.api.scope import request_scope
from warranties.choices import EffectiveStatus, WarrantyStatus
from warranties.models import Warranty


@admin.register(Warranty)
class WarrantyAdmin(DataVersionAdminMixin, admin.ModelAdmin):
    list_display = ["purchase", "warranty_type", "warranty_start", "warranty_end", "status", "provider", "reference"]
    list_filter = ["status", "warranty_type", "warranty_end"]
    search_fields = ["purchase__product_name", "provider", "reference", "notes"]
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
    """Purchases with at least one warranty of this effective status today (UTC), as the API computes it, or with
    no warranty at all."""

    title = "warranty status"
    parameter_name = "warranty_status"

    def lookups(self, request, model_admin):
        return [*EffectiveStatus.choices, ("NONE", "No warranty")]

    def queryset(self, request, queryset):
        value, today = self.value(), clock.today()
        coverages = Warranty.objects.filter(purchase=OuterRef("pk"))
        if value == "NONE":
            return queryset.filter(~Exists(coverages))
        if value == EffectiveStatus.VOIDED:
            return queryset.filter(Exists(coverages.filter(status=WarrantyStatus.VOIDED)))
        if value == EffectiveStatus.EXPIRED:
            return queryset.filter(Exists(coverages.expired_on(today)))
        if value == EffectiveStatus.ACTIVE:
            return queryset.filter(Exists(coverages.active_on(today)))
        return queryset


class WarrantyInline(admin.TabularInline):
    """The purchase's coverages, one row each (any number since #21)."""

    model = Warranty
    extra = 0
    fields = [
        "warranty_type",
        "warranty_start",
        "warranty_end",
        "status",
        "provider",
        "reference",
        "cost",
        "notes",
        "created_at",
    ]
    readonly_fields = ["created_at"]


class PurchaseWarrantyAdmin(admin.ModelAdmin):
    """The warranty parts of the purchase admin; the rest is purchases.admin.PurchaseAdmin."""

    def get_inlines(self, request, obj):
        return [WarrantyInline, *super().get_inlines(request, obj)]  # first, above the attachments

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        after_status = filters.index("status") + 1 if "status" in filters else 0
        return [*filters[:after_status], WarrantyStatusFilter, *filters[after_status:]]


admin_extend(Purchase, PurchaseWarrantyAdmin)
