"""Reads of warranties: always scoped to one household (through the purchase) and annotated with the effective
status for today (UTC)."""

from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from spends import clock
from warranties.models import Claim, Warranty, effective_status_expressions


def warranty_list(*, household_id, today=None):
    """The household's warranties with `purchase` joined and `effective_status` / `days_remaining` / `claim_count`
    annotated.

    Default order: warranty_end ascending with LIFETIME (no end) last, then newest created.
    """
    return (
        Warranty.objects.in_household(household_id)
        .select_related("purchase")
        .with_effective_status(today)
        .annotate(claim_count=claim_count_annotation())
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


def purchase_row_annotations(*, today=None) -> dict:
    """`warranty_effective_status` / `warranty_days_remaining` of a purchase's nested warranty (null without one),
    for `today`. Registered with purchases.selectors.register_row_annotations in WarrantiesConfig.ready()."""
    return effective_status_expressions(prefix="warranty__", alias="warranty_", today=today)


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
