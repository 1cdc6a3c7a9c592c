"""Writes to purchases, each in one transaction with the household's data-version bump. A purchase with its nested
warranty is written by purchases.nested, which composes these pieces with the warranty services."""

import datetime
from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from purchases import conversion, summaries
from purchases.choices import PurchaseStatus, RateSource
from purchases.models import Purchase
from spends import clock, data_versions
from spends.exceptions import Conflict

UNSET = object()  # `exchange_rate` absent from a write: a MANUAL rate stays, any other is looked up again


def purchase_prepare(purchase: Purchase, *, home_currency: str | None = None) -> Purchase:
    """Normalise, validate and convert (purchases.conversion: the rate unless MANUAL, the home price) `purchase`,
    without saving it: the reads it may need (the household's home currency unless `home_currency` is given, the
    reference rate of a foreign currency) run before the caller's transaction. The id's uniqueness is the primary
    key's to enforce (an IntegrityError, answered 409): no SELECT checks it first. Raises ValidationError."""
    purchase.product_name = (purchase.product_name or "").strip()
    purchase.notes = (purchase.notes or "").strip()
    purchase.currency_code = (purchase.currency_code or "").strip().upper()
    # FKs were checked by the serializer (or the importer); constraints are enforced by the database.
    purchase.full_clean(
        exclude=["household", "created_by", "retailer", "brand"], validate_unique=False, validate_constraints=False
    )
    conversion.complete(purchase, home_currency=home_currency)
    return purchase


def purchase_save(
    purchase: Purchase, *, home_currency: str | None = None, before: summaries.Values | None = None
) -> Purchase:
    """purchase_prepare, then save `purchase`. Neither atomic nor bumping: the building block of the services here,
    whose callers bump once per transaction. `home_currency`: its household's when the caller knows it (saves a
    query). `before`: the purchase's summary values as stored (summaries.values_of), None for a new one: the
    summaries follow the write (one statement). Raises ValidationError."""
    purchase_prepare(purchase, home_currency=home_currency)
    purchase.save()
    summaries.apply(before=before, after=summaries.values_of(purchase))  # #24: the summaries, one statement
    return purchase


def return_window_complete(purchase: Purchase, *, given, return_days: int | None, returned_before=None) -> None:
    """The return window's write rules (API.md § Version 2, return windows), applied to `purchase` after the fields
    `given` (their names) were set on it, before it is validated:

    - `return_days` N (write-only, applied at write time only): `return_by` = `purchase_date` + N days;
    - RETURNED without `returned_on` (absent or null): the day it already had when it was RETURNED before
      (`returned_before`), else today (UTC);
    - another status: `returned_on` is cleared when it was not given (un-returning drops the date); given, it stays,
      and validation refuses it (400 on `returned_on`)."""
    if return_days is not None and purchase.purchase_date is not None:
        try:
            purchase.return_by = purchase.purchase_date + datetime.timedelta(days=return_days)
        except OverflowError:
            raise ValidationError({"return_days": "The return window would end after 9999-12-31."}) from None
    if purchase.status == PurchaseStatus.RETURNED:
        if purchase.returned_on is None:
            purchase.returned_on = returned_before or clock.today()
    elif "returned_on" not in given:
        purchase.returned_on = None


def purchase_build(
    *, household_id, created_by, return_days: int | None = None, exchange_rate=UNSET, **fields
) -> Purchase:
    """A new, unsaved purchase of `fields` with its return window completed (return_window_complete) and the
    client's `exchange_rate`, if any, as a MANUAL rate."""
    purchase = Purchase(household_id=household_id, created_by=created_by, **fields)
    return_window_complete(purchase, given=fields, return_days=return_days)
    if exchange_rate is not UNSET:
        conversion.manual_rate_set(purchase, exchange_rate)
    return purchase


def purchase_change(purchase: Purchase, fields: dict, *, home_currency: str | None = None):
    """Set `fields` on `purchase` (`return_days` too: return_window_complete) and prepare it (purchase_prepare), not
    saved; returns the household id it had before, which the caller bumps too when the household changed. The
    purchase's own `created_by` never changes."""
    previous_household_id = purchase.household_id
    previous_currency = purchase.currency_code
    fields = dict(fields)
    return_days = fields.pop("return_days", None)
    exchange_rate = fields.pop("exchange_rate", UNSET)
    returned_before = purchase.returned_on if purchase.status == PurchaseStatus.RETURNED else None
    for key, value in fields.items():
        setattr(purchase, key, value)
    return_window_complete(purchase, given=fields, return_days=return_days, returned_before=returned_before)
    if exchange_rate is not UNSET:
        conversion.manual_rate_set(purchase, exchange_rate)
    elif purchase.rate_source == RateSource.MANUAL and (
        (purchase.currency_code or "").strip().upper() != previous_currency
        or purchase.household_id != previous_household_id
    ):
        # A rate set by hand is between two currencies: another currency (or household) needs another rate.
        conversion.manual_rate_set(purchase, None)
    same_household = purchase.household_id == previous_household_id
    purchase_prepare(purchase, home_currency=home_currency if same_household else None)
    return previous_household_id


CHANGED_MEANWHILE = "This purchase was changed by someone else meanwhile. Reload it and try again."


def purchase_save_unchanged(purchase: Purchase, *, read_at) -> None:
    """UPDATE `purchase` (every field, like save()) only if its row was not written since it was read: its stored
    `updated_at` is still `read_at`. The caller's summaries delta subtracts the values read then; had another write
    come between (an edit, a reconversion: every writer of a purchase sets updated_at), that delta would be wrong.
    One statement, as save(). Conflict (409, nothing written: the caller's transaction rolls back) otherwise."""
    purchase.updated_at = timezone.now()
    values = {field.attname: getattr(purchase, field.attname) for field in Purchase._meta.concrete_fields}
    del values[Purchase._meta.pk.attname]
    if not Purchase.objects.filter(pk=purchase.pk, updated_at=read_at).update(**values):
        raise Conflict(CHANGED_MEANWHILE)


def purchase_apply(purchase: Purchase, fields: dict, *, home_currency: str | None = None):
    """purchase_change, then save `purchase` (and its summaries: one statement); returns the household id it had
    before."""
    before, read_at = summaries.values_of(purchase), purchase.updated_at
    previous_household_id = purchase_change(purchase, fields, home_currency=home_currency)
    purchase_save_unchanged(purchase, read_at=read_at)
    summaries_follow(purchase, before)
    return previous_household_id


def summaries_follow(purchase: Purchase, before: summaries.Values) -> None:
    """The summaries follow a purchase's UPDATE (#24), its warranties unchanged: one statement, plus one SELECT of its
    warranties when what keys their cost (household, month, currency, status, rate) changed. The purchase row is
    locked by the UPDATE, and every warranty write locks it first (summaries.locked), so that read is as stored."""
    after = summaries.values_of(purchase)
    if summaries.keys_coverages(before, after):
        coverages = summaries.coverages_read(purchase.pk)
        before, after = before._replace(coverages=coverages), after._replace(coverages=coverages)
    summaries.apply(before=before, after=after)


def household_bump(household_id) -> None:
    data_versions.bump(data_versions.household_scope(household_id))


@transaction.atomic
def purchase_create(*, household_id, created_by, home_currency: str | None = None, **fields) -> Purchase:
    """Create a purchase of the household `household_id`, added by `created_by` (the caller, a user or None).
    Atomic; raises ValidationError and writes nothing on a bad value."""
    purchase = purchase_save(
        purchase_build(household_id=household_id, created_by=created_by, **fields), home_currency=home_currency
    )
    household_bump(purchase.household_id)
    return purchase


@transaction.atomic
def purchase_update(*, purchase: Purchase, home_currency: str | None = None, **fields) -> Purchase:
    """Update the given fields. Atomic."""
    previous_household_id = purchase_apply(purchase, fields, home_currency=home_currency)
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
    # The row as stored, locked, with its warranties (they go by CASCADE: the summaries lose them too). None: a
    # concurrent delete took it first.
    stored = summaries.locked(purchase.pk)
    purchase.delete()
    if stored is not None:
        summaries.apply(before=stored[0])
    household_bump(purchase.household_id)


def _looks_like(rows, *, household_id) -> list[str]:
    """The ids of `rows` (pk, name, date, price, currency) that duplicate a purchase of `household_id` by the import's
    rule (same name ignoring case, date, price and currency); each purchase there matches one row."""
    if not rows:
        return []
    dates = [row[2] for row in rows]
    there = Counter(
        (name.casefold(), date, price, currency)
        for name, date, price, currency in Purchase.objects.filter(
            household_id=household_id, purchase_date__gte=min(dates), purchase_date__lte=max(dates)
        ).values_list("product_name", "purchase_date", "price", "currency_code")
    )
    duplicates = []
    for pk, name, date, price, currency in rows:
        key = (name.casefold(), date, price, currency)
        if there[key]:
            there[key] -= 1
            duplicates.append(str(pk))
    return duplicates


@transaction.atomic
def purchases_move(*, from_household_id, to_household_id, user_id, move_all: bool) -> dict:
    """Move purchases (their warranties and attachments follow them) to another household, for a member who joins it
    with their records (households.registry). With `move_all` every purchase of `from_household_id` moves, else those
    `user_id` added. Nothing is dropped: purchases that look like ones already there (the import's rule) move too,
    and their ids are listed in `duplicates` for the member to review. One UPDATE; both households' data versions are
    bumped in the same transaction."""
    moving = Purchase.objects.filter(household_id=from_household_id)
    if not move_all:
        moving = moving.filter(created_by_id=user_id)
    rows = list(moving.values_list("pk", "product_name", "purchase_date", "price", "currency_code"))
    duplicates = _looks_like(rows, household_id=to_household_id)
    # Reverse relations named as strings: counting needs no import of the apps above.
    counts = moving.aggregate(
        warranties=Count("warranties", distinct=True), attachments=Count("attachments", distinct=True)
    )
    moved_ids = [row[0] for row in rows]
    moved = moving.update(household_id=to_household_id, updated_at=timezone.now())
    if moved and conversion.home_currency_of(from_household_id) != (
        home := conversion.home_currency_of(to_household_id)
    ):
        # Their rates were to the other household's home currency: convert them to this one's, rates set by hand too.
        Purchase.objects.filter(pk__in=moved_ids, rate_source=RateSource.MANUAL).update(
            rate_source=None, updated_at=timezone.now()
        )
        conversion.reconvert(Purchase.objects.filter(pk__in=moved_ids), home_currency=home)
    if moved:
        summaries.recompute([from_household_id, to_household_id])
        household_bump(from_household_id)
        household_bump(to_household_id)
    return {"purchases": moved, **counts, "duplicates": duplicates}


def purchases_count(household_id) -> int:
    """How many purchases the household holds (households.registry: an empty household without members goes)."""
    return Purchase.objects.filter(household_id=household_id).count()
