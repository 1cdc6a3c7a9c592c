"""A purchase and its nested warranty, written both or neither (the API's POST/PUT/PATCH of a purchase).

Composition above `purchases` (ARCHITECTURE.md: like purchases.api it counts as row 4): it uses the purchase services
(row 2) and the warranty services (row 3); nothing on row 2 imports it. One data-version bump per household
and transaction: the warranty service's when it runs, else the purchase's."""

from django.db import transaction

from purchases import services
from purchases.models import Purchase
from warranties import services as warranty_services
from warranties.models import Warranty

UNSET = object()  # "warranty" absent from the request: leave it unchanged
WARRANTY_PREFIX = "warranty"


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
    purchase = services.purchase_save(
        services.purchase_build(household_id=household_id, created_by=created_by, **fields)
    )
    if not _apply_warranty(purchase, UNSET if warranty is None else warranty, created_by):
        services.household_bump(purchase.household_id)  # else the warranty service did, in this transaction
    return purchase


@transaction.atomic
def purchase_update(*, purchase: Purchase, warranty=UNSET, created_by=None, **fields) -> Purchase:
    """Update the given fields. `warranty`: UNSET leaves it, None deletes it, a dict creates or updates it; a
    warranty created here records `created_by` (the caller). The purchase's own `created_by` never changes."""
    previous_household_id = services.purchase_apply(purchase, fields)
    if not _apply_warranty(purchase, warranty, created_by):
        services.household_bump(purchase.household_id)  # else the warranty service did, in this transaction
    if previous_household_id != purchase.household_id:
        services.household_bump(previous_household_id)
    return purchase
