"""Sign-in lockout with django-axes, for every sign-in: the admin's form and the API's login and token endpoints.

Failed attempts are recorded in the database (AccessAttempt; the cache may be down) under the client address
(spends.api.client_ip, the one rule for X-Forwarded-For) and the username. AXES_FAILURE_LIMIT failures for one
address, or for one username from anywhere, lock that address or username out for AXES_COOLOFF_TIME; a locked-out
attempt is refused before the password is checked and answered 429. `manage.py axes_reset` (or deleting the access
attempts in the admin) unlocks.
"""

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_cool_off
from django.shortcuts import render

from spends.api.exceptions import json_error

MESSAGE = "Too many failed sign-in attempts. Try again later, or ask an administrator to unlock the account."


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check before any password is tried; it also marks the request, so a view can tell a locked-out attempt
    (429) from wrong credentials (400). First in AUTHENTICATION_BACKENDS."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        try:
            return super().authenticate(request, username, password, **kwargs)
        except AxesBackendPermissionDenied:
            request.signin_locked_out = True
            raise


def is_locked_out(request) -> bool:
    """Whether the last authenticate(request, ...) was refused by the lockout."""
    return getattr(request, "signin_locked_out", False)


def retry_after(request=None) -> int:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds()) if cool_off else 0


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: what AxesMiddleware answers a locked-out sign-in outside DRF (the admin's form)."""
    if request.path.startswith("/api/"):
        response = json_error(429, MESSAGE)
    else:
        response = render(request, "spends/locked_out.html", {"message": MESSAGE}, status=429)
    if seconds := retry_after(request):
        response["Retry-After"] = str(seconds)
    return response
