"""Throttles: keyed on the client address from spends.api.client_ip (never a client-chosen header), one keyed on the
username a sign-in names, and none of them able to fail a request when the cache is down (the request goes through,
and a warning is logged: throttling is a defence, not a dependency).
"""

import hashlib

from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from spends.api.client_ip import client_ip
from spends.cache import cache_call


def normalise_username(value) -> str | None:
    """The username a sign-in names, the same way for every throttle and lockout ("  Alice " and "alice" are one)."""
    if not isinstance(value, str):
        return None
    value = value.strip().casefold()
    return value or None


class _UnfailingCache:
    """The default cache for DRF's throttles, through spends.cache.cache_call: a cache that fails answers as if
    nothing were stored, so the request goes through (logged there)."""

    def get(self, key, default=None):
        return cache_call("get", key, default, fallback=default)

    def set(self, key, value, timeout=None):
        cache_call("set", key, value, timeout)


class ClientAddressMixin:
    cache = _UnfailingCache()

    def get_ident(self, request):
        return client_ip(request)


class ScopedClientThrottle(ClientAddressMixin, ScopedRateThrottle):
    """DRF's ScopedRateThrottle (`throttle_scope` on the view), per user or, signed out, per client address."""


class SignInAddressThrottle(ClientAddressMixin, SimpleRateThrottle):
    """Sign-in attempts per client address (rate `auth`), whoever is signed in."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignInUsernameThrottle(ClientAddressMixin, SimpleRateThrottle):
    """Sign-in attempts per username named in the body (rate `auth_username`), from any address."""

    scope = "auth_username"

    def get_cache_key(self, request, view):
        data = request.data  # a body that cannot be parsed raises here: 400/415 as it would in the view
        username = normalise_username(data.get("username")) if hasattr(data, "get") else None
        if username is None:
            return None  # nothing to key on; the view answers 400
        ident = hashlib.sha256(username.encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
