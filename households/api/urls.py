"""Household routes: /api/household/... and /api/auth/me, with or without a trailing slash."""

from django.urls import re_path

from .views import HouseholdView, InviteDetailView, InviteListView, JoinView, MemberView, MeView

urlpatterns = [
    # GET is spends.api.views.MeView's; PATCH changes the email and the household's home currency.
    re_path(r"^auth/me/?$", MeView.as_view(), name="auth-me"),
    re_path(r"^household/?$", HouseholdView.as_view(), name="household"),
    re_path(r"^household/invites/?$", InviteListView.as_view(), name="household-invites"),
    re_path(r"^household/invites/(?P<code>[^/]{1,200})/?$", InviteDetailView.as_view(), name="household-invite"),
    re_path(r"^household/join/?$", JoinView.as_view(), name="household-join"),
    re_path(r"^household/members/(?P<user_id>[0-9]{1,18})/?$", MemberView.as_view(), name="household-member"),
]
