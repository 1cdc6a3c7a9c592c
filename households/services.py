"""Writes of households and memberships. Each runs in one transaction."""

from django.db import transaction

from households.choices import Role
from households.models import Household, Membership


def personal_household_name(user) -> str:
    return f"{user.get_username()}'s household"[:100]


@transaction.atomic
def personal_household_create(*, user) -> Membership:
    """A new household with `user` as its only member and owner."""
    household = Household.objects.create(name=personal_household_name(user))
    return Membership.objects.create(user=user, household=household, role=Role.OWNER)


def on_user_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:  # raw: loaddata/restore bring their own memberships
        personal_household_create(user=instance)
