"""Reads of households and invites."""

from uuid import UUID

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from households.models import Household, Invite, Membership


def household_get(*, household_id: UUID) -> Household:
    """The household with `members_in_order` (its memberships in joining order, each with its user): two queries
    whatever the number of members. Raises Household.DoesNotExist."""
    members = Membership.objects.select_related("user").order_by("joined_at", "id")
    return Household.objects.prefetch_related(
        Prefetch("memberships", queryset=members, to_attr="members_in_order")
    ).get(pk=household_id)


def invite_pending_list(*, household_id: UUID) -> QuerySet[Invite]:
    """The household's invites that can still be used (unused, not expired), newest first."""
    return Invite.objects.filter(
        household_id=household_id, used_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at", "id")


def member_ids_by_username(*, household_id: UUID) -> dict[str, int]:
    """username → user id of the household's members: one query, as many rows as members (an import matches a file's
    `created_by` usernames against it in Python, whatever the number of distinct names in the file)."""
    members = Membership.objects.filter(household_id=household_id).order_by()
    return dict(members.values_list("user__username", "user_id"))
