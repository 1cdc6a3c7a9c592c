"""Reads of warranties: always scoped to one household (through the purchase) and annotated with the effective
status for today (UTC). Also what every purchase_list row gets of its coverages: the chosen `warranty` (a join on
the coverage that protects longest, picked in SQL) and the prefetched `warranties` (one query per page)."""

import datetime

from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from spends import clock
from warranties.choices import ClaimStatus, WarrantyType
from warranties.models import Claim, Warranty, effective_status_expressions

# The order of a purchase's `warranties`: by end, LIFETIME (no end) last, then oldest created.
COVERAGE_ORDER = (F("warranty_end").asc(nulls_last=True), "created_at", "id")


def warranty_annotations(*, prefix: str = "", alias: str = "") -> dict:
    """Annotations every warranty object carries besides its effective status: `claim_count`. The one place for
    them: a Warranty query uses the defaults; a purchase_list row reaches its chosen warranty with
    prefix="warranty__", alias="warranty_"."""
    return {f"{alias}claim_count": claim_count_annotation(warranty_ref=f"{prefix}id" if prefix else "pk")}


def warranty_list(*, household_id, today=None):
    """The household's warranties with `purchase` joined and `effective_status` / `days_remaining` / `claim_count`
    annotated.

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


def coverage_sort_key(warranty) -> tuple:
    """COVERAGE_ORDER in Python (for coverages in memory): by end, LIFETIME (no end) last, then oldest created, id."""
    end = warranty.warranty_end
    return (end is None, end or datetime.date.min, warranty.created_at, warranty.pk)


def chosen_warranty(warranties):
    """chosen_warranty_id's choice among coverages in memory (LIFETIME first, then the latest end with no end first,
    then the latest created, then the greatest id), or None without any."""

    def protects(warranty):
        end = warranty.warranty_end
        return (warranty.warranty_type == WarrantyType.LIFETIME, end is None, end or datetime.date.min,
                warranty.created_at, warranty.pk)  # fmt: skip

    return max(warranties, key=protects, default=None)


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


def claim_count_annotation(*, warranty_ref: str = "pk"):
    """`claim_count` of a warranty as one SQL expression: the number of its claims, 0 without any.

    `warranty_ref` names the warranty's id in the outer query ("pk" on a warranty queryset). A correlated subquery
    rather than a JOIN + COUNT: it cannot multiply the rows (or other aggregates) of the query it is added to.
    """
    counts = (
        Claim.objects.filter(warranty_id=OuterRef(warranty_ref))
        .order_by()
        .values("warranty_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def claim_list(*, household_id):
    """The household's claims (through warranty → purchase), with `warranty__purchase` joined (the services read the
    household and the warranty from it). Newest opened first, then newest created."""
    return (
        Claim.objects.filter(warranty__purchase__household_id=household_id)
        .select_related("warranty__purchase")
        .order_by("-opened_on", "-created_at", "id")
    )


def claim_warranty_get(*, household_id, warranty_id) -> Warranty | None:
    """The household's warranty `warranty_id` (its purchase joined), or None when there is none in this household."""
    return Warranty.objects.in_household(household_id).select_related("purchase").filter(pk=warranty_id).first()


def claim_open_count(*, household_id) -> int:
    """How many of the household's claims are still OPEN (the admin dashboard's "claims open"). One query."""
    return Claim.objects.filter(warranty__purchase__household_id=household_id, status=ClaimStatus.OPEN).count()


def coverage_export_rows(*, purchase_ids, fields, today=None) -> list[tuple]:
    """The coverages of the purchases `purchase_ids` (one page of an export) as plain tuples: `purchase_id`, then
    `fields` (lookups of a warranty_list row: its fields, effective_status, days_remaining; claim_count only when
    asked for), each purchase's in COVERAGE_ORDER (the purchase object's `warranties`). One query."""
    return list(coverage_rows(Warranty.objects.filter(purchase_id__in=purchase_ids), fields=fields, today=today))


def coverage_rows(queryset, *, fields, today=None):
    """`queryset` (coverages) as coverage_export_rows gives them, not yet evaluated: a values_list() of `purchase_id`
    and `fields`, by purchase then COVERAGE_ORDER."""
    queryset = queryset.with_effective_status(today)
    if "claim_count" in fields:
        queryset = queryset.annotate(**warranty_annotations())
    return queryset.order_by("purchase_id", *COVERAGE_ORDER).values_list("purchase_id", *fields)


# The order of a warranty's claims in an export: the claim list's (newest opened first).
CLAIM_ORDER = ("-opened_on", "-created_at", "id")


def claim_export_rows(*, purchase_ids, fields) -> list[tuple]:
    """The claims on the coverages of the purchases `purchase_ids` as plain tuples: `warranty_id`, then `fields`,
    in CLAIM_ORDER per warranty. One query."""
    return list(
        Claim.objects.filter(warranty__purchase_id__in=purchase_ids)
        .order_by("warranty_id", *CLAIM_ORDER)
        .values_list("warranty_id", *fields)
    )
