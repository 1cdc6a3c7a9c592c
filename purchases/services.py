"""Writes to purchases, each in one transaction with the household's data-version bump. A purchase with its nested
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
    purchase.full_clean(exclude=["household", "created_by", "retailer", "brand"], validate_constraints=False)
    purchase.save()
    return purchase


def purchase_apply(purchase: Purchase, fields: dict):
    """Set `fields` on `purchase` and save it (purchase_save); returns the household id it had before, which the
    caller bumps too when the household changed. The purchase's own `created_by` never changes."""
    previous_household_id = purchase.household_id
    for key, value in fields.items():
        setattr(purchase, key, value)
    purchase_save(purchase)
    return previous_household_id


def household_bump(household_id) -> None:
    data_versions.bump(data_versions.household_scope(household_id))


@transaction.atomic
def purchase_create(*, household_id, created_by, **fields) -> Purchase:
    """Create a purchase of the household `household_id`, added by `created_by` (the caller, a user or None).
    Atomic; raises ValidationError and writes nothing on a bad value."""
    purchase = purchase_save(Purchase(household_id=household_id, created_by=created_by, **fields))
    household_bump(purchase.household_id)
    return purchase


@transaction.atomic
def purchase_update(*, purchase: Purchase, **fields) -> Purchase:
    """Update the given fields. Atomic."""
    previous_household_id = purchase_apply(purchase, fields)
    household_bump(purchase.household_id)
    if previous_household_id != purchase.household_id:
        household_bump(previous_household_id)
    return purchase


@transaction.atomic
def purchase_delete(*, purchase: Purchase) -> None:
    """Delete a purchase; its warranty and attachments go with it by CASCADE.

    Atomic. Files of its attachments that nothing else references are removed after commit (never on rollback):
    each deleted attachment row schedules `attachments.services.attachment_file_release` via `on_commit`.
    """
    purchase.delete()
    household_bump(purchase.household_id)
