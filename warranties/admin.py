"""Admin for warranties, and the warranty's part of the purchase admin: the inline and the effective-status filter.
`purchases` sits below this app, so its admin does not import it: this module extends the registered purchase admin
(`spends.admin_mixins.admin_extend`), as attachments and transfer do."""

from django.contrib import admin
from django.db import transaction
from django.db.models import Exists, OuterRef

import purchases.admin  # noqa: F401  (registers the purchase admin this module extends)
from purchases import summaries
from purchases.models import Purchase
from spends import clock, data_versions
from spends.admin_mixins import DataVersionAdminMixin, admin_extend
from spends.api.scope import request_scope
from warranties import claims_services
from warranties.choices import EffectiveStatus, WarrantyStatus
from warranties.models import Claim, Warranty


class ClaimInline(admin.TabularInline):
    """A warranty's claims. Saved through warranties.claims_services (WarrantyAdmin.save_formset), so a claim saved
    here moves or restores the warranty's end exactly as through the API; `previous_warranty_end` is read-only."""

    model = Claim
    extra = 0
    fields = [
        "opened_on",
        "closed_on",
        "status",
        "issue",
        "resolution",
        "extends_warranty_to",
        "previous_warranty_end",
    ]
    readonly_fields = ["previous_warranty_end"]


@admin.register(Warranty)
class WarrantyAdmin(DataVersionAdminMixin, admin.ModelAdmin):
    list_display = ["purchase", "warranty_type", "warranty_start", "warranty_end", "status", "provider", "reference"]
    list_filter = ["status", "warranty_type", "warranty_end"]
    search_fields = ["purchase__product_name", "provider", "reference", "notes"]
    list_select_related = ["purchase"]
    autocomplete_fields = ["purchase"]
    date_hierarchy = "warranty_end"
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [ClaimInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("purchase")  # its title names the product
        return qs if request.user.is_superuser else qs.in_household(request_scope(request).household_id)

    def save_model(self, request, obj, form, change):
        # The analytics summaries follow (#24): the purchase it was of and the one it is of now.
        was = Warranty.objects.filter(pk=obj.pk).values_list("purchase_id", flat=True).first() if change else None
        summaries.follow(
            {was, obj.purchase_id}, lambda: super(WarrantyAdmin, self).save_model(request, obj, form, change)
        )

    def delete_model(self, request, obj):
        summaries.follow({obj.purchase_id}, lambda: super(WarrantyAdmin, self).delete_model(request, obj))

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            households = set(queryset.order_by().values_list("purchase__household_id", flat=True).distinct())
            super().delete_queryset(request, queryset)
            summaries.recompute(households)

    def save_formset(self, request, form, formset, change):
        """Claims go through their services (the warranty's end moves with them; a data-version bump each), in the
        change form's transaction; the inline form has already run the model's clean()."""
        if formset.model is not Claim:
            return super().save_formset(request, form, formset, change)
        claims = formset.save(commit=False)
        for claim in formset.deleted_objects:
            claims_services.claim_delete(claim=claim)
        for claim in claims:
            fields = {name: getattr(claim, name) for name in claims_services.CLAIM_FIELDS}
            if claim._state.adding:
                claims_services.claim_create(warranty=form.instance, created_by=request.user, **fields)
            else:
                claims_services.claim_update(claim=claim, **fields)
        return None

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

    def save_formset(self, request, form, formset, change):
        if formset.model is not Warranty:
            return super().save_formset(request, form, formset, change)
        # The inline's warranties: the analytics summaries follow (#24).
        return summaries.follow(
            {form.instance.pk}, lambda: super(PurchaseWarrantyAdmin, self).save_formset(request, form, formset, change)
        )

    def get_inlines(self, request, obj):
        return [WarrantyInline, *super().get_inlines(request, obj)]  # first, above the attachments

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        after_status = filters.index("status") + 1 if "status" in filters else 0
        return [*filters[:after_status], WarrantyStatusFilter, *filters[after_status:]]


admin_extend(Purchase, PurchaseWarrantyAdmin)
