"""Reads of attachments: scoped to one household through their purchase (an attachment has no household of its
own)."""

from attachments.models import Attachment
from purchases.models import Purchase


def attachment_purchase_get(*, household_id, purchase_id) -> Purchase | None:
    """The household's purchase with this id, plain (no joins or annotations), or None: another household's is None
    too."""
    return Purchase.objects.in_household(household_id).filter(pk=purchase_id).first()


def attachment_list(*, household_id, purchase: Purchase | None = None):
    """The household's attachments (of one purchase when given), newest first; ties by id for a stable page order."""
    attachments = Attachment.objects.filter(purchase__household_id=household_id)
    if purchase is not None:
        attachments = attachments.filter(purchase=purchase)
    return attachments.order_by("-created_at", "-id")
