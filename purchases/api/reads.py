"""The lean GET path of purchases (issue #24, decision 3): the list and one purchase read as plain rows and rendered by
purchases.representation, the one representation module, without model instances, the serializer's field walk or
DRF's generic get_object.

The objects are those of PurchaseSerializer (tests/purchases/test_lean_reads.py compares them on every kind of row),
so the OpenAPI schema, still generated from the serializer, describes them. Scoping stays with the caller:
spends.api.viewsets.ScopedModelViewSet passes the rows of its scoped queryset, or its scope's household, and nothing
else. Queries: one for the rows, one for their coverages (none for an empty page), as the prefetch did.
"""

from purchases import selectors
from purchases.representation import LOOKUPS, WARRANTY_ROW_LOOKUPS, purchase_object, warranty_row_object
from spends import clock
from spends.prepared import PreparedRead
from warranties import selectors as warranty_selectors
from warranties.models import Warranty

_PURCHASE_LOOKUPS = tuple(LOOKUPS.values())
_ID, _NAME = list(LOOKUPS).index("id"), list(LOOKUPS).index("product_name")


def rows(queryset):
    """A `selectors.purchase_list` queryset (filtered, ordered) as plain rows of LOOKUPS' values, for the paginator:
    no attachment-count subquery compiled or computed except for the page, no model instances."""
    return queryset.prefetch_related(None).values_list(*_PURCHASE_LOOKUPS)


def _objects(page: list[tuple], coverages: list[tuple]) -> list[dict]:
    by_purchase: dict = {}
    for purchase_id, *values in coverages:
        by_purchase.setdefault(purchase_id, []).append(values)
    return [
        purchase_object(
            row, [warranty_row_object(row[_ID], row[_NAME], values) for values in by_purchase.get(row[_ID], ())]
        )
        for row in page
    ]


# A page's coverages: compiled once per day and page size (1..100), the page's ids bound (spends.prepared).
_SLOTS = tuple(f"id{index}" for index in range(100))
_PAGE_COVERAGES = PreparedRead(
    lambda key, **ids: warranty_selectors.coverage_rows(
        Warranty.objects.filter(purchase_id__in=list(ids.values())), fields=WARRANTY_ROW_LOOKUPS, today=key[0]
    ),
    slots=(),
    keep=2 * len(_SLOTS),
)


def render(page: list[tuple]) -> list[dict]:
    """The purchase objects of a page of `rows()`: one more query reads the page's coverages (in the API's order)."""
    if not page:
        return []
    slots = _SLOTS[: len(page)]
    ids = {slot: row[_ID] for slot, row in zip(slots, page, strict=False)}
    return _objects(page, _PAGE_COVERAGES.rows_of((clock.today(), len(page)), ids, slots))


# The detail's two queries, compiled once per day and connection (spends.prepared): the household and the id are
# bound parameters of every run, and the coverages are read only for a purchase found in the household.
_DETAIL = PreparedRead(
    lambda today, household_id, pk: rows(selectors.purchase_list(household_id=household_id, today=today).filter(pk=pk)),
    slots=("household_id", "pk"),
)
_DETAIL_COVERAGES = PreparedRead(
    lambda today, pk: warranty_selectors.coverage_rows(
        Warranty.objects.filter(purchase_id=pk), fields=WARRANTY_ROW_LOOKUPS, today=today
    ),
    slots=("pk",),
)


def get(*, household_id, pk) -> dict | None:
    """The object of the household's purchase `pk` (a UUID or its text), or None when the household has none."""
    today = clock.today()
    found = _DETAIL.rows(today, household_id=household_id, pk=pk)
    if not found:
        return None
    return _objects(found, _DETAIL_COVERAGES.rows(today, pk=pk))[0]


def page(view, request) -> list[dict] | None:
    """A filtered list's page through SQL compiled once per filter shape, or None (purchases.api.filtered)."""
    from . import filtered  # it reads and renders through this module

    return filtered.page(view, request)
