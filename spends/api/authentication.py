"""Token authentication with the token → user lookup kept in the cache for a short while.

DRF's TokenAuthentication runs one ORM query per request (token joined to its user). Building, compiling and
reading that query was about 1.2 ms of every API request on the 2-core bench machine, a quarter of a cached
analytics answer (#10). This class answers from the cache when it can and from the database otherwise, with the
same rules and errors as DRF's: unknown key → 401 `Invalid token.`, inactive user → 401 `User inactive or deleted.`

Invalidation: deleting or saving a token, and saving or deleting a user, removes the cached entry at once and again
when the transaction commits (a request reading the old row meanwhile could otherwise put it back). A change made
outside Django (raw SQL) is seen after AUTH_TOKEN_CACHE_SECONDS at the latest; 0 turns the cache off. Cache keys are
a hash of the token, never the token itself, and the cached user carries no password hash: it is rebuilt with the
password deferred (read from the database only if something asks for it). A cache that is down is not an outage:
the database answers.
"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

logger = logging.getLogger(__name__)
_PREFIX = "auth:token:"


def _cache_key(key: str) -> str:
    return _PREFIX + hashlib.sha256(key.encode()).hexdigest()


def _timeout() -> int:
    return getattr(settings, "AUTH_TOKEN_CACHE_SECONDS", 0)


def _user_fields() -> tuple[str, ...]:
    return tuple(f.attname for f in get_user_model()._meta.concrete_fields if f.attname != "password")


def _pack(token: Token) -> tuple:
    names = _user_fields()
    return names, token.key, token.created, tuple(getattr(token.user, name) for name in names)


def _unpack(packed, key: str) -> Token | None:
    try:
        names, token_key, created, values = packed
    except (TypeError, ValueError):
        return None
    if token_key != key or names != _user_fields():  # another token's entry, or the user model changed
        return None
    user = get_user_model().from_db("default", names, values)  # password deferred
    token = Token.from_db("default", ["key", "user_id", "created"], [token_key, user.pk, created])
    token.user = user
    return token


def _cache_call(method: str, *args, **kwargs):
    """One call to the cache; an outage is logged and answers None: the database stays the source of truth (a miss
    reads it, and an entry that cannot be dropped expires after AUTH_TOKEN_CACHE_SECONDS)."""
    try:
        return getattr(cache, method)(*args, **kwargs)
    except Exception:  # noqa: BLE001 - a cache outage must not become an authentication outage
        logger.warning("token cache unavailable (%s)", method, exc_info=True)
        return None


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        timeout = _timeout()
        if timeout <= 0:
            return super().authenticate_credentials(key)
        cache_key = _cache_key(key)
        packed = _cache_call("get", cache_key)
        token = _unpack(packed, key) if packed is not None else None
        if token is None or not token.user.is_active:  # inactive: entries are dropped on save; a second guard
            user, token = super().authenticate_credentials(key)  # 401 for unknown keys and inactive users
            _cache_call("set", cache_key, _pack(token), timeout=timeout)
            return user, token
        return token.user, token


def forget_token(key: str) -> None:
    """Drop the cached lookup of this token key, now and when the current transaction commits."""
    cache_key = _cache_key(key)
    _cache_call("delete", cache_key)
    transaction.on_commit(lambda: _cache_call("delete", cache_key))


def _token_changed(sender, instance, **kwargs):
    forget_token(instance.key)


def _user_changed(sender, instance, **kwargs):
    if _timeout() <= 0:
        return
    for key in Token.objects.filter(user_id=instance.pk).values_list("key", flat=True):
        forget_token(key)


def connect() -> None:
    """Connect the invalidation receivers (from SpendsConfig.ready); dispatch_uid keeps a second call harmless."""
    post_save.connect(_token_changed, sender=Token, dispatch_uid="spends.token_saved")
    post_delete.connect(_token_changed, sender=Token, dispatch_uid="spends.token_deleted")
    user_model = get_user_model()
    post_save.connect(_user_changed, sender=user_model, dispatch_uid="spends.token_user_saved")
    # pre_delete would be needed to find the tokens of a deleted user, but deleting a user cascades to its token,
    # whose post_delete (above) drops the entry.
