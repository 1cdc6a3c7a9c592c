"""Writes of households, memberships and invites. Each public service runs in one transaction.

Membership changes lock the household's row first (`select_for_update`), so two owners demoting each other at the
same time cannot leave a household without an owner; a join locks its invite, so a code is used once.
"""

import datetime
import hashlib
import re
import secrets
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from households import registry
from households.choices import Role
from households.models import HOUSEHOLD_NAME_MAX_LENGTH, Household, Invite, Membership
from spends.exceptions import Conflict

INVITE_PREFIX_LENGTH = 8
PREFIX_RE = re.compile(f"[0-9a-f]{{{INVITE_PREFIX_LENGTH}}}")
CODE_UNKNOWN = "This invite code is not valid. Check that it was copied completely."
CODE_USED = "This invite code has already been used. Ask the household's owner for a new one."
CODE_EXPIRED = "This invite code has expired. Ask the household's owner for a new one."
CODE_OWN_HOUSEHOLD = "You are already a member of this household."
LAST_OWNER = "The household must keep at least one owner: make another member an owner first."
LAST_OWNER_JOIN = (
    "You are the last owner of your current household, which has other members: make one of them an owner before "
    "you join another household."
)


def personal_household_name(user) -> str:
    return f"{user.get_username()}'s household"[:HOUSEHOLD_NAME_MAX_LENGTH]


@transaction.atomic
def personal_household_create(*, user) -> Membership:
    """A new household with `user` as its only member and owner."""
    household = Household.objects.create(name=personal_household_name(user))
    return Membership.objects.create(user=user, household=household, role=Role.OWNER)


def on_user_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:  # raw: loaddata/restore bring their own memberships
        personal_household_create(user=instance)


def _lock_household(household_id: UUID) -> Household:
    return Household.objects.select_for_update().get(pk=household_id)


def _owner_count(household_id: UUID) -> int:
    return Membership.objects.filter(household_id=household_id, role=Role.OWNER).count()


@transaction.atomic
def household_rename(*, household_id: UUID, name: str) -> Household:
    """Set the household's name (already trimmed and 1..100 characters)."""
    household = _lock_household(household_id)
    household.name = name
    household.full_clean()
    household.save(update_fields=["name"])
    return household


@transaction.atomic
def home_currency_set(*, household_id: UUID, home_currency: str) -> Household:
    """Set the household's home currency (an ISO 4217 code, already checked) and re-convert its records to it in the
    same transaction (households.registry: purchases recomputes every non-manual rate, one statement per currency).
    Setting the same currency again changes nothing."""
    household = _lock_household(household_id)
    if household.home_currency != home_currency:
        household.home_currency = home_currency
        household.save(update_fields=["home_currency"])
        registry.home_currency_changed(household_id=household_id, home_currency=home_currency)
    return household


@transaction.atomic
def me_update(*, user, household_id: UUID, email: str | None = None, home_currency: str | None = None) -> None:
    """`PATCH /api/auth/me`: the user's email and their household's home currency (the caller checked the role),
    in one transaction."""
    if email is not None and email != user.email:
        user.email = email
        user.save(update_fields=["email"])
    if home_currency is not None:
        home_currency_set(household_id=household_id, home_currency=home_currency)


# --- invites ------------------------------------------------------------------------------------------------------
def invite_code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _new_code() -> tuple[str, str]:
    """A fresh (prefix, code): `<8 hex characters>.<32 random URL-safe characters>`, about 224 random bits."""
    while True:
        prefix = secrets.token_hex(INVITE_PREFIX_LENGTH // 2)
        if not Invite.objects.filter(prefix=prefix).exists():
            return prefix, f"{prefix}.{secrets.token_urlsafe(24)}"


@transaction.atomic
def invite_create(*, household_id: UUID, role: str, created_by) -> tuple[Invite, str]:
    """A single-use invite into the household in `role`, valid for settings.HOUSEHOLD_INVITE_DAYS days. Returns the
    invite and its code: the only time the code exists in clear (only its SHA-256 is stored)."""
    prefix, code = _new_code()
    expires_at = timezone.now() + datetime.timedelta(days=settings.HOUSEHOLD_INVITE_DAYS)
    invite = Invite.objects.create(
        household_id=household_id,
        role=role,
        prefix=prefix,
        code_hash=invite_code_hash(code),
        created_by=created_by,
        expires_at=expires_at,
    )
    return invite, code


@transaction.atomic
def invite_revoke(*, household_id: UUID, code: str) -> bool:
    """Delete the household's unused invite named by its full code or its public prefix (a trailing "…" as shown in
    the list is ignored). False when the household has no such unused invite."""
    code = code.strip().rstrip("…")
    if not code:
        return False
    invites = Invite.objects.filter(household_id=household_id, used_at__isnull=True)
    deleted, _ = invites.filter(code_hash=invite_code_hash(code)).delete()
    if not deleted and PREFIX_RE.fullmatch(code.lower()):
        deleted, _ = invites.filter(prefix=code.lower()).delete()
    return bool(deleted)


# --- joining and leaving ----------------------------------------------------------------------------------------------
def _usable_invite(code: str) -> Invite:
    """The invite for `code`, locked until the transaction ends; ValidationError on `code` when it cannot be used."""
    invite = Invite.objects.select_for_update().filter(code_hash=invite_code_hash(code.strip())).first()
    if invite is None:
        raise ValidationError({"code": [CODE_UNKNOWN]})
    if invite.used_at is not None:
        raise ValidationError({"code": [CODE_USED]})
    if invite.expires_at <= timezone.now():
        raise ValidationError({"code": [CODE_EXPIRED]})
    return invite


def _delete_if_empty(household_id: UUID) -> bool:
    """Delete the household when it has neither members nor records left (registered counters)."""
    if Membership.objects.filter(household_id=household_id).exists():
        return False
    if registry.records_count(household_id):
        return False
    try:
        with transaction.atomic():  # a savepoint: a refused delete leaves the caller's transaction usable
            Household.objects.filter(pk=household_id).delete()
    except (ProtectedError, RestrictedError):
        return False  # records of an app that registered no counter still point at it (PROTECT): keep it
    return True


@transaction.atomic
def household_join(*, user, code: str, bring_data: bool = False) -> tuple[Household, dict[str, Any]]:
    """Move `user` into the household of the invite `code`, in the invite's role, and use the invite up.

    With `bring_data` every registered mover moves the user's records: all of the old household's records when the
    user was its last member, otherwise those the user created. The old household is deleted when no member and no
    record is left. All or nothing: a refused move (ValidationError) rolls everything back.
    Raises ValidationError on `code` (unknown, used, expired, or the user's own household) and Conflict (409) when
    the user is the last owner of a household that keeps other members. Returns (new household, moved counts).
    """
    invite = _usable_invite(code)
    old_household_id = Membership.objects.get(user=user).household_id
    if old_household_id == invite.household_id:
        raise ValidationError({"code": [CODE_OWN_HOUSEHOLD]})
    for household_id in sorted([old_household_id, invite.household_id], key=str):  # one lock order: no deadlock
        _lock_household(household_id)
    membership = Membership.objects.select_for_update().get(user=user)
    if membership.household_id != old_household_id:  # a concurrent join or removal moved the user meanwhile
        raise Conflict("Your household changed while joining. Please try again.")
    members_left = Membership.objects.filter(household_id=old_household_id).exclude(pk=membership.pk)
    if membership.role == Role.OWNER and members_left.exists() and not members_left.filter(role=Role.OWNER).exists():
        raise Conflict(LAST_OWNER_JOIN)
    move_all = not members_left.exists()

    now = timezone.now()
    membership.household_id, membership.role, membership.joined_at = invite.household_id, invite.role, now
    membership.save(update_fields=["household", "role", "joined_at"])
    invite.used_at, invite.used_by = now, user
    invite.save(update_fields=["used_at", "used_by"])
    moved: dict[str, Any] = {}
    if bring_data:
        moved = registry.records_move(
            from_household_id=old_household_id, to_household_id=invite.household_id, user_id=user.pk, move_all=move_all
        )
    _delete_if_empty(old_household_id)
    return Household.objects.get(pk=invite.household_id), moved


# --- members ------------------------------------------------------------------------------------------------------
@transaction.atomic
def membership_role_set(*, household_id: UUID, user_id: int, role: str) -> Membership:
    """Give the member `user_id` of the household `role`. Raises Membership.DoesNotExist when the user is not a
    member of this household, and Conflict when that would demote the last owner."""
    _lock_household(household_id)
    membership = Membership.objects.select_related("user").get(household_id=household_id, user_id=user_id)
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(household_id) == 1:
        raise Conflict(LAST_OWNER)
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, household_id: UUID, user_id: int) -> Membership:
    """Take the member `user_id` out of the household (an owner's removal, or the member leaving): they get a new,
    empty personal household; the records stay with the household. Raises Membership.DoesNotExist when the user is
    not a member of this household, and Conflict when they are its last owner. Returns the new membership."""
    _lock_household(household_id)
    membership = Membership.objects.select_related("user").get(household_id=household_id, user_id=user_id)
    if membership.role == Role.OWNER and _owner_count(household_id) == 1:
        raise Conflict(LAST_OWNER)
    user = membership.user
    membership.delete()
    new_membership = personal_household_create(user=user)
    _delete_if_empty(household_id)
    return new_membership
