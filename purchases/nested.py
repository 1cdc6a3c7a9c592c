"""A purchase and its coverages, written all or nothing (the API's POST/PUT/PATCH of a purchase).

Composition above `purchases` (ARCHITECTURE.md: like purchases.api it counts as row 4): it uses the purchase services
(row 2) and the warranty services (row 3); nothing on row 2 imports it. One data-version bump per household
and transaction: the warranty services' when they run, else the purchase's.

`warranty` (one object) works while the purchase has at most one warranty; `warranties` (a list) replaces them as a
set: items with an id of the purchase's warranties are updated, the others created, those left out deleted."""

from django.core.exceptions import ValidationError
from django.db import transaction

from purchases import services
from purchases.models import Purchase
from spends.exceptions import Conflict
from warranties import services as warranty_services
from warranties.models import Warranty

UNSET = object()  # "warranty" / "warranties" absent from the request: leave them unchanged
WARRANTY_PREFIX = "warranty"
WARRANTIES_PREFIX = "warranties"
SEVERAL_WARRANTIES = "This purchase has several warranties: write them with `warranties`."


def _stored(purchase: Purchase) -> list[Warranty]:
    # Locked (on PostgreSQL) so a concurrent write of the same purchase's coverages waits for this one.
    warranties = list(Warranty.objects.select_for_update().filter(purchase=purchase).order_by("created_at", "id"))
    for warranty in warranties:
        warranty.purchase = purchase  # the warranty services find the household without a query
    return warranties


def _apply_warranty(purchase: Purchase, warranty, created_by) -> bool:
    """The single `warranty`. Returns whether a warranty service ran (it bumped the household's data version, after
    the purchase's write). Raises Conflict when the purchase has several warranties."""
    if warranty is UNSET:
        return False
    stored = _stored(purchase)
    if len(stored) > 1:
        raise Conflict(SEVERAL_WARRANTIES)
    existing = stored[0] if stored else None
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


def _apply_warranties(purchase: Purchase, warranties, created_by) -> bool:
    """The list `warranties`, as a set (see the module docstring). An item's id that is not one of the purchase's
    warranties is a ValidationError on that item. Returns whether anything was written."""
    if warranties is UNSET:
        return False
    stored = {warranty.pk: warranty for warranty in _stored(purchase)}
    kept = set()
    for index, item in enumerate(warranties):
        pk = item.get("id")
        if pk is not None and (pk not in stored or pk in kept):
            error = ValidationError({"id": ["Not one of this purchase's warranties (or given twice)."]})
            error.field_prefix = (WARRANTIES_PREFIX, str(index))
            raise error
        kept.add(pk)
    for warranty in stored.values():
        if warranty.pk not in kept:
            warranty_services.warranty_delete(warranty=warranty)
    for index, item in enumerate(warranties):
        fields = {key: value for key, value in item.items() if key != "id"}
        prefix = (WARRANTIES_PREFIX, str(index))
        if item.get("id") is None:
            warranty_services.warranty_create(purchase=purchase, created_by=created_by, field_prefix=prefix, **fields)
        else:
            warranty_services.warranty_update(warranty=stored[item["id"]], field_prefix=prefix, **fields)
    return bool(stored or warranties)


@transaction.atomic
def purchase_create(
    *, household_id, created_by, warranty=None, warranties=UNSET, home_currency: str | None = None, **fields
) -> Purchase:
    """Create a purchase of the household `household_id`, added by `created_by` (the caller, a user or None), and its
    warranty when `warranty` (a dict of warranty fields) is given, or its `warranties` (a list of such dicts).

    Atomic: a warranty that fails validation (ValidationError nested under "warranty", or "warranties" and the item's
    index) leaves no purchase.
    """
    purchase = services.purchase_save(
        services.purchase_build(household_id=household_id, created_by=created_by, **fields),
        home_currency=home_currency,
    )
    wrote = _apply_warranty(purchase, UNSET if warranty is None else warranty, created_by)
    wrote = _apply_warranties(purchase, warranties, created_by) or wrote
    if not wrote:
        services.household_bump(purchase.household_id)  # else a warranty service did, in this transaction
    return purchase


@transaction.atomic
def purchase_update(
    *, purchase: Purchase, warranty=UNSET, warranties=UNSET, created_by=None, home_currency: str | None = None, **fields
) -> Purchase:
    """Update the given fields. `warranty`: UNSET leaves it, None deletes it, a dict creates or updates it (Conflict
    when the purchase has several warranties). `warranties`: UNSET leaves them, a list replaces them as a set. A
    warranty created here records `created_by` (the caller). The purchase's own `created_by` never changes. Atomic."""
    previous_household_id = services.purchase_apply(purchase, fields, home_currency=home_currency)
    wrote = _apply_warranty(purchase, warranty, created_by)
    wrote = _apply_warranties(purchase, warranties, created_by) or wrote
    if not wrote:
        services.household_bump(purchase.household_id)  # else a warranty service did, in this transaction
    if previous_household_id != purchase.household_id:
        services.household_bump(previous_household_id)
    return purchase
