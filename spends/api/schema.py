"""drf-spectacular hooks: canonical paths and the contract's error responses on every operation."""

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import SAFE_METHODS, AllowAny

from spends.api.permissions import IsStaff
from spends.api.serializers import ErrorSerializer
from spends.api.viewsets import HouseholdWritePermission

ERROR_DESCRIPTIONS = {
    "400": "Invalid input (validation_error / parse_error); nothing was changed.",
    "401": "Not authenticated (not_authenticated).",
    "403": "Not allowed (permission_denied), e.g. a staff-only change.",
    "404": "Not found, or not your household's (not_found).",
    "409": "Conflict with stored data (conflict).",
    "503": "The database was busy with another change at the same moment (service_unavailable): nothing was saved; "
    "try again after the Retry-After header's seconds.",
}

VIEWER_403 = (
    "Not allowed (permission_denied): your role in the household is VIEWER, which reads, exports and downloads but "
    "changes nothing (API.md § Households)."
)


class ContractAutoSchema(AutoSchema):
    """Adds the error responses every endpoint can give, in the contract's error body, unless declared."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        codes = []
        household_write = False
        if not public:
            takes_input = (
                self.method in ("POST", "PUT", "PATCH")
                or self._is_list_view()
                or bool(getattr(self.view, "filterset_class", None))
            )
            catalog = "/retailers" in self.path or "/brands" in self.path
            if takes_input:
                codes.append("400")
            codes.append("401")
            if "{" in self.path:
                codes.append("404")
            staff_only = any(isinstance(p, IsStaff) for p in self.view.get_permissions())
            household_write = self.method not in SAFE_METHODS and any(
                isinstance(p, HouseholdWritePermission) for p in self.view.get_permissions()
            )
            if staff_only or household_write or (catalog and self.method in ("PUT", "PATCH", "DELETE")):
                codes.append("403")
            if catalog and self.method == "DELETE":
                codes.append("409")
            if self.method not in SAFE_METHODS:
                codes.append("503")  # a write that lost a race with another transaction (spends.api.exceptions)
        for code in codes:
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[code]
                if code == "403" and household_write:
                    response["description"] = VIEWER_403
                responses[code] = response
        return responses


def strip_optional_slash(result, generator, request, public):
    """Routes accept an optional trailing slash; the schema shows the canonical path, without one."""
    paths = {}
    for path, item in result.get("paths", {}).items():
        canonical = path.replace("/?", "").rstrip("/") or "/"
        paths[canonical] = item
    result["paths"] = paths
    return result
