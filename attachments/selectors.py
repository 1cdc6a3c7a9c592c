"""Reads of attachments: owner-scoped through their purchase."""

from attachments.models import Attachment
from purchases.models import Purchase


def attachment_purchase_get(*, owner, purchase_id) -> Purchase | None:
    """The owner's purchase with this id, plain (no joins or annotations), or None: another user's is None too."""
    return Purchase.objects.owned_by(owner).filter(pk=purchase_id).first()


def attachment_list(*, owner, purchase: Purchase | None = None):
    """The owner's attachments (of one purchase when given), newest first; ties by id for a stable page order."""
    attachments = Attachment.objects.filter(purchase__owner=owner)
    if purchase is not None:
        attachments = attachments.filter(purchase=purchase)
    return attachments.order_by("-created_at", "-id")
