"""The scope of a request: the caller's household and role, found once per request by the resolver that
settings.API_SCOPE_RESOLVER names (households.scoping.scope_for). Plumbing knows no domain app."""

from dataclasses import dataclass
from functools import cache
from uuid import UUID

from django.conf import settings
from django.utils.module_loading import import_string

# What a VIEWER hears on any write (the API's 403, the admin's import).
READ_ONLY_MESSAGE = "Your role in this household (viewer) lets you read, export and download, not change records."


@dataclass(frozen=True)
class Scope:
    household_id: UUID
    role: str
    can_write: bool
    # The household's home currency (API.md § Currencies), read by the same query: writes convert prices to it.
    home_currency: str = ""


@cache
def _resolver():
    return import_string(settings.API_SCOPE_RESOLVER)


def scope_for(user) -> Scope:
    return _resolver()(user)


def request_scope(request) -> Scope:
    """The scope of `request` (an authenticated DRF or Django request), resolved once and kept on the request."""
    scope = getattr(request, "_spends_scope", None)
    if scope is None:
        scope = scope_for(request.user)
        request._spends_scope = scope
    return scope
