"""Every user is in exactly one household: a new user gets a personal one, as its owner."""

import pytest
from django.db import IntegrityError, transaction

from households.choices import Role
from households.models import Household, Membership
from households.scoping import scope_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_new_user_owns_a_personal_household():
    user = UserFactory(username="alice")
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.OWNER
    assert membership.household.name == "alice's household"
    assert list(membership.household.memberships.values_list("user", flat=True)) == [user.pk]


def test_a_user_is_in_one_household_only():
    user = UserFactory()
    other = Household.objects.create(name="Other")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, household=other, role=Role.VIEWER)


def test_role_and_name_are_checked_by_the_database():
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(user=user).update(role="ADMIN")
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.create(name="")


def test_scope_of_a_viewer_cannot_write_and_a_user_without_membership_gets_one():
    user = UserFactory()
    Membership.objects.filter(user=user).update(role=Role.VIEWER)
    scope = scope_for(user)
    assert (scope.role, scope.can_write) == ("VIEWER", False)
    Membership.objects.filter(user=user).delete()
    scope = scope_for(user)
    assert (scope.role, scope.can_write) == ("OWNER", True)
    assert Membership.objects.get(user=user).household_id == scope.household_id
