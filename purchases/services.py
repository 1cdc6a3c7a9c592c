"""Writes to purchases, each in one transaction with the owner's data-version bump. A purchase with its nested
warranty is written by purchases.nested, which composes these pieces with the warranty services."""

from django.db import transaction

from purchases.models import Purchase
from spends import data_versions


def purchase_save(purchase: Purchase) -> Purchase:
    """Normalise, validate and save `purchase`. Neither atomic nor bumping: the building block of the services here
    and of purchases.nested, whose callers bump once per transaction. Raises ValidationError."""
    purchase.product_name = (purchase.product_name or "").strip()
    purchase.notes = (purchase.notes or "").strip()
    purchase.currency_code = (purchase.currency_code or "").strip().upper()
    # FKs were checked by the serializer (or the importer); constraints are enforced by the database.
    purchase.full_clean(exclude=["owner", "retailer", "brand"], validate_constraints=False)
    purchase.save()
    return purchase


def purchase_apply(purchase: Purchase, fields: dict) -> int:
    """Set `fields` on `purchase` and save it (purchase_save); returns the owner id it had before, which the caller
    bumps too when the owner changed."""
    previous_owner_id = purchase.owner_id
    for key, value in fields.items():
        setattr(purchase, key, value)
    purchase_save(purchase)
    return previous_owner_id


def owner_bump(owner_id) -> None:
    data_versions.bump(data_versions.owner_scope(owner_id))


@transaction.atomic
def purchase_create(*, owner, **fields) -> Purchase:
    """Create a purchase for `owner`. Atomic; raises ValidationError and writes nothing on a bad value."""
    purchase = purchase_save(Purchase(owner=owner, **fields))
    owner_bump(purchase.owner_id)
    return purchase


@transaction.atomic
def purchase_update(*, purchase: Purchase, **fields) -> Purchase:
    """Update the given fields. Atomic."""
    previous_owner_id = purchase_apply(purchase, fields)
    owner_bump(purchase.owner_id)
    if previous_owner_id != purchase.owner_id:
        owner_bump(previous_owner_id)
    return purchase


@transaction.atomic
def purchase_delete(*, purchase: Purchase) -> None:
    """Delete a purchase; its warranty and attachments go with it by CASCADE.

    Atomic. Files of its attachments that nothing else references are removed after commit (never on rollback):
    each deleted attachment row schedules `attachments.services.attachment_file_release` via `on_commit`.
    """
    purchase.delete()
    owner_bump(purchase.owner_id)
