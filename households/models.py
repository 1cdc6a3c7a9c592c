"""Households: who shares which records, and in which role. Every user is a member of exactly one household."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from households.choices import Role

HOUSEHOLD_NAME_MAX_LENGTH = 100


def default_home_currency() -> str:
    return settings.DEFAULT_CURRENCY


class Household(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=HOUSEHOLD_NAME_MAX_LENGTH)
    # API.md § Currencies: the currency every member's totals are converted to. The purchases' stored home prices are
    # in it, so it is the household's (one total for everyone in it); each member sees it as their `home_currency`.
    home_currency = models.CharField(
        max_length=3, default=default_home_currency, help_text="ISO 4217 code the household's totals are converted to."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "created_at"]
        constraints = [models.CheckConstraint(condition=~models.Q(name=""), name="households_household_name_not_empty")]

    def __str__(self):
        return self.name


class Membership(models.Model):
    # One-to-one: a user is in exactly one household (the database says so, not just the code).
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.OWNER)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="households_membership_role_valid")
        ]
        # household_get: the members of one household in joining order.
        indexes = [models.Index(fields=["household", "joined_at"], name="membership_household_joined")]

    def __str__(self):
        return f"{self.user} in {self.household} ({self.role})"


class Invite(models.Model):
    """A single-use code that lets one user join `household` in `role` until `expires_at`.

    The code is a secret: only its SHA-256 (`code_hash`) and a short public `prefix` (its first characters, shown in
    the owner's list and accepted to revoke it) are stored, so the database and its backups cannot reveal a code.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(max_length=8, choices=Role.choices)
    prefix = models.CharField(max_length=16, unique=True)
    code_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="households_invite_role_valid")
        ]
        # invite_pending_list: one household's unused invites by expiry.
        indexes = [models.Index(fields=["household", "used_at", "expires_at"], name="invite_household_pending")]

    def __str__(self):
        return f"{self.prefix}… ({self.role})"

    @property
    def is_used(self) -> bool:
        return self.used_at is not None
