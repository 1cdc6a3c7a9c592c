"""The contract's pagination: `?skip=&limit=` in, `{"total", "skip", "limit", "items"}` out (API.md § Pagination).

Kept free of view imports: DRF reads DEFAULT_PAGINATION_CLASS while generic views are being defined.
"""

from django.db.models import QuerySet
from django.db.models.sql.constants import LOUTER
from django.db.models.sql.datastructures import Join
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# A request with `search` counts at most this many matches (API.md § Pagination, issue #24): counting every match of
# a common term visited most of the household's rows and was most of the search's time at 1M rows (bench/RESULTS.md).
SEARCH_COUNT_CAP = 1000
# From this `skip` on, a page is read as a deferred join (page_rows): below it OFFSET on the full row costs little.
DEFERRED_JOIN_FROM = 200
TRUE_VALUES = {"true", "1", "yes"}
FALSE_VALUES = {"false", "0", "no"}


def parse_non_negative_int(raw, name: str, *, minimum: int) -> int:
    text = str(raw).strip()
    # ASCII digits only: int() would also take "５" (full-width) or "1_0".
    if not text.lstrip("-").isascii() or not text.lstrip("-").isdigit():
        raise ValidationError({name: [f"Must be an integer (at least {minimum})."]})
    value = int(text)
    if value < minimum:
        raise ValidationError({name: [f"Must be at least {minimum}."]})
    return value


def parse_bool(raw, name: str, *, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    text = str(raw).strip().lower()
    if text in TRUE_VALUES:
        return True
    if text in FALSE_VALUES:
        return False
    raise ValidationError({name: ["Must be true or false."]})


def page_rows(queryset, offset: int, limit: int, rows=None) -> list:
    """The items `offset`..`offset + limit` of `queryset`, in its order: its objects, or `rows(page queryset)`'s
    (a view's plain rows: spends.api.viewsets.ScopedModelViewSet.reader).

    A deep page is a deferred join: the page's ids come from the ordering's index alone (an index-only scan that
    skips `offset` entries without reading their rows, joins or per-row subqueries), then one outer query reads
    those rows whole, in the same ORDER BY. OFFSET on the full row computed every skipped row's joins and
    annotations first (85 ms against 2.7 ms for skip=9900 at 10k rows, #24). Still one query (the ids are its
    subquery). The order is exact as long as the ordering is total (every list ends on a unique key: purchases
    "-purchase_date, -created_at, id")."""
    if offset >= DEFERRED_JOIN_FROM and _keyed(queryset):
        page = queryset.filter(pk__in=_page_keys(queryset, offset, limit))
    else:
        page = queryset[offset : offset + limit]
    return list(page if rows is None else rows(page))


def _keyed(queryset) -> bool:
    """Whether a page of `queryset` can be read by its ids: an ordered model queryset, one row per id (no DISTINCT,
    GROUP BY or UNION, whose ids subquery would not be that of the rows)."""
    if not isinstance(queryset, QuerySet) or not queryset.ordered:
        return False
    query = queryset.query
    return not (query.distinct or query.combinator or query.group_by is not None or query.is_sliced)


def _page_keys(queryset, offset: int, limit: int):
    """The ids of the page, as a subquery that joins only what its WHERE and ORDER BY use (trim_joins)."""
    keys = queryset.values("pk")[offset : offset + limit]
    trim_joins(keys.query)
    return keys


def trim_joins(query) -> None:
    """Leave out of `query` (a values() query) the LEFT JOINs that its WHERE and ORDER BY do not use.

    A LEFT JOIN that neither filters nor orders can only add columns to a row (the selectors' joins are to-one:
    retailer, brand, the chosen warranty), so it is left out; PostgreSQL drops such a join to a unique key by itself,
    SQLite does not, and the chosen warranty's join runs a correlated subquery per row."""
    order = [query.annotations.get(str(name).lstrip("-"), name) for name in query.order_by]
    used = set(query._gen_col_aliases([query.where, *(o for o in order if not isinstance(o, str))]))
    needed, todo = set(), list(used)
    while todo:  # a used join needs the joins it hangs from
        alias = todo.pop()
        if alias in needed or alias not in query.alias_map:
            continue
        needed.add(alias)
        parent = getattr(query.alias_map[alias], "parent_alias", None)
        if parent:
            todo.append(parent)
    for alias, join in query.alias_map.items():
        if isinstance(join, Join) and join.join_type == LOUTER and alias not in needed:
            query.alias_refcount[alias] = 0


class SkipLimitPagination(LimitOffsetPagination):
    """`limit` 1..100 (larger values clamped to 100), `skip` >= 0; anything else is a 400, never a silent default.
    `include_total=false` skips the count (`total` null); with `search` the count stops at SEARCH_COUNT_CAP."""

    limit_query_param = "limit"
    offset_query_param = "skip"
    include_total_query_param = "include_total"
    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT
    total_exact = True

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

    def get_count(self, queryset):
        """`total` of this request (None with include_total=false), and whether it is exact (False at the cap)."""
        self.total_exact = True
        if not parse_bool(
            self.request.query_params.get(self.include_total_query_param), self.include_total_query_param, default=True
        ):
            return None
        if not isinstance(queryset, QuerySet):
            return len(queryset)
        if (self.request.query_params.get("search") or "").strip():
            # COUNT over at most cap + 1 ids: one more than the cap tells "more than 1,000" from "exactly 1,000".
            found = queryset.values("pk").order_by()[: SEARCH_COUNT_CAP + 1].count()
            if found > SEARCH_COUNT_CAP:
                self.total_exact = False
                return SEARCH_COUNT_CAP
            return found
        return queryset.count()

    def paginate_queryset(self, queryset, request, view=None, rows=None):
        """The page of `queryset` (counted as the contract says); `rows`: see page_rows."""
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)
        self.count = self.get_count(queryset)
        # Past an exact total nothing is left; a capped total is a lower bound, so the page is read.
        if self.count is not None and self.total_exact and self.offset >= self.count:
            return []
        return page_rows(queryset, self.offset, self.limit, rows)

    def counted(self, request, count: int) -> bool:
        """For a view that counts and reads its page itself (a prepared read, without `include_total` or `search`):
        record its exact `count` and this request's `limit` and `skip`. Whether a page is left to read."""
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)
        self.count, self.total_exact = count, True
        return self.offset < count

    def get_paginated_response(self, data):
        body = {"total": self.count, "skip": self.offset, "limit": self.limit, "items": data}
        if not self.total_exact:
            body = {"total": self.count, "total_exact": False, "skip": self.offset, "limit": self.limit, "items": data}
        return Response(body)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["total", "skip", "limit", "items"],
            "properties": {
                "total": {
                    "type": "integer",
                    "nullable": True,
                    "example": 137,
                    "description": "Items matching the filters. With `search`, counted up to 1,000 (then "
                    "`total_exact` is false); null with `include_total=false`.",
                },
                "total_exact": {
                    "type": "boolean",
                    "example": False,
                    "description": "Present only when the count stopped at the cap of a `search` (1,000), and then "
                    "false: at least that many items match. Absent, `total` is exact.",
                },
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
            {
                "name": "include_total",
                "required": False,
                "in": "query",
                "description": "false: skip the count (`total` is null), for clients paging through everything "
                "(the export endpoints read everything in one response).",
                "schema": {"type": "boolean", "default": True},
            },
        ]
