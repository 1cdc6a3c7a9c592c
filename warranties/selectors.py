"""Reads of warranties: always scoped to one household (through the purchase) and annotated with the effective
status for today (UTC). Also what every purchase_list row gets of its coverages: the chosen `warranty` (a join on
the coverage that protects longest, picked in SQL) and the prefetched `warranties` (one query per page)."""

from django.db.models import Case, F, FilteredRelation, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When

from spends import clock
from warranties.choices import WarrantyType
from warranties.models import Warranty, effective_status_expressions

# The order of a purchase's `warranties`: by end, LIFETIME (no end) last, then oldest created.
COVERAGE_ORDER = (F("warranty_end").asc(nulls_last=True), "created_at", "id")


def warranty_annotations(*, prefix: str = "", alias: str = "") -> dict:
    """Annotations every warranty object carries besides its effective status: `claim_count`. The one place for
    them: a Warranty query uses the defaults; a purchase_list row reaches its chosen warranty with
    prefix="warranty__", alias="warranty_". (A placeholder 0 until claims exist: their count replaces it here.)"""
    return {f"{alias}claim_count": Value(0, output_field=IntegerField())}


def warranty_list(*, household_id, today=None):
    """The household's warranties with `purchase` joined and `effective_status` / `days_remaining` /
    `claim_count` annotated.

    Default order: warranty_end ascending with LIFETIME (no end) last, then newest created.
    """
    return (
        Warranty.objects.in_household(household_id)
        .select_related("purchase")
        .with_effective_status(today)
        .annotate(**warranty_annotations())
        .order_by(F("warranty_end").asc(nulls_last=True), "-created_at", "id")
    )


def warranty_expiring(*, household_id, days: int, today=None):
    """ACTIVE warranties ending from today to today+days inclusive, soonest first."""
    today = today or clock.today()
    return (
        warranty_list(household_id=household_id, today=today)
        .expiring_between(today, days)
        .order_by("warranty_end", "-created_at", "id")
    )


def chosen_warranty_id():
    """The id of the coverage of the purchase `OuterRef("pk")` that protects longest: LIFETIME first, then the
    latest warranty_end (no end first), then the latest created (API.md § Version 2). A correlated subquery, served
    by the purchase_id index; `id` breaks the last ties so every query picks the same row."""
    lifetime_first = Case(When(warranty_type=WarrantyType.LIFETIME, then=Value(1)), default=Value(0))
    return Subquery(
        Warranty.objects.filter(purchase=OuterRef("pk"))
        .order_by(lifetime_first.desc(), F("warranty_end").desc(nulls_first=True), "-created_at", "-id")
        .values("pk")[:1]
    )


def chosen_warranty_relation() -> FilteredRelation:
    """`warranty` on a purchase: its chosen coverage (chosen_warranty_id) as a relation that joins at most one row,
    so `warranty__<field>` lookups, select_related("warranty") and values_list() read it in the purchase's query."""
    return FilteredRelation("warranties", condition=Q(warranties__id=chosen_warranty_id()))


def purchase_row_annotations(*, today=None) -> dict:
    """What every purchase_list row carries of its coverages, for `today`: the `warranty` relation (the chosen one,
    null without any), its `warranty_effective_status` / `warranty_days_remaining` / `warranty_claim_count`.
    Registered with purchases.selectors.register_row_annotations in WarrantiesConfig.ready()."""
    return {
        "warranty": chosen_warranty_relation(),
        **effective_status_expressions(prefix="warranty__", alias="warranty_", today=today),
        **warranty_annotations(prefix="warranty__", alias="warranty_"),
    }


def purchase_row_prefetch(*, today=None) -> Prefetch:
    """The purchase's `warranties` for a purchase_list page: one query for the whole page, each annotated like a
    warranty_list row and in COVERAGE_ORDER."""
    queryset = (
        Warranty.objects.with_effective_status(today).annotate(**warranty_annotations()).order_by(*COVERAGE_ORDER)
    )
    return Prefetch("warranties", queryset=queryset)
