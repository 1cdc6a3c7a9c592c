"""Admin for purchases. Apps above add their parts (spends.admin_mixins.admin_extend): warranties the warranty
inline and the warranty status filter (warranties/admin.py), attachments the files (attachments/admin.py), transfer
the import/export buttons (transfer/admin.py)."""

from django.contrib import admin
from django.db import transaction

from purchases import conversion, summaries
from purchases.choices import RateSource
from purchases.models import Purchase
from spends import data_versions
from spends.admin_mixins import DataVersionAdminMixin
from spends.api.scope import request_scope


@admin.register(Purchase)
class PurchaseAdmin(DataVersionAdminMixin, admin.ModelAdmin):
    list_display = [
        "product_name",
        "price",
        "currency_code",
        "home_price",
        "retailer",
        "brand",
        "status",
        "purchase_date",
        "return_by",
        "returned_on",
        "household",
        "created_by",
    ]
    # "status" offers RETURNED too; warranties adds its status filter after "status".
    list_filter = ["status", "currency_code", "retailer", "brand"]
    search_fields = ["product_name", "notes", "retailer__name", "brand__name"]
    list_select_related = ["retailer", "brand", "household", "created_by"]
    autocomplete_fields = ["retailer", "brand"]
    date_hierarchy = "purchase_date"
    ordering = ["-purchase_date", "-created_at"]
    # The conversion (API.md § Currencies) is the app's to set: shown, never edited here (save_model).
    readonly_fields = ["id", "exchange_rate", "rate_source", "home_price", "created_at", "updated_at"]
    list_per_page = 100

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.in_household(request_scope(request).household_id)

    def save_model(self, request, obj, form, change):
        """The conversion follows the edit, as on every write (purchases.conversion): the reference rate of the
        purchase day, or a MANUAL rate kept unless the currency or the household changed; the home price."""
        if obj.rate_source == RateSource.MANUAL and {"currency_code", "household"} & set(form.changed_data):
            conversion.manual_rate_set(obj, None)
        conversion.complete(obj)
        # The analytics summaries follow (#24): from the row as stored, locked in the change form's transaction.
        # Its warranties are kept as they are here (the inline's are saved after: see the warranties admin).
        stored = summaries.locked(obj.pk) if change else None
        super().save_model(request, obj, form, change)
        coverages = stored[0].coverages if stored else ()
        summaries.apply(before=stored and stored[0], after=summaries.values_of(obj, coverages))

    def delete_model(self, request, obj):
        stored = summaries.locked(obj.pk)  # with its warranties, which go with it (CASCADE)
        super().delete_model(request, obj)
        if stored is not None:
            summaries.apply(before=stored[0])

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            households = set(queryset.order_by().values_list("household_id", flat=True).distinct())
            super().delete_queryset(request, queryset)
            summaries.recompute(households)

    def data_version_scopes(self, queryset) -> set[str]:
        households = queryset.order_by().values_list("household_id", flat=True).distinct()
        return {data_versions.household_scope(household_id) for household_id in households}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A staff user who is not a superuser picks from their own household and its members only.
        if not request.user.is_superuser and db_field.name in ("household", "created_by"):
            household_id = request_scope(request).household_id
            field = "pk" if db_field.name == "household" else "membership__household_id"
            kwargs["queryset"] = db_field.related_model._default_manager.filter(**{field: household_id})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = {"household": request_scope(request).household_id, "created_by": request.user.pk}
        return {**initial, **super().get_changeform_initial_data(request)}
