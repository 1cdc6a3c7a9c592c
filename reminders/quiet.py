"""Which households have no channel to tell of a purchase write, remembered in the cache (issue #24: the channels'
lookup after every create, update and delete was ~20% of a create, and most households have no channel).

The cache holds one generation token (`GENERATION_KEY`) and, per household and event, a "quiet" mark: the generation
that was current when a lookup found no subscribed channel. A mark counts only while its generation is still the
current one, and both are read in one round trip (`get_many`). Any write that could give a household a subscribed
channel replaces the generation with a new token, at once and again when its transaction commits: a channel saved or
deleted (created, enabled, its events or owner changed), a membership saved or deleted (a user joins, leaves or moves
household), a user saved (activated). A lookup stores its mark under the generation it read *before* asking the
database, so a channel committed during the lookup leaves that mark under a generation that is already replaced.

What is remembered is only ever "none": a household with a channel is looked up in the database on every write, so
a disabled or deleted channel is never delivered to from the cache. No generation in the cache (first use, a
flushed or restored cache, an evicted key) means no mark counts. A change made outside Django's signals (raw SQL,
`QuerySet.update`) is not seen here; the only such write to channels (`delivery._disable`) switches one off, which a
mark cannot hide. A cache that is down is not an outage: the database answers, and a generation change that could
not reach the cache expires with the marks after NOTIFY_QUIET_SECONDS at the latest. Off (0, every write looks up
its channels) unless the cache is shared by every process: a per-process cache could not hear another process's
change. A lookup made inside a transaction stores no mark (what it read may still roll back).
"""

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

from households.models import Membership
from reminders.models import Channel
from spends.cache import cache_call

GENERATION_KEY = "notify:quiet:generation"


def _seconds() -> int:
    return getattr(settings, "NOTIFY_QUIET_SECONDS", 0)


def _mark_key(household_id, event: str) -> str:
    return f"notify:quiet:{household_id}:{event}"


def _renew() -> None:
    cache_call("set", GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def forget_all() -> None:
    """Every household's mark stops counting: now, and when the current transaction commits."""
    if _seconds() <= 0:
        return
    _renew()
    transaction.on_commit(_renew)


def is_quiet(household_id, event: str) -> tuple[bool, str | None]:
    """(True, _) when the cache knows `household_id` has no channel subscribed to `event`; otherwise (False, the
    generation to pass to `remember_quiet` if the database then finds none)."""
    found = cache_call("get_many", [GENERATION_KEY, _mark_key(household_id, event)]) or {}
    generation = found.get(GENERATION_KEY)
    if generation is None:
        cache_call("add", GENERATION_KEY, uuid.uuid4().hex, timeout=None)  # marks count from the next write on
        return False, None
    return found.get(_mark_key(household_id, event)) == generation, generation


def remember_quiet(household_id, event: str, generation: str | None) -> None:
    """Remember that the lookup made under `generation` (from `is_quiet`) found no channel."""
    if generation is not None and _seconds() > 0 and not connection.in_atomic_block:
        cache_call("set", _mark_key(household_id, event), generation, timeout=_seconds())


def _changed(sender, update_fields=None, **kwargs) -> None:
    if update_fields and set(update_fields) <= {"last_login"}:  # a login changes nobody's channels
        return
    forget_all()


def connect() -> None:
    """Connect the receivers that renew the generation (from RemindersConfig.ready; dispatch_uid: a second call is
    harmless)."""
    for model in (Channel, Membership, get_user_model()):
        name = model._meta.label_lower
        post_save.connect(_changed, sender=model, dispatch_uid=f"reminders.quiet.saved.{name}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"reminders.quiet.deleted.{name}")
