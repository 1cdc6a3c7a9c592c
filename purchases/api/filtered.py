"""The purchase list's prepared read (issue #24, decision 3): a list GET filtered by the filters whose SQL only binds
their values reads its count and its page through SQL compiled once per filter shape, not once per request.

Why: compiling the list's count and page (the selector's joins, the chosen warranty's subquery, the effective-status
CASEs) and the FilterSet's lookup of a `retailer_id` / `brand_id` took most of a filtered list's time
(bench/RESULTS.md, "list 3 filters").

What stays as it is: django-filter parses and validates every parameter (the FilterSet's own form), and builds the
query (its filters, run once per shape on sentinel values: spends.prepared); purchases.representation renders the
objects (reads.render). Only the existence check of a chosen `retailer_id` / `brand_id` moves: it is an EXISTS in
the count's query, on the filter's own queryset. Anything else goes the generic way (`page` answers None), which
validates again and answers what it always did: an invalid parameter, an unknown retailer or brand (the 400 of
ModelChoiceFilter), a parameter this read does not take (search, price_min/max, include_total, format, unknown
ones), a deep page (spends.api.pagination.DEFERRED_JOIN_FROM).

Queries: one for the count (the existence checks in it), one for the page (none past the count), one for the page's
coverages (none for an empty page).
"""

from django import forms
from django_filters.constants import EMPTY_VALUES

from purchases import selectors
from purchases.filters import PurchaseFilterSet
from purchases.models import Purchase
from spends import clock
from spends.api.pagination import DEFERRED_JOIN_FROM, trim_joins
from spends.prepared import PreparedRead

from . import reads

# Filters whose value is only bound in the SQL (a slot of that kind), and those whose value shapes the SQL (part of
# the plan's key: a handful of values each).
_BOUND = {
    "retailer_id": "uuid",
    "brand_id": "uuid",
    "currency_code": "text",
    "status": "text",
    "date_from": "date",
    "date_to": "date",
}
_SHAPING = frozenset({"ordering", "has_warranty", "returnable", "warranty_status"})
_CHOSEN = ("retailer_id", "brand_id")  # ModelChoiceFilters: the count's query tells whether the chosen one exists
_TAKEN = frozenset({*_BOUND, *_SHAPING, "skip", "limit"})
_EXISTS = "{}__exists"  # the slot of a chosen id in its existence check (each sentinel is bound once)


def _filtered(key, household_id, values: dict):
    """The household's purchases filtered by the FilterSet's own filters, as django-filter's filter_queryset applies
    them (in the form's order), and the FilterSet."""
    today, shape = key
    queryset = selectors.purchase_list(household_id=household_id, today=today)
    filterset = PurchaseFilterSet(queryset=queryset)
    for name, shaping in shape:
        queryset = filterset.filters[name].filter(queryset, values[name] if name in _BOUND else shaping)
    return queryset, filterset


def _count_sql(key, household_id, **values):
    queryset, filterset = _filtered(key, household_id, values)
    counted = queryset.order_by().values("pk")
    trim_joins(counted.query)  # SQLite would compute the chosen warranty's subquery per counted row
    sql, params = counted.query.sql_with_params()
    columns, column_params = ["COUNT(*)"], []
    for name, _ in key[1]:
        if name in _CHOSEN:
            chosen = filterset.filters[name]
            to_field = chosen.extra.get("to_field_name") or "pk"
            exists = chosen.get_queryset(None).filter(**{to_field: values[_EXISTS.format(name)]}).values("pk")[:1]
            exists_sql, exists_params = exists.query.sql_with_params()
            columns.append(f"EXISTS({exists_sql})")
            column_params.extend(exists_params)
    return f"SELECT {', '.join(columns)} FROM ({sql}) counted", (*column_params, *params)  # noqa: S608


_COUNT = PreparedRead(_count_sql, slots=(), keep=64)
_PAGE = PreparedRead(
    lambda key, household_id, **values: reads.rows(_filtered(key, household_id, values)[0]), slots=(), keep=64
)


def _plain_int(raw, *, minimum: int, below: int | None = None) -> bool:
    """Whether a `skip` / `limit` is absent or an integer the paginator takes (and below `below`)."""
    if raw is None or raw == "":
        return True
    text = raw.strip()
    return text.isascii() and text.isdigit() and int(text) >= minimum and (below is None or int(text) < below)


# Per set of query keys (all of them taken here): PurchaseFilterSet's own form class for them (RequestedFiltersOnly
# picks the filters by the keys), a chosen retailer or brand checked as a UUID only. Built once: building the
# FilterSet and its form class (deep copies of the filters, their fields and labels) was most of the validation.
_FORMS: dict[frozenset, type] = {}


def _form_class(keys: frozenset) -> type:
    form_class = _FORMS.get(keys)
    if form_class is None:
        filterset = PurchaseFilterSet(data=dict.fromkeys(keys, ""), queryset=Purchase.objects.none())
        base = filterset.get_form_class()
        # Parsed as the model's UUIDField parses (uuid.UUID of the text as it is): the count checks that it exists.
        chosen = {name: forms.UUIDField(required=False, strip=False) for name in _CHOSEN if name in base.base_fields}
        form_class = type(base.__name__, (base,), chosen)
        if len(_FORMS) < 1024:
            _FORMS[keys] = form_class
    return form_class


def _validated(request) -> dict | None:
    """The cleaned values of the request's filters, by PurchaseFilterSet's form; a chosen retailer or brand only as
    a UUID (the count checks that it exists). None when any is invalid (the generic path then answers the 400)."""
    form = _form_class(frozenset(request.query_params.keys()))(request.query_params)
    if not form.is_valid():
        return None
    return {name: value for name, value in form.cleaned_data.items() if value not in EMPTY_VALUES}


def page(view, request) -> list[dict] | None:
    """The objects of the page that the view's paginator then answers (its count, skip and limit set), or None: the
    generic path. Called after the view's permission checks; the household is the request's scope's."""
    params = request.query_params
    if not params.keys() <= _TAKEN:
        return None
    if not (
        _plain_int(params.get("skip"), minimum=0, below=DEFERRED_JOIN_FROM)
        and _plain_int(params.get("limit"), minimum=1)
    ):
        return None
    cleaned = _validated(request)
    if cleaned is None:
        return None
    shape = tuple((name, None if name in _BOUND else _hashable(value)) for name, value in cleaned.items())
    key = (clock.today(), shape)
    values = {"household_id": view.scope.household_id}
    slots = {"household_id": "uuid"}
    for name, value in cleaned.items():
        if name in _BOUND:
            values[name], slots[name] = value, _BOUND[name]
        if name in _CHOSEN:
            values[_EXISTS.format(name)], slots[_EXISTS.format(name)] = value, "uuid"
    total, *exists = _COUNT.rows_of(key, values, slots)[0]
    if not all(exists):
        return None  # an unknown retailer or brand: ModelChoiceFilter's 400
    paginator = view.paginator
    if not paginator.counted(request, total):
        return []
    tail = (" LIMIT %s OFFSET %s", [paginator.limit, paginator.offset])
    page_slots = {name: kind for name, kind in slots.items() if name.removesuffix("__exists") == name}
    return reads.render(_PAGE.rows_of(key, values, page_slots, tail=tail))


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value
