"""A household with an owner, an editor and a viewer, and a stranger in a household of their own."""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from households.choices import Role
from households.models import Household, Membership
from tests.conftest import token_client
from tests.factories import UserFactory


def move_into(user, household_id, role) -> Membership:
    """Put `user` into `household_id` in `role` (test set-up: the API way is an invite), dropping their personal
    household."""
    membership = Membership.objects.get(user=user)
    old_household_id = membership.household_id
    membership.household_id, membership.role, membership.joined_at = household_id, role, timezone.now()
    membership.save()
    Household.objects.filter(pk=old_household_id).delete()
    return membership


def household_of(user) -> Household:
    return Membership.objects.select_related("household").get(user=user).household


@pytest.fixture
def home(db):
    owner = UserFactory(username="olivia")
    household = household_of(owner)
    editor, viewer = UserFactory(username="edward"), UserFactory(username="vera")
    move_into(editor, household.pk, Role.EDITOR)
    move_into(viewer, household.pk, Role.VIEWER)
    stranger = UserFactory(username="stan")
    return SimpleNamespace(
        household=household,
        owner=owner,
        editor=editor,
        viewer=viewer,
        stranger=stranger,
        owner_client=token_client(owner),
        editor_client=token_client(editor),
        viewer_client=token_client(viewer),
        stranger_client=token_client(stranger),
    )
