"""Writes to warranties. Each runs in a transaction and validates with the model (`full_clean`)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from purchases import summaries
from spends import data_versions
from warranties.models import Warranty

WARRANTY_FIELDS = (
    "warranty_start",
    "warranty_end",
    "warranty_type",
    "status",
    "provider",
    "notes",
    "cost",
    "reference",
)


def warranty_validate(warranty: Warranty, *, field_prefix=None) -> Warranty:
    """Normalise and validate `warranty` (unsaved; no query). Neither atomic nor bumping: a building block for a caller
    that writes it in its own transaction and bumps once (purchases.nested). The id's uniqueness is the primary key's
    to enforce (IntegrityError, answered 409): no SELECT checks it first. Raises ValidationError (nested under
    `field_prefix`: a name or a path)."""
    for text_field in ("provider", "notes", "reference"):
        setattr(warranty, text_field, (getattr(warranty, text_field) or "").strip())
    try:
        warranty.full_clean(exclude=["purchase", "created_by"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        exc.field_prefix = field_prefix  # errors of a purchase's nested warranty nest under "warranty"
        raise
    return warranty


def warranty_build(*, purchase, created_by, field_prefix=None, **fields) -> Warranty:
    """A new coverage of `purchase`, validated (warranty_validate) and not saved."""
    unknown = set(fields) - set(WARRANTY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown warranty fields: {sorted(unknown)}")
    return warranty_validate(Warranty(purchase=purchase, created_by=created_by, **fields), field_prefix=field_prefix)


def warranty_change(warranty: Warranty, *, field_prefix=None, **fields) -> Warranty:
    """Set the given fields on `warranty` and validate it (warranty_validate); not saved."""
    for key, value in fields.items():
        if key not in WARRANTY_FIELDS:
            raise TypeError(f"Unknown warranty field: {key}")
        setattr(warranty, key, value)
    return warranty_validate(warranty, field_prefix=field_prefix)


def _save(warranty: Warranty, *, adding: bool) -> Warranty:
    """Save `warranty` and its part of the purchase summaries (#24), its purchase locked first (summaries.locked) so
    the write takes turns with the purchase's writes and subtracts the values stored."""
    stored = summaries.locked(warranty.purchase_id)
    warranty.save(force_insert=adding)
    summaries_follow(stored, warranty.pk, after=warranty)
    data_versions.bump(data_versions.household_scope(_household_id(warranty)))
    return warranty


def summaries_follow(stored, pk, *, after: Warranty | None) -> None:
    """The summaries from the stored warranty `pk` (none: new) to `after` (None: deleted); the purchase's other
    warranties add the same before and after."""
    if stored is None:  # its purchase is gone (a concurrent delete): the summaries lost it with the purchase
        return
    values, coverages = stored
    before = (coverages[pk],) if pk in coverages else ()
    summaries.apply(
        before=values._replace(coverages=before),
        after=values._replace(coverages=() if after is None else (summaries.coverage_of(after),)),
    )


def _household_id(warranty: Warranty):
    # The purchase is usually loaded already (the API's and the nested write's); else one query.
    purchase = warranty.purchase
    return purchase.household_id


@transaction.atomic
def warranty_create(*, purchase, created_by, field_prefix=None, **fields) -> Warranty:
    """Add a coverage to the purchase (a purchase may have any number since #21), added by `created_by` (a user, or
    None); its household is the purchase's. Raises ValidationError (nested under `field_prefix`: a name or a path)."""
    warranty = warranty_build(purchase=purchase, created_by=created_by, field_prefix=field_prefix, **fields)
    return _save(warranty, adding=True)


@transaction.atomic
def warranty_update(*, warranty: Warranty, field_prefix=None, **fields) -> Warranty:
    """Update the given fields (a partial update when only some are given)."""
    return _save(warranty_change(warranty, field_prefix=field_prefix, **fields), adding=False)


@transaction.atomic
def warranty_delete(*, warranty: Warranty) -> None:
    household_id = _household_id(warranty)
    stored = summaries.locked(warranty.purchase_id)
    pk = warranty.pk
    warranty.delete()
    summaries_follow(stored, pk, after=None)
    data_versions.bump(data_versions.household_scope(household_id))
