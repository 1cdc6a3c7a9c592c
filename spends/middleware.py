"""Middleware that keeps every /api/ error in the contract's JSON body, whatever DEBUG says."""

import logging
import re
import time
import uuid

from django.core.exceptions import RequestDataTooBig

from spends.api.exceptions import RETRY_AFTER_SECONDS, TRANSIENT_DETAIL, is_transient, json_error
from spends.logging import request_id_var

logger = logging.getLogger("spends.api")
request_logger = logging.getLogger("spends.requests")

# An incoming X-Request-ID (from a proxy) is kept when it is short and plain; otherwise we make one.
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestLogMiddleware:
    """One log line per request: request id, user id, method, path, status, duration. Echoes X-Request-ID."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            user = getattr(request, "user", None)
            user_id = user.pk if user is not None and user.is_authenticated else "-"
            level = logging.ERROR if response.status_code >= 500 else logging.INFO
            request_logger.log(
                level,
                "%s %s %s user=%s %.1fms",
                request.method,
                request.path,
                response.status_code,
                user_id,
                (time.monotonic() - started) * 1000,
            )
            return response
        finally:
            request_id_var.reset(token)


API_PREFIX = "/api/"
# Pages under /api/ that are HTML by design.
HTML_PATHS = ("/api/docs", "/api/redoc")


class ApiErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not request.path.startswith(HTML_PATHS)
            and "json" not in response.get("Content-Type", "")
            and not getattr(response, "streaming", False)
            and not hasattr(response, "data")  # a DRF response (JSON or the browsable API) is already right
        ):
            # An error produced outside DRF (Django's 400/403/404/500 pages, the CSRF failure view): same body.
            status = response.status_code
            detail = {
                400: "Bad request.",
                403: "You do not have permission to perform this action.",
                404: "Not found.",
                405: "Method not allowed.",
                413: "The request body is too large.",
            }.get(status, "Server error." if status >= 500 else "Request failed.")
            return json_error(status, detail)
        return response

    def process_exception(self, request, exception):
        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, RequestDataTooBig):
            return json_error(413, "The request body is too large.")
        if is_transient(exception):  # a plain Django view under /api lost a race: as DRF's handler answers it
            logger.warning("A transient database error answered as 503: %s", exception)
            response = json_error(503, TRANSIENT_DETAIL)
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return json_error(500, "Server error. The problem has been logged.")
