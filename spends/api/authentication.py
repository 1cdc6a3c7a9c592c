"""Token authentication against spends.ApiToken (only a SHA-256 of each key is stored), with the lookup cached.

`Authorization: Token <key>`: the key is hashed and the digest looked up (one index probe; a fast hash is right for a
256-bit random key). Unknown key → 401 `Invalid token.`, inactive user → 401 `User inactive or deleted.` (the
exception handler answers both with the code `not_authenticated`).

The digest → token/user lookup is kept in the cache for AUTH_TOKEN_CACHE_SECONDS (0 = off): building and running the
ORM query was about 1.2 ms of every API request on the bench machine (#10). Invalidation: deleting or saving a token,
and saving or deleting a user, removes the cached entry at once and again when the transaction commits (a request
reading the old row meanwhile could otherwise put it back). A change made outside Django (raw SQL) is seen after
AUTH_TOKEN_CACHE_SECONDS at the latest. Cache keys are a hash of the digest, and the cached user carries no password
hash: it is rebuilt with the password deferred. A cache that is down is not an outage: the database answers.

`last_used_at` is written at most once a minute per token (spends.tokens.token_touch), not on every request.
"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from spends.cache import cache_call as _cache_call  # an outage answers None: the database decides
from spends.models import ApiToken
from spends.tokens import token_digest, token_touch

logger = logging.getLogger(__name__)
_PREFIX = "auth:apitoken:"
_TOKEN_FIELDS = ("id", "user_id", "name", "digest", "created_at", "last_used_at")


def _cache_key(digest: str) -> str:
    return _PREFIX + hashlib.sha256(digest.encode()).hexdigest()


def _timeout() -> int:
    return getattr(settings, "AUTH_TOKEN_CACHE_SECONDS", 0)


def _user_fields() -> tuple[str, ...]:
    return tuple(f.attname for f in get_user_model()._meta.concrete_fields if f.attname != "password")


def _pack(token: ApiToken) -> tuple:
    names = _user_fields()
    return (
        names,
        tuple(getattr(token, name) for name in _TOKEN_FIELDS),
        tuple(getattr(token.user, name) for name in names),
    )


def _unpack(packed, digest: str) -> ApiToken | None:
    try:
        names, token_values, user_values = packed
        values = dict(zip(_TOKEN_FIELDS, token_values, strict=True))
    except (TypeError, ValueError):
        return None
    if values["digest"] != digest or names != _user_fields():  # another token's entry, or the user model changed
        return None
    user = get_user_model().from_db("default", names, user_values)  # password deferred
    token = ApiToken.from_db("default", list(_TOKEN_FIELDS), list(token_values))
    token.user = user
    return token


def _from_database(digest: str) -> ApiToken:
    try:
        token = ApiToken.objects.select_related("user").get(digest=digest)
    except ApiToken.DoesNotExist:
        raise AuthenticationFailed("Invalid token.") from None
    if not token.user.is_active:
        raise AuthenticationFailed("User inactive or deleted.")
    return token


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's `Authorization: Token <key>` header, checked against the stored digests."""

    model = ApiToken

    def authenticate_credentials(self, key):
        digest = token_digest(key)
        timeout = _timeout()
        cache_key = _cache_key(digest)
        token = None
        if timeout > 0:
            packed = _cache_call("get", cache_key)
            token = _unpack(packed, digest) if packed is not None else None
        cached = token is not None and token.user.is_active  # inactive: entries are dropped on save; a second guard
        if not cached:
            token = _from_database(digest)
        touched = token_touch(token)
        if timeout > 0 and (touched or not cached):
            _cache_call("set", cache_key, _pack(token), timeout=timeout)
        return token.user, token


def forget_token(digest: str) -> None:
    """Drop the cached lookup of this token digest, now and when the current transaction commits."""
    cache_key = _cache_key(digest)
    _cache_call("delete", cache_key)
    transaction.on_commit(lambda: _cache_call("delete", cache_key))


def _token_changed(sender, instance, **kwargs):
    forget_token(instance.digest)


def _user_changed(sender, instance, **kwargs):
    if _timeout() <= 0:
        return
    for digest in ApiToken.objects.filter(user_id=instance.pk).values_list("digest", flat=True):
        forget_token(digest)


def connect() -> None:
    """Connect the invalidation receivers (from SpendsConfig.ready); dispatch_uid keeps a second call harmless."""
    post_save.connect(_token_changed, sender=ApiToken, dispatch_uid="spends.token_saved")
    post_delete.connect(_token_changed, sender=ApiToken, dispatch_uid="spends.token_deleted")
    user_model = get_user_model()
    post_save.connect(_user_changed, sender=user_model, dispatch_uid="spends.token_user_saved")
    # pre_delete would be needed to find the tokens of a deleted user, but deleting a user cascades to its tokens,
    # whose post_delete (above) drops the entries.
