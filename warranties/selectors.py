"""Reads of warranties: always scoped to one household (through the purchase) and annotated with the effective
status for today (UTC)."""

from django.db.models import F

from spends import clock
from warranties.models import Warranty, effective_status_expressions


def warranty_list(*, household_id, today=None):
    """The household's warranties with `purchase` joined and `effective_status` / `days_remaining` annotated.

    Default order: warranty_end ascending with LIFETIME (no end) last, then newest created.
    """
    return (
        Warranty.objects.in_household(household_id)
        .select_related("purchase")
        .with_effective_status(today)
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
