"""The admin's view of API tokens: superusers see who has which token and when it was last used, and can revoke it.
A key is never shown (only its hash is stored); tokens are issued by POST /api/auth/token."""

from django.contrib import admin
from rest_framework.authtoken.models import TokenProxy

from spends.models import ApiToken

# DRF's own token admin would list the (now always empty) table of plaintext keys; ours replaces it.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "created_at", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username"]
    ordering = ["-created_at"]
    fields = ["name", "user", "created_at", "last_used_at"]
    readonly_fields = fields

    def _superuser(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self._superuser(request)

    def has_view_permission(self, request, obj=None):
        return self._superuser(request)

    def has_delete_permission(self, request, obj=None):
        return self._superuser(request)

    def has_add_permission(self, request):
        return False  # a key must be shown to its owner once: issue tokens through the API

    def has_change_permission(self, request, obj=None):
        return False
