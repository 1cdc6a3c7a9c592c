"""Writes to purchases, each in one transaction: a purchase and its nested warranty are saved both or neither."""

from django.db import transaction

from purchases.models import Purchase
from spends import data_versions
from warranties import services as warranty_services
from warranties.models import Warranty

UNSET = object()  # "warranty" absent from the request: leave it unchanged
WARRANTY_PREFIX = "warranty"


def _validate_and_save(purchase: Purchase) -> Purchase:
    purchase.product_name = (purchase.product_name or "").strip()
    purchase.notes = (purchase.notes or "").strip()
    purchase.currency_code = (purchase.currency_code or "").strip().upper()
    # FKs were checked by the serializer (or the importer); constraints are enforced by the database.
    purchase.full_clean(exclude=["household", "created_by", "retailer", "brand"], validate_constraints=False)
    purchase.save()
    return purchase


def _bump(household_id) -> None:
    data_versions.bump(data_versions.household_scope(household_id))


def _apply_warranty(purchase: Purchase, warranty, created_by) -> bool:
    """Returns whether a warranty service ran (it bumped the household's data version, after the purchase's write)."""
    if warranty is UNSET:
        return False
    existing = Warranty.objects.filter(purchase=purchase).first()
    if existing is not None:
        existing.purchase = purchase  # the warranty service finds the household without a query
    if warranty is None:
        if existing is None:
            return False
        warranty_services.warranty_delete(warranty=existing)
    elif existing is None:
        warranty_services.warranty_create(
            purchase=purchase, created_by=created_by, field_prefix=WARRANTY_PREFIX, **warranty
        )
    else:
        warranty_services.warranty_update(warranty=existing, field_prefix=WARRANTY_PREFIX, **warranty)
    return True


@transaction.atomic
def purchase_create(*, household_id, created_by, warranty=None, **fields) -> Purchase:
    """Create a purchase of the household `household_id`, added by `created_by` (the caller, a user or None), and its
    warranty when `warranty` (a dict of warranty fields) is given.

    Atomic: a warranty that fails validation (ValidationError nested under "warranty") leaves no purchase.
    """
    purchase = _validate_and_save(Purchase(household_id=household_id, created_by=created_by, **fields))
    if not _apply_warranty(purchase, UNSET if warranty is None else warranty, created_by):
        _bump(purchase.household_id)  # else the warranty service did, in this transaction
    return purchase


@transaction.atomic
def purchase_update(*, purchase: Purchase, warranty=UNSET, created_by=None, **fields) -> Purchase:
    """Update the given fields. `warranty`: UNSET leaves it, None deletes it, a dict creates or updates it; a
    warranty created here records `created_by` (the caller). The purchase's own `created_by` never changes."""
    previous_household_id = purchase.household_id
    for key, value in fields.items():
        setattr(purchase, key, value)
    _validate_and_save(purchase)
    if not _apply_warranty(purchase, warranty, created_by):
        _bump(purchase.household_id)  # else the warranty service did, in this transaction
    if previous_household_id != purchase.household_id:
        _bump(previous_household_id)
    return purchase


@transaction.atomic
def purchase_delete(*, purchase: Purchase) -> None:
    """Delete a purchase; its warranty and attachments go with it by CASCADE.

    Atomic. Files of its attachments that nothing else references are removed after commit (never on rollback):
    each deleted attachment row schedules `attachments.services.attachment_file_release` via `on_commit`.
    """
    purchase.delete()
    _bump(purchase.household_id)
