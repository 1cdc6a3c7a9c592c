"""A purchase and its coverages, written all or nothing (the API's POST/PUT/PATCH of a purchase).

Composition above `purchases` (ARCHITECTURE.md: like purchases.api it counts as row 4): it uses the purchase services
(row 2) and the warranty services (row 3); nothing on row 2 imports it. One data-version bump per household
and transaction, and no savepoint: the warranties are validated and saved with the warranty services' building blocks
(warranty_build / warranty_change), not their atomic services.

`warranty` (one object) works while the purchase has at most one warranty; `warranties` (a list) replaces them as a
set: items with an id of the purchase's warranties are updated, the others created, those left out deleted."""

from django.core.exceptions import ValidationError
from django.db import transaction

from purchases import services, summaries
from purchases.models import Purchase
from spends import clock
from spends.exceptions import Conflict
from warranties import selectors as warranty_selectors
from warranties import services as warranty_services
from warranties.models import Warranty, effective_status_of

UNSET = object()  # "warranty" / "warranties" absent from the request: leave them unchanged
WARRANTY_PREFIX = "warranty"
WARRANTIES_PREFIX = "warranties"
SEVERAL_WARRANTIES = "This purchase has several warranties: write them with `warranties`."


def _stored(purchase: Purchase) -> list[Warranty]:
    # Locked (on PostgreSQL) so a concurrent write of the same purchase's coverages waits for this one; with their
    # claim counts, so the answer is rendered from these rows (no read after the write).
    warranties = list(
        Warranty.objects.select_for_update()
        .filter(purchase=purchase)
        .annotate(**warranty_selectors.warranty_annotations())
        .order_by("created_at", "id")
    )
    for warranty in warranties:
        warranty.purchase = purchase  # the warranty services find the household without a query
    return warranties


def _write_warranty(purchase: Purchase, warranty, created_by, stored: list[Warranty]) -> list[Warranty] | None:
    """The single `warranty`: the purchase's coverages after the write, or None when `warranty` is UNSET (nothing
    written). `stored`: its coverages as read (_stored). Raises Conflict when the purchase has several warranties."""
    if warranty is UNSET:
        return None
    if len(stored) > 1:
        raise Conflict(SEVERAL_WARRANTIES)
    existing = stored[0] if stored else None
    if warranty is None:
        if existing is not None:
            existing.delete()
        return []
    if existing is None:
        existing = warranty_services.warranty_build(
            purchase=purchase, created_by=created_by, field_prefix=WARRANTY_PREFIX, **warranty
        )
        existing.save(force_insert=True)
        return [existing]
    warranty_services.warranty_change(existing, field_prefix=WARRANTY_PREFIX, **warranty).save()
    return [existing]


def _write_warranties(purchase: Purchase, warranties, created_by, stored: list[Warranty]) -> list[Warranty] | None:
    """The list `warranties`, as a set (see the module docstring): the purchase's coverages after the write, or None
    when `warranties` is UNSET. `stored`: its coverages as read (_stored). An item's id that is not one of the
    purchase's warranties is a ValidationError on that item."""
    if warranties is UNSET:
        return None
    stored = {warranty.pk: warranty for warranty in stored}
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
            warranty.delete()
    written = []
    for index, item in enumerate(warranties):
        fields = {key: value for key, value in item.items() if key != "id"}
        prefix = (WARRANTIES_PREFIX, str(index))
        if item.get("id") is None:
            warranty = warranty_services.warranty_build(
                purchase=purchase, created_by=created_by, field_prefix=prefix, **fields
            )
            warranty.save(force_insert=True)
        else:
            warranty = warranty_services.warranty_change(stored[item["id"]], field_prefix=prefix, **fields)
            warranty.save()
        written.append(warranty)
    return written


def _new_coverages(purchase: Purchase, warranty, warranties, created_by) -> list[Warranty]:
    """The coverages of a new purchase, built and validated (unsaved): `warranty` or the items of `warranties` (none
    has an id: a new purchase has no warranties to update)."""
    if warranties is UNSET:
        items = [] if warranty is None else [(WARRANTY_PREFIX, warranty)]
    else:
        items = []
        for index, item in enumerate(warranties):
            prefix = (WARRANTIES_PREFIX, str(index))
            if item.get("id") is not None:
                error = ValidationError({"id": ["Not one of this purchase's warranties (or given twice)."]})
                error.field_prefix = prefix
                raise error
            items.append((prefix, item))
    return [
        warranty_services.warranty_build(
            purchase=purchase,
            created_by=created_by,
            field_prefix=prefix,
            **{key: value for key, value in item.items() if key != "id"},
        )
        for prefix, item in items
    ]


def purchase_create(
    *, household_id, created_by, warranty=None, warranties=UNSET, home_currency: str | None = None, **fields
) -> Purchase:
    """Create a purchase of the household `household_id`, added by `created_by` (the caller, a user or None), and its
    warranty when `warranty` (a dict of warranty fields) is given, or its `warranties` (a list of such dicts).

    Everything is validated and converted first (the reads that needs, such as a foreign currency's reference rate,
    run before the transaction); then one transaction writes: the purchase's INSERT, the summaries' upsert (#24), one
    INSERT per warranty and the household's data-version bump. No savepoint and no read inside it. A warranty that
    fails validation (a ValidationError nested under "warranty", or "warranties" and the item's index) leaves no
    purchase. Returns the purchase with its coverages in `purchase.written_coverages` (what the answer is rendered
    from: `written_row`).
    """
    purchase = services.purchase_prepare(
        services.purchase_build(household_id=household_id, created_by=created_by, **fields),
        home_currency=home_currency,
    )
    coverages = _new_coverages(purchase, warranty, warranties, created_by)
    with transaction.atomic():
        purchase.save(force_insert=True)
        # #24: the analytics summaries, the coverages' counts and costs included: one statement
        summaries.apply(after=summaries.values_of(purchase, coverages))
        for coverage in coverages:
            coverage.save(force_insert=True)
        services.household_bump(purchase.household_id)
    purchase.written_coverages = coverages
    return purchase


def purchase_update(
    *, purchase: Purchase, warranty=UNSET, warranties=UNSET, created_by=None, home_currency: str | None = None, **fields
) -> Purchase:
    """Update the given fields. `warranty`: UNSET leaves it, None deletes it, a dict creates or updates it (Conflict
    when the purchase has several warranties). `warranties`: UNSET leaves them, a list replaces them as a set. A
    warranty created here records `created_by` (the caller). The purchase's own `created_by` never changes.

    The purchase's fields are validated and converted first (reads only); then one transaction: the purchase's
    UPDATE, when a warranty is written the purchase's coverages read and locked then written, the summaries' one
    statement, and one data-version bump per household. No savepoint. `purchase.written_coverages`: the coverages
    after the write, or None when they were left alone."""
    before = summaries.values_of(purchase)  # #24: what the summaries hold of it, before the change
    read_at = purchase.updated_at
    previous_household_id = services.purchase_change(purchase, fields, home_currency=home_currency)
    with transaction.atomic():
        # Refused (409) when another write came after `purchase` was read: `before` would be stale.
        services.purchase_save_unchanged(purchase, read_at=read_at)
        coverages = listed = None
        if warranty is UNSET and warranties is UNSET:
            services.summaries_follow(purchase, before)  # one statement (none: nothing changed)
        else:
            # Its coverages read and locked first, then written; the summaries then follow the purchase and its
            # coverages in ONE statement (#24). `before` takes the coverages as read: the writes change them in place.
            stored = _stored(purchase)
            before = before._replace(coverages=tuple(map(summaries.coverage_of, stored)))
            coverages = _write_warranty(purchase, warranty, created_by, stored)
            listed = _write_warranties(purchase, warranties, created_by, stored)
            after = listed if listed is not None else coverages
            summaries.apply(before=before, after=summaries.values_of(purchase, after))
        services.household_bump(purchase.household_id)
        if previous_household_id != purchase.household_id:
            services.household_bump(previous_household_id)
    purchase.written_coverages = listed if listed is not None else coverages
    return purchase


def written_row(purchase: Purchase, coverages, *, attachment_count: int, today=None) -> Purchase:
    """`purchase`, just written, made into what a `selectors.purchase_list` row holds, from memory (no query): its
    `coverages` (each with `claim_count`, 0 when absent) get their effective status and days remaining, the chosen
    one is its `warranty` (with the row's `warranty_…` annotations), and they are its prefetched `warranties` in
    COVERAGE_ORDER. The same rules as the SQL, in Python (warranties.models.effective_status_of,
    warranties.selectors.chosen_warranty); the API renders it through purchases.representation like a read."""
    today = today or clock.today()
    coverages = sorted(coverages, key=warranty_selectors.coverage_sort_key)
    for coverage in coverages:
        coverage.purchase = purchase
        coverage.effective_status, coverage.days_remaining = effective_status_of(coverage, today)
        coverage.claim_count = getattr(coverage, "claim_count", 0) or 0
    chosen = warranty_selectors.chosen_warranty(coverages)
    purchase.warranty = chosen
    purchase.warranty_effective_status = None if chosen is None else chosen.effective_status
    purchase.warranty_days_remaining = None if chosen is None else chosen.days_remaining
    purchase.warranty_claim_count = None if chosen is None else chosen.claim_count
    purchase.attachment_count = attachment_count
    purchase._prefetched_objects_cache = {**getattr(purchase, "_prefetched_objects_cache", {}), "warranties": coverages}
    return purchase
