"""Middleware that keeps every /api/ error in the contract's JSON body, whatever DEBUG says."""

import logging

from django.core.exceptions import RequestDataTooBig

from spends.api.exceptions import json_error

logger = logging.getLogger("spends.api")

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
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return json_error(500, "Server error. The problem has been logged.")
