"""Households in the admin: superusers only (a household's members and invites are everyone's business only there).
Invite codes are never shown: only their public prefix is (the hash stays out of every page)."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from households.choices import Role
from households.models import Household, Invite, Membership


class SuperuserOnlyAdminMixin:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class MembershipFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("user")
        ]
        if kept and not any(data.get("role") == Role.OWNER for data in kept):
            raise ValidationError("A household keeps at least one owner.")


class MembershipInline(SuperuserOnlyAdminMixin, admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    fields = ["user", "role", "joined_at"]
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Household)
class HouseholdAdmin(SuperuserOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name", "memberships__user__username"]
    # The home currency re-converts every purchase: it is changed in the web app's Settings (PATCH /api/auth/me).
    readonly_fields = ["id", "home_currency", "created_at"]
    inlines = [MembershipInline]


@admin.register(Invite)
class InviteAdmin(SuperuserOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["prefix", "household", "role", "expires_at", "used"]
    list_filter = ["role"]
    list_select_related = ["household"]
    search_fields = ["prefix", "household__name"]
    fields = ["prefix", "household", "role", "expires_at", "created_by", "created_at", "used_at", "used_by"]
    readonly_fields = ["prefix", "household", "created_by", "created_at", "used_at", "used_by"]

    def has_add_permission(self, request, *args):
        return False  # a code is made (and shown once) by POST /api/household/invites

    @admin.display(boolean=True, description="Used", ordering="used_at")
    def used(self, obj):
        return obj.is_used
