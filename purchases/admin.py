from django.contrib import admin

from purchases.models import Purchase
from warranties.models import Warranty


class WarrantyInline(admin.StackedInline):
    model = Warranty
    extra = 0
    max_num = 1
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    list_display = ["product_name", "price", "currency_code", "retailer", "brand", "status", "purchase_date", "owner"]
    list_filter = ["status", "currency_code", "retailer", "brand"]
    search_fields = ["product_name", "notes", "retailer__name", "brand__name"]
    list_select_related = ["retailer", "brand", "owner"]
    autocomplete_fields = ["retailer", "brand"]
    date_hierarchy = "purchase_date"
    ordering = ["-purchase_date", "-created_at"]
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [WarrantyInline]
    list_per_page = 100

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(owner=request.user)

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}
