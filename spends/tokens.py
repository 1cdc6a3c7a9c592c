"""API tokens: issue, list and revoke (API.md § Browser sessions). Only the SHA-256 of a key is stored.

A key is shown once, in the answer to `POST /api/auth/token` (or by `seed_data`); afterwards nobody, the database and
its backups included, can read it back. `last_used_at` is written at most once per TOUCH_INTERVAL per token, so
authenticated requests do not each write to the database.
"""

import datetime
import hashlib
import logging
import secrets

from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone

from spends.models import ApiToken

logger = logging.getLogger(__name__)

TOUCH_INTERVAL = datetime.timedelta(minutes=1)


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_issue(*, user, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the key (the only time the key exists in clear)."""
    key = secrets.token_urlsafe(32)  # 256 random bits, 43 characters
    token = ApiToken.objects.create(user=user, name=name.strip(), digest=token_digest(key))
    return token, key


def token_list(*, user):
    return ApiToken.objects.filter(user=user).order_by("-created_at", "id")


def token_revoke(*, user, token_id) -> bool:
    """Delete the caller's token `token_id`; False when the caller has no such token (another user's included)."""
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        return False
    token.delete()  # a model delete: its post_delete signal drops the cached lookup
    return True


def token_touch(token: ApiToken) -> bool:
    """Record that `token` was just used, unless that was recorded less than TOUCH_INTERVAL ago.

    Returns True when `token.last_used_at` was moved to now (so a cached copy should be refreshed); False when it was
    recent enough or another request got there first. The WHERE clause keeps concurrent requests from writing twice.
    A database that cannot take the write right now (SQLite busy) costs the timestamp, never the request, and is not
    asked again before TOUCH_INTERVAL has passed for this copy.
    """
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL:
        return False
    due = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_INTERVAL)
    try:
        updated = ApiToken.objects.filter(due, pk=token.pk).update(last_used_at=now)
    except DatabaseError:
        logger.warning("could not record the use of API token %s", token.pk, exc_info=True)
        updated = 1
    if updated:
        token.last_used_at = now
    return bool(updated)
