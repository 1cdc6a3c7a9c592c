"""The reference rates, read-only: they come from the migration and the import (manage.py import_rates,
POST /api/rates/import), never from hand edits."""

from django.contrib import admin

from rates.models import Rate
from rates.selectors import last_publication_day


@admin.register(Rate)
class RateAdmin(admin.ModelAdmin):
    list_display = ["day", "currency", "rate"]
    list_filter = ["currency"]
    date_hierarchy = "day"
    search_fields = ["currency"]
    ordering = ["-day", "currency"]
    show_full_result_count = False  # 220,000 rows: no second COUNT(*) on filtered pages

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        last = last_publication_day()
        title = f"ECB reference rates (units per 1 EUR); last publication day: {last.isoformat() if last else 'none'}"
        return super().changelist_view(request, extra_context={**(extra_context or {}), "title": title})
