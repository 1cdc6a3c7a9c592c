"""Every API error as the contract's body: {"detail", "code", "errors"?} (API.md § Errors)."""

import logging

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from spends.exceptions import Conflict

logger = logging.getLogger(__name__)

# PostgreSQL SQLSTATEs of a transaction that lost a race and may simply be tried again: serialization failure,
# deadlock detected, lock not available (lock_timeout). SQLite says "database is locked" when its busy timeout ends.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
TRANSIENT_DETAIL = "The database was busy with another change at the same moment and nothing was saved. Try again."
RETRY_AFTER_SECONDS = 1


def is_transient(exc: BaseException) -> bool:
    """True for a database error that says "another transaction was in the way", not "your request is wrong": the
    whole transaction was rolled back, so answering 503 (try again) changes nothing."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) in TRANSIENT_SQLSTATES:
        return True
    return "database is locked" in str(exc) or "database table is locked" in str(exc)


def transient_body() -> dict:
    return error_body(503, TRANSIENT_DETAIL)


CODES = {
    400: "validation_error",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "throttled",
    500: "server_error",
    503: "service_unavailable",
}


def error_body(status_code: int, detail: str, *, code: str | None = None, errors=None) -> dict:
    body = {"detail": str(detail), "code": code or CODES.get(status_code, "error")}
    if errors is not None:
        body["errors"] = errors
    return body


def json_error(status_code: int, detail: str, *, code: str | None = None, errors=None) -> JsonResponse:
    """The error body for plain Django views and middleware (outside DRF)."""
    return JsonResponse(error_body(status_code, detail, code=code, errors=errors), status=status_code)


def _validation_errors(detail) -> dict:
    if isinstance(detail, dict):
        return detail
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {"non_field_errors": [detail]}


def _summary(errors: dict) -> str:
    """A human-readable one-liner naming the fields at fault."""
    fields = [name for name in errors if name != "non_field_errors"]
    if not fields:
        first = errors.get("non_field_errors") or ["Invalid input."]
        return str(first[0]) if isinstance(first, list) and first else "Invalid input."
    return "Invalid input: " + ", ".join(fields) + "."


def exception_handler(exc, context):
    """DRF exception handler: maps DRF, Django and domain exceptions to the contract's body."""
    if isinstance(exc, DjangoValidationError):
        errors = as_serializer_error(exc)
        if NON_FIELD_ERRORS in errors:
            errors["non_field_errors"] = errors.pop(NON_FIELD_ERRORS)
        # A service validating a nested object (a purchase's warranty) names it, so errors nest as the contract says.
        # A prefix may be a path: ("warranties", "1") for the second item of a purchase's `warranties`.
        prefix = getattr(exc, "field_prefix", None)
        for part in reversed((prefix,) if isinstance(prefix, str) else prefix or ()):
            errors = {part: errors}
        exc = exceptions.ValidationError(errors)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return Response(error_body(413, "The request body is too large."), status=413)
    elif isinstance(exc, TooManyFieldsSent):
        return Response(error_body(400, "Too many fields in the request."), status=400)
    elif isinstance(exc, (ProtectedError, RestrictedError)):
        return Response(
            error_body(409, "This object is still referenced by other records and cannot be deleted."),
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, Conflict):
        return Response(error_body(409, exc.detail), status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, IntegrityError):
        logger.warning("IntegrityError answered as 409: %s", exc)
        return Response(error_body(409, "The change conflicts with existing data."), status=status.HTTP_409_CONFLICT)
    elif is_transient(exc):
        logger.warning("A transient database error answered as 503: %s", exc)
        return Response(transient_body(), status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: ApiErrorMiddleware answers a JSON 500 and logs it

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    code = exc.status_code
    if isinstance(exc, exceptions.ValidationError):
        errors = _validation_errors(exc.detail)
        body = error_body(400, _summary(errors), errors=errors)
    elif isinstance(exc, exceptions.ParseError):
        body = error_body(400, exc.detail, code="parse_error")
    elif isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        code = 401
        body = error_body(401, exc.detail)
    else:
        detail = exc.detail if isinstance(exc.detail, str) else "Request failed."
        body = error_body(code, detail)
    return Response(body, status=code, headers=headers)
