"""A purchase's coverages in an import (API.md § Version 2 → Several warranties per purchase): the `warranties` of a
version-2 purchase object (each with its `claims`), or the rows of one purchase in a version-2 CSV file (one
coverage per row, grouped by `id`). They replace the purchase's coverages as a set: a new purchase gets all of them;
an updated one loses those it had (claims included) and gets the file's, unless the sets are already the same.

A coverage is kept as a pair (WARRANTY_FIELDS' values, claims), a claim as CLAIM_FIELDS' values: plain tuples, like
the rest of an import's rows."""

from collections.abc import Iterable

from rest_framework import fields
from rest_framework.exceptions import ValidationError

from spends.fields import ObjectField
from warranties import services as warranty_services
from warranties import validation as warranty_validation
from warranties.choices import ClaimStatus, EffectiveStatus, WarrantyStatus
from warranties.models import Claim, Warranty
from warranties.selectors import CLAIM_ORDER, COVERAGE_ORDER

# The values an import sets on a coverage, in the order it keeps them (writing.WARRANTY_FIELDS is this tuple): the
# warranty services' own list.
WARRANTY_FIELDS = warranty_services.WARRANTY_FIELDS
CLAIM_FIELDS = (
    "opened_on",
    "closed_on",
    "status",
    "issue",
    "resolution",
    "extends_warranty_to",
    "previous_warranty_end",
)
MAX_COVERAGES = 100  # per purchase in one file
MAX_CLAIMS = 100  # per coverage in one file


def warranty_object(**kwargs) -> ObjectField:
    """The nested warranty object as an import reads it: the API's warranty fields and rules, with cost and
    reference (version 2)."""
    factories = {
        **warranty_validation.WARRANTY_FIELDS,
        "cost": warranty_validation.cost,
        "reference": warranty_validation.reference,
    }
    return ObjectField(
        {key: factories[key]() for key in WARRANTY_FIELDS}, warranty_validation.validate_warranty, **kwargs
    )


def _check_claim(values: dict) -> None:
    """The claim's rules across fields (warranties.models.Claim.clean and its constraints)."""
    opened, closed = values.get("opened_on"), values.get("closed_on")
    if values.get("status") != ClaimStatus.OPEN and closed is None:
        raise ValidationError({"closed_on": ["Closed on is required unless the claim is open."]})
    if opened and closed and closed < opened:
        raise ValidationError({"closed_on": ["Closed on must be on or after the opened on date."]})


def claim_object() -> ObjectField:
    """A claim object of the export (the API's claim object; ids and time stamps are the import's own)."""
    return ObjectField(
        {
            "opened_on": fields.DateField(),
            "closed_on": fields.DateField(required=False, allow_null=True, default=None),
            "status": fields.ChoiceField(choices=ClaimStatus.choices, default=ClaimStatus.OPEN),
            "issue": fields.CharField(max_length=2_000),
            "resolution": fields.CharField(max_length=10_000, required=False, allow_blank=True, default=""),
            "extends_warranty_to": fields.DateField(required=False, allow_null=True, default=None),
            # Kept as exported: the end this claim's extension replaced, restored when the claim is deleted.
            "previous_warranty_end": fields.DateField(required=False, allow_null=True, default=None),
        },
        _check_claim,
    )


_WARRANTY = warranty_object()
_CLAIM = claim_object()


def _errors(detail, path: str) -> list[tuple[str, str]]:
    from transfer.validating import flatten  # validating imports this module

    return [(".".join(part for part in (path, sub) if part), message) for sub, message in flatten(detail)]


def read_coverage(raw, path: str, *, claims: bool = True) -> tuple[tuple | None, list]:
    """One warranty object of a file → ((values, claims), errors); `path` prefixes the errors' fields. An exported
    EXPIRED is stored as ACTIVE (the effective status is computed from the end)."""
    if isinstance(raw, dict) and raw.get("status") == EffectiveStatus.EXPIRED:
        raw = {**raw, "status": WarrantyStatus.ACTIVE}
    try:
        values = _WARRANTY.run_validation(raw)
    except ValidationError as exc:
        return None, _errors(exc.detail, path)
    raw_claims = raw.get("claims") if claims else None
    if raw_claims is None:
        raw_claims = []
    if not isinstance(raw_claims, list) or len(raw_claims) > MAX_CLAIMS:
        return None, [(f"{path}.claims", f"Must be a list of at most {MAX_CLAIMS} claim objects.")]
    found, errors = [], []
    for index, raw_claim in enumerate(raw_claims):
        try:
            claim = _CLAIM.run_validation(raw_claim)
        except ValidationError as exc:
            errors.extend(_errors(exc.detail, f"{path}.claims.{index}"))
            continue
        found.append(tuple(claim[name] for name in CLAIM_FIELDS))
    if errors:
        return None, errors
    return (tuple(values[name] for name in WARRANTY_FIELDS), tuple(found)), []


def read_coverages(raw) -> tuple[list | None, list]:
    """A version-2 object's `warranties` → (coverages, errors)."""
    if not isinstance(raw, list) or len(raw) > MAX_COVERAGES:
        return None, [("warranties", f"Must be a list of at most {MAX_COVERAGES} warranty objects.")]
    coverages, errors = [], []
    for index, item in enumerate(raw):
        coverage, found = read_coverage(item, f"warranties.{index}")
        errors.extend(found)
        coverages.append(coverage)
    return (None, errors) if errors else (coverages, [])


def read_coverages_bulk(raws: list) -> list[tuple[list | None, list]]:
    """read_coverages() of each of `raws` (version-2 `warranties` values), the same results, with the warranty and
    claim fields run column by column over all of them (transfer.columns)."""
    from transfer.columns import joined, run_column  # columns imports validating's neighbours: kept local

    results: list = [([], []) for _ in raws]  # (coverages, errors) per raw, the errors of its coverages appended
    entries = []  # (raw index, coverage index, the coverage object with an exported EXPIRED read as ACTIVE)
    for at, raw in enumerate(raws):
        if not isinstance(raw, list) or len(raw) > MAX_COVERAGES:
            results[at] = (None, [("warranties", f"Must be a list of at most {MAX_COVERAGES} warranty objects.")])
            continue
        for index, item in enumerate(raw):
            if isinstance(item, dict) and item.get("status") == EffectiveStatus.EXPIRED:
                item = {**item, "status": WarrantyStatus.ACTIVE}
            entries.append((at, index, item))
    checked = run_column(_WARRANTY, [item for _, _, item in entries])
    claims = _claims_bulk([(index, item) for _, index, item in entries], checked, run_column, joined)
    for (at, index, _), (ok, found), (read, claim_errors) in zip(entries, checked, claims, strict=True):
        errors = claim_errors if ok else [(joined(f"warranties.{index}", sub), message) for sub, message in found]
        coverages, messages = results[at]
        messages.extend(errors)
        coverages.append(None if errors else (tuple(found[name] for name in WARRANTY_FIELDS), read))
    return [(None, messages) if messages else (coverages, []) for coverages, messages in results]


def _claims_bulk(entries: list, checked: list, run_column, joined) -> list[tuple[tuple, list]]:
    """(claims, errors) of each coverage of `entries` ((coverage index, object)) whose fields were valid (`checked`),
    its claims run column by column with every other coverage's."""
    spans, cells = [], []  # per coverage: its claims' range in cells, or its error
    for (index, item), (ok, _) in zip(entries, checked, strict=True):
        raw_claims = item.get("claims") if ok else None
        if raw_claims is None:
            raw_claims = []
        if not isinstance(raw_claims, list) or len(raw_claims) > MAX_CLAIMS:
            spans.append([(f"warranties.{index}.claims", f"Must be a list of at most {MAX_CLAIMS} claim objects.")])
        else:
            spans.append(range(len(cells), len(cells) + len(raw_claims)))
            cells.extend(raw_claims)
    checked_claims = run_column(_CLAIM, cells)
    found = []
    for (index, _), span in zip(entries, spans, strict=True):
        if isinstance(span, list):
            found.append(((), span))
            continue
        read, errors = [], []
        for number, position in enumerate(span):
            ok, claim = checked_claims[position]
            if ok:
                read.append(tuple(claim[name] for name in CLAIM_FIELDS))
            else:
                errors.extend((joined(f"warranties.{index}.claims.{number}", sub), message) for sub, message in claim)
        found.append((tuple(read), errors))
    return found


# Version 2's warranty fields, which a version-1 file's update leaves as stored unless the file gives a value (the
# version-1 formats had no such columns): name → the value an absent one validates to.
KEPT = {"cost": None, "reference": ""}


def keeping_stored(new: tuple, stored: dict) -> tuple:
    """`new` (WARRANTY_FIELDS' values of a version-1 row) with the `stored` cost and reference where it has none."""
    values = list(new)
    for name, empty in KEPT.items():
        at = WARRANTY_FIELDS.index(name)
        if values[at] == empty:
            values[at] = stored[name]
    return tuple(values)


def _canonical(coverages: Iterable[tuple]) -> list:
    """A set of coverages in a comparable form: the order of coverages and of claims does not matter."""
    return sorted(((values, tuple(sorted(claims, key=repr))) for values, claims in coverages), key=repr)


def stored_coverages(purchase_ids: list) -> dict:
    """purchase id → its coverages as the import keeps them (canonical), for the purchases `purchase_ids` (at most a
    read batch): two queries."""
    claims: dict = {}
    rows = Claim.objects.filter(warranty__purchase_id__in=purchase_ids).order_by("warranty_id", *CLAIM_ORDER)
    for warranty_id, *values in rows.values_list("warranty_id", *CLAIM_FIELDS):
        claims.setdefault(warranty_id, []).append(tuple(values))
    found: dict = {pk: [] for pk in purchase_ids}
    rows = Warranty.objects.filter(purchase_id__in=purchase_ids).order_by("purchase_id", *COVERAGE_ORDER)
    for purchase_id, warranty_id, *values in rows.values_list("purchase_id", "id", *WARRANTY_FIELDS):
        found[purchase_id].append((tuple(values), tuple(claims.get(warranty_id, ()))))
    return {pk: _canonical(coverages) for pk, coverages in found.items()}


def same_coverages(stored: list, coverages: list) -> bool:
    return stored == _canonical(coverages)
