"""The household and role of a request's user, for the scoped base viewset (settings.API_SCOPE_RESOLVER).

Plumbing (`spends.api.viewsets`) knows no domain app; it calls `scope_for(user)` by its dotted name, the way Django
finds AUTH_USER_MODEL. One query per request; a user without a membership (created by a raw load) gets one here.

With SCOPE_CACHE_SECONDS > 0 (the default with a shared cache; issue #24: the query was ~0.6 ms of every request)
the answer is kept in the cache under the current *generation*, a token that any membership or household saved or
deleted in Django replaces, at once and again when its transaction commits (`connect`): a member removed, moved or
given another role, a household's home currency changed or the household deleted make every kept answer stop
counting before the change is visible to other requests. The generation and the caller's entry are read in one
round trip; an entry counts only if it was stored under the generation that is still current, and an answer is
stored under the generation read *before* the query, so one computed while a change commits is never used. No
generation in the cache (first use, flushed, evicted, restored) means nothing counts; nothing is stored from inside
a transaction (it may roll back). A change made outside Django's signals (raw SQL, `QuerySet.update`) is seen after
SCOPE_CACHE_SECONDS at the latest; none of the app's code makes one. A cache that is down: the database answers.
"""

import uuid

from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

from households.choices import WRITE_ROLES
from households.models import Household, Membership
from households.services import personal_household_create
from spends.api.scope import Scope
from spends.cache import cache_call

GENERATION_KEY = "scope:generation"


def _seconds() -> int:
    return getattr(settings, "SCOPE_CACHE_SECONDS", 0)


def _entry_key(user_id) -> str:
    return f"scope:user:{user_id}"


def _from_database(user) -> Scope:
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


def scope_for(user) -> Scope:
    if _seconds() <= 0:
        return _from_database(user)
    found = cache_call("get_many", [GENERATION_KEY, _entry_key(user.pk)]) or {}
    generation, entry = found.get(GENERATION_KEY), found.get(_entry_key(user.pk))
    if generation is not None and isinstance(entry, tuple) and len(entry) == 4 and entry[0] == generation:
        _, household_id, role, home_currency = entry
        return Scope(household_id=household_id, role=role, can_write=role in WRITE_ROLES, home_currency=home_currency)
    scope = _from_database(user)
    if generation is None:
        cache_call("add", GENERATION_KEY, uuid.uuid4().hex, timeout=None)  # entries count from the next request on
    elif not connection.in_atomic_block:
        value = (generation, scope.household_id, scope.role, scope.home_currency)
        cache_call("set", _entry_key(user.pk), value, timeout=_seconds())
    return scope


def _renew() -> None:
    cache_call("set", GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def forget_all(sender=None, **kwargs) -> None:
    """Every kept scope stops counting: now, and when the current transaction commits."""
    if _seconds() <= 0:
        return
    _renew()
    transaction.on_commit(_renew)


def connect() -> None:
    """Connect the receivers that renew the generation (from HouseholdsConfig.ready; dispatch_uid: harmless twice)."""
    for model in (Membership, Household):
        name = model._meta.label_lower
        post_save.connect(forget_all, sender=model, dispatch_uid=f"households.scope.saved.{name}")
        post_delete.connect(forget_all, sender=model, dispatch_uid=f"households.scope.deleted.{name}")
