"""Reads of purchases and their attachments: owner-scoped, FKs joined, warranty status and counts annotated in SQL."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from purchases.models import Attachment, Purchase
from warranties.models import effective_status_expressions


def _attachment_count():
    # A correlated subquery (one COUNT per row, served by the (purchase, created_at) index), not a JOIN + GROUP BY
    # that would multiply with the other joins and group every selected column.
    counts = (
        Attachment.objects.filter(purchase=OuterRef("pk"))
        .order_by()
        .values("purchase")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def purchase_list(*, owner, today=None):
    """The owner's purchases, default order newest `purchase_date` then newest created.

    Joined: retailer, brand, warranty (one query for a whole page). Annotated: `attachment_count`, and the
    nested warranty's `warranty_effective_status` / `warranty_days_remaining` for today (UTC).
    """
    return (
        Purchase.objects.owned_by(owner)
        .select_related("retailer", "brand", "warranty")
        .annotate(
            attachment_count=_attachment_count(),
            **effective_status_expressions(prefix="warranty__", alias="warranty_", today=today),
        )
        .order_by("-purchase_date", "-created_at", "id")
    )


def attachment_purchase_get(*, owner, purchase_id) -> Purchase | None:
    """The owner's purchase with this id, plain (no joins or annotations), or None: another user's is None too."""
    return Purchase.objects.owned_by(owner).filter(pk=purchase_id).first()


def attachment_list(*, owner, purchase: Purchase | None = None):
    """The owner's attachments (of one purchase when given), newest first; ties by id for a stable page order."""
    attachments = Attachment.objects.filter(purchase__owner=owner)
    if purchase is not None:
        attachments = attachments.filter(purchase=purchase)
    return attachments.order_by("-created_at", "-id")
