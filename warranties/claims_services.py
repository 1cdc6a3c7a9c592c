"""Writes to claims, and what a claim does to its warranty's end. Each service runs in one transaction, validates the
claim with the model (`full_clean`) and bumps the household's data version.

The rule (API.md § Version 2, claims): a claim that is APPROVED or RESOLVED with `extends_warranty_to` later than the
warranty's current end moves the end there, and keeps the end it replaced in `previous_warranty_end`. A claim holds
`previous_warranty_end` exactly while its extension is applied. When the claim stops extending (deleted, or changed
to another status or target), the old end comes back, but only if the warranty still ends where this claim put it:
if anything else moved the end since (an edit of the warranty, another claim's extension), that later end is left
alone. A LIFETIME warranty without an end is never touched (nothing is later than "never ends").
"""

from django.db import transaction

from purchases import summaries
from spends import data_versions
from warranties import services
from warranties.choices import ClaimStatus
from warranties.models import Claim, Warranty

CLAIM_FIELDS = ("opened_on", "closed_on", "status", "issue", "resolution", "extends_warranty_to")
EXTENDING = (ClaimStatus.APPROVED, ClaimStatus.RESOLVED)


def _extension_target(claim: Claim):
    """The end this claim asks for, or None when it asks for none."""
    return claim.extends_warranty_to if claim.status in EXTENDING else None


def _withdraw(claim: Claim, warranty: Warranty, *, applied_end) -> bool:
    """Undo the extension this claim applied (it set the end to `applied_end`). Returns whether the end changed."""
    previous, claim.previous_warranty_end = claim.previous_warranty_end, None
    if previous is None or warranty.warranty_end != applied_end:
        return False  # never applied, or the end has moved since: that later end stays
    if previous < warranty.warranty_start:
        return False  # the start has moved past the old end since: that end would not be a valid one any more
    warranty.warranty_end = previous
    return True


def _apply(claim: Claim, warranty: Warranty) -> bool:
    """Move the warranty's end to the claim's target when that is later. Returns whether the end changed."""
    target = _extension_target(claim)
    if target is None or warranty.warranty_end is None or target <= warranty.warranty_end:
        return False
    claim.previous_warranty_end, warranty.warranty_end = warranty.warranty_end, target
    return True


def _clean(claim: Claim) -> None:
    claim.issue = (claim.issue or "").strip()
    claim.resolution = (claim.resolution or "").strip()
    claim.full_clean(exclude=["warranty", "created_by"], validate_constraints=False)


def _locked_warranty(warranty_id) -> Warranty:
    # Locked so that two claims of one warranty change its end one after the other (SQLite: IMMEDIATE transactions).
    # Its purchase first (summaries.locked, as every warranty write): a moved end moves its summary row (#24), from
    # the values stored; `summaries_stored` keeps them.
    purchase_id = Warranty.objects.filter(pk=warranty_id).values_list("purchase_id", flat=True).first()
    stored = summaries.locked(purchase_id) if purchase_id is not None else None
    warranty = Warranty.objects.select_for_update().select_related("purchase").get(pk=warranty_id)
    warranty.summaries_stored = stored
    return warranty


def _end_save(warranty: Warranty) -> None:
    warranty.save(update_fields=["warranty_end", "updated_at"])
    services.summaries_follow(warranty.summaries_stored, warranty.pk, after=warranty)


def _finish(claim: Claim, warranty: Warranty, *, end_changed: bool) -> Claim:
    claim.save()
    if end_changed:
        _end_save(warranty)
    data_versions.bump(data_versions.household_scope(warranty.purchase.household_id))
    return claim


def _check_fields(fields) -> None:
    unknown = set(fields) - set(CLAIM_FIELDS)
    if unknown:
        raise TypeError(f"Unknown claim fields: {sorted(unknown)}")


@transaction.atomic
def claim_create(*, warranty: Warranty, created_by, **fields) -> Claim:
    """Add a claim to `warranty`, filed by `created_by` (a user, or None), and apply its extension if it has one.
    Raises ValidationError (on `closed_on`, `issue`, ...) and then changes nothing."""
    _check_fields(fields)
    warranty = _locked_warranty(warranty.pk)
    claim = Claim(warranty=warranty, created_by=created_by, **fields)
    _clean(claim)
    end_changed = _apply(claim, warranty)
    return _finish(claim, warranty, end_changed=end_changed)


@transaction.atomic
def claim_update(*, claim: Claim, **fields) -> Claim:
    """Change the given fields (a partial update), then re-apply the claim's effect on its warranty: when its status
    or target changed, the extension it applied is withdrawn (see the module's rule) and the new one applied.
    Raises ValidationError and then changes nothing. Returns the stored claim."""
    _check_fields(fields)
    warranty = _locked_warranty(claim.warranty_id)
    stored = Claim.objects.select_for_update().get(pk=claim.pk)  # the state before, as committed
    applied_end, target_before = stored.extends_warranty_to, _extension_target(stored)
    for key, value in fields.items():
        setattr(stored, key, value)
    _clean(stored)
    end_changed = False
    if _extension_target(stored) != target_before:
        end_changed = _withdraw(stored, warranty, applied_end=applied_end)
        end_changed = _apply(stored, warranty) or end_changed
    return _finish(stored, warranty, end_changed=end_changed)


@transaction.atomic
def claim_delete(*, claim: Claim) -> None:
    """Delete the claim; the extension it applied is withdrawn (the old end comes back only if the warranty still
    ends where this claim put it, see the module's rule)."""
    warranty = _locked_warranty(claim.warranty_id)
    stored = Claim.objects.select_for_update().get(pk=claim.pk)
    end_changed = _withdraw(stored, warranty, applied_end=stored.extends_warranty_to)
    stored.delete()
    if end_changed:
        _end_save(warranty)
    data_versions.bump(data_versions.household_scope(warranty.purchase.household_id))
