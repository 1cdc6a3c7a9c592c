"""The household and role of a request's user, for the scoped base viewset (settings.API_SCOPE_RESOLVER).

Plumbing (`spends.api.viewsets`) knows no domain app; it calls `scope_for(user)` by its dotted name, the way Django
finds AUTH_USER_MODEL. One query per request; a user without a membership (created by a raw load) gets one here.
"""

from households.choices import WRITE_ROLES
from households.models import Membership
from households.services import personal_household_create
from spends.api.scope import Scope


def scope_for(user) -> Scope:
    try:
        membership = (
            Membership.objects.select_related("household").only("household_id", "role", "household__home_currency")
        ).get(user=user)
    except Membership.DoesNotExist:
        membership = personal_household_create(user=user)
    return Scope(
        household_id=membership.household_id,
        role=membership.role,
        can_write=membership.role in WRITE_ROLES,
        home_currency=membership.household.home_currency,
    )
