"""The contract's pagination: `?skip=&limit=` in, `{"total", "skip", "limit", "items"}` out.

Kept free of view imports: DRF reads DEFAULT_PAGINATION_CLASS while generic views are being defined.
"""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def parse_non_negative_int(raw, name: str, *, minimum: int) -> int:
    text = str(raw).strip()
    # ASCII digits only: int() would also take "５" (full-width) or "1_0".
    if not text.lstrip("-").isascii() or not text.lstrip("-").isdigit():
        raise ValidationError({name: [f"Must be an integer (at least {minimum})."]})
    value = int(text)
    if value < minimum:
        raise ValidationError({name: [f"Must be at least {minimum}."]})
    return value


class SkipLimitPagination(LimitOffsetPagination):
    """`limit` 1..100 (larger values clamped to 100), `skip` >= 0; anything else is a 400, never a silent default."""

    limit_query_param = "limit"
    offset_query_param = "skip"
    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    def get_limit(self, request):
        raw = request.query_params.get(self.limit_query_param)
        if raw is None or raw == "":
            return self.default_limit
        return min(parse_non_negative_int(raw, self.limit_query_param, minimum=1), self.max_limit)

    def get_offset(self, request):
        raw = request.query_params.get(self.offset_query_param)
        if raw is None or raw == "":
            return 0
        return parse_non_negative_int(raw, self.offset_query_param, minimum=0)

    def get_paginated_response(self, data):
        return Response({"total": self.count, "skip": self.offset, "limit": self.limit, "items": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["total", "skip", "limit", "items"],
            "properties": {
                "total": {"type": "integer", "example": 137, "description": "Items matching the filters."},
                "skip": {"type": "integer", "example": 0},
                "limit": {"type": "integer", "example": 20},
                "items": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "skip",
                "required": False,
                "in": "query",
                "description": "Number of items to skip (>= 0).",
                "schema": {"type": "integer", "minimum": 0, "default": 0},
            },
            {
                "name": "limit",
                "required": False,
                "in": "query",
                "description": "Page size, 1..100 (larger values are clamped to 100).",
                "schema": {"type": "integer", "minimum": 1, "default": DEFAULT_LIMIT},
            },
        ]
