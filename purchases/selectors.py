"""Reads of purchases: owner-scoped, FKs joined, warranty status and counts annotated in SQL."""

from django.db.models import IntegerField, Value

from purchases.models import Purchase
from warranties.models import effective_status_expressions


def purchase_list(*, owner, today=None):
    """The owner's purchases, default order newest `purchase_date` then newest created.

    Joined: retailer, brand, warranty (one query for a whole page). Annotated: `attachment_count`, and the
    nested warranty's `warranty_effective_status` / `warranty_days_remaining` for today (UTC).
    """
    return (
        Purchase.objects.owned_by(owner)
        .select_related("retailer", "brand", "warranty")
        .annotate(
            # Attachments arrive with the attachments issue; until then every purchase has none.
            attachment_count=Value(0, output_field=IntegerField()),
            **effective_status_expressions(prefix="warranty__", alias="warranty_", today=today),
        )
        .order_by("-purchase_date", "-created_at", "id")
    )
