"""The batched importer (API.md § Export and import): every row validated with PurchaseSerializer's rules, catalog
names resolved once per file, duplicates matched, then the writes of purchases.transfer.writing."""

import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError as DRFValidationError

from analytics.cache import bump_user_version
from catalog.api.serializers import RetailerSerializer
from catalog.services import catalog_entry_save
from purchases.api.serializers import PurchaseSerializer
from purchases.models import Purchase
from purchases.resources import PurchaseResource
from purchases.transfer.reading import (
    CATALOG_MODELS,
    CsvTable,
    Progress,
    _csv_items,
    _Item,
    _json_items,
)
from purchases.transfer.writing import WRITE_BATCH_SIZE, _chunked, _insert_rows, _update_rows
from warranties.models import Warranty

# What an import may set on a purchase; the serializer's other fields are read-only in an import.
WRITABLE_KEYS = ("product_name", "price", "currency_code", "status", "purchase_date", "notes", "warranty")
PURCHASE_FIELDS = ("product_name", "price", "currency_code", "retailer", "brand", "status", "purchase_date", "notes")
WARRANTY_FIELDS = ("warranty_start", "warranty_end", "warranty_type", "status", "provider", "notes")


@dataclass
class RowOutcome:
    number: int
    action: str = "invalid"  # new | update | skip | invalid
    errors: list = field(default_factory=list)  # [{"row", "field", "message"}]
    instance: Purchase | None = None  # the purchase written (or that would be), for the admin's log


@dataclass
class ImportOutcome:
    report: dict
    rows: list[RowOutcome]
    refused: bool  # errors without `partial`: nothing was (or, in a dry run, would be) written; the API answers 400


def _flatten(detail, path: str | None = None) -> Iterator[tuple[str | None, str]]:
    """DRF error detail (nested dicts/lists) → (dotted field path or None, message) pairs."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            key = None if key in ("non_field_errors", "__all__") else key
            yield from _flatten(value, ".".join(part for part in (path, key) if part) or None)
    elif isinstance(detail, list):
        for value in detail:
            yield from _flatten(value, path)
    else:
        yield path, str(detail)


class _Importer:
    def __init__(
        self,
        *,
        owner,
        on_duplicate: str,
        dry_run: bool,
        partial: bool,
        progress: Progress | None,
        field_name: Callable[[str | None], str | None],
        catalog_urls: dict | None = None,
    ):
        if on_duplicate not in ("skip", "update"):
            raise ValueError(f"on_duplicate must be skip or update, not {on_duplicate!r}")
        self.owner = owner
        self.on_duplicate = on_duplicate
        self.dry_run = dry_run
        self.partial = partial
        self.progress = progress or (lambda stage, done, total: None)
        self.field_name = field_name
        self.catalog_urls = catalog_urls or {}
        # One serializer validates every row (run_validation keeps no state): the API's field rules, reused.
        self.serializer = PurchaseSerializer(context={})
        self.name_field = RetailerSerializer().fields["name"]
        self._names: dict[str, tuple[str | None, list[str]]] = {}  # raw catalog name → (validated, messages)
        self.warnings: list[dict] = []

    # -- validation (no writes) --
    def _validate(self, item: _Item) -> None:
        obj = item.obj
        if item.errors:  # already refused while reading the file (a ragged CSV row)
            return
        if not isinstance(obj, dict):
            item.errors.append((None, "Expected a purchase object."))
            return
        raw_id = obj.get("id")
        if raw_id not in (None, ""):
            try:
                item.pid = uuid.UUID(str(raw_id))
            except ValueError:
                item.errors.append(("id", "Must be a valid UUID."))
        for kind in CATALOG_MODELS:
            name, ref = obj.get(f"{kind}_name"), obj.get(f"{kind}_id")
            if name not in (None, ""):
                validated, messages = self._catalog_name(name)
                if messages:
                    item.errors.extend((f"{kind}_name", message) for message in messages)
                else:
                    item.catalog[kind] = ("name", validated)
            elif ref not in (None, ""):
                try:
                    item.catalog[kind] = ("id", uuid.UUID(str(ref)))
                except ValueError:
                    item.errors.append((f"{kind}_id", "Must be a valid UUID."))
            else:
                item.catalog[kind] = None
        data = {key: obj[key] for key in WRITABLE_KEYS if key in obj}
        warranty = data.get("warranty")
        if isinstance(warranty, dict) and warranty.get("status") == "EXPIRED":
            # Exports show the effective status; EXPIRED is stored as ACTIVE and recomputed from the end date.
            data["warranty"] = {**warranty, "status": "ACTIVE"}
        try:
            item.values = self.serializer.run_validation(data)
        except DRFValidationError as exc:
            item.errors.extend(_flatten(exc.detail))

    def _catalog_name(self, name) -> tuple[str | None, list[str]]:
        """A catalog name through the catalog API's name field, once per distinct value of the file: a file names a
        few hundred retailers and brands in up to twice as many cells as it has rows."""
        key = name if isinstance(name, str) else None  # JSON may hold other types: validated every time
        if key is not None and key in self._names:
            return self._names[key]
        try:
            found = (self.name_field.run_validation(name), [])
        except DRFValidationError as exc:
            found = (None, [message for _, message in _flatten(exc.detail)])
        if key is not None:
            self._names[key] = found
        return found

    def _resolve_catalog(self, items: list[_Item]) -> None:
        """Catalog names → ids, once per file: one query per model, matched case-insensitively in Python (SQLite's
        lower() is ASCII-only). Names not in the catalog are remembered; they are created only when written."""
        self.catalog_ids: dict[str, dict] = {}
        self.pending: dict[str, dict] = {kind: {} for kind in CATALOG_MODELS}
        for kind, model in CATALOG_MODELS.items():
            refs = [item.catalog.get(kind) for item in items if not item.errors and item.catalog.get(kind)]
            if not refs:
                self.catalog_ids[kind] = {}
                continue
            by_name, ids = {}, set()
            for pk, name in model.objects.order_by("created_at", "id").values_list("id", "name"):
                by_name.setdefault(name.casefold(), pk)
                ids.add(pk)
            self.catalog_ids[kind] = by_name
            for item in items:
                ref = item.catalog.get(kind)
                if item.errors or not ref:
                    continue
                how, value = ref
                if how == "id":
                    if value not in ids:
                        item.errors.append((f"{kind}_id", f"No {kind} with this id; give {kind}_name instead."))
                elif value.casefold() in by_name:
                    item.catalog[kind] = ("id", by_name[value.casefold()])
                else:
                    self.pending[kind].setdefault(value.casefold(), value)
                    item.catalog[kind] = ("name", value.casefold())

    def _match_duplicates(self, items: list[_Item]) -> None:
        """A row duplicates the caller's purchase with its id, or (no id of the caller's) the next of the caller's
        purchases with the same name (case-insensitive), date, price and currency. Each purchase matches one row."""
        valid = [item for item in items if not item.errors]
        first_row = {}
        for item in valid:
            if item.pid is not None:
                if item.pid in first_row:
                    item.errors.append(("id", f"The same id as row {first_row[item.pid]}."))
                else:
                    first_row[item.pid] = item.number
        valid = [item for item in valid if not item.errors]
        owned = set()
        for chunk in _chunked([item.pid for item in valid if item.pid], 500):
            owned.update(Purchase.objects.owned_by(self.owner).filter(pk__in=chunk).values_list("pk", flat=True))
        # Another user's id is ignored: the row is treated as having no id.
        pools: dict[tuple, deque] = {}
        natural = [item for item in valid if item.pid not in owned]
        if natural:
            dates = [item.values["purchase_date"] for item in natural]
            existing = (
                Purchase.objects.owned_by(self.owner)
                .filter(purchase_date__gte=min(dates), purchase_date__lte=max(dates))
                .order_by("-purchase_date", "-created_at", "id")
                .values_list("pk", "product_name", "purchase_date", "price", "currency_code")
            )
            for pk, name, date, price, currency in existing.iterator(chunk_size=2000):
                if pk not in owned:
                    pools.setdefault((name.casefold(), date, price, currency), deque()).append(pk)
        for item in valid:
            if item.pid in owned:
                item.duplicate_of = item.pid
            else:
                v = item.values
                pool = pools.get((v["product_name"].casefold(), v["purchase_date"], v["price"], v["currency_code"]))
                item.duplicate_of = pool.popleft() if pool else None

    def _plan(self, items: list[_Item]) -> None:
        updates = [item for item in items if not item.errors and item.duplicate_of and self.on_duplicate == "update"]
        existing = {}
        for chunk in _chunked([item.duplicate_of for item in updates], 500):
            existing.update(
                Purchase.objects.owned_by(self.owner).filter(pk__in=chunk).select_related("warranty").in_bulk()
            )
        for item in items:
            if item.errors:
                continue
            if item.duplicate_of is None:
                item.action = "new"
            elif self.on_duplicate == "skip":
                item.action = "skip"
                item.instance = None
            else:
                purchase = existing[item.duplicate_of]
                item.instance = purchase
                self._diff(item, purchase)
                item.action = "update" if item.changes or item.warranty_change else "skip"

    def _diff(self, item: _Item, purchase: Purchase) -> None:
        values = item.values
        for name in PURCHASE_FIELDS:
            if name not in item.present:
                continue
            if name in CATALOG_MODELS:
                ref = item.catalog.get(name)
                current = getattr(purchase, f"{name}_id")
                if ref is None and current is not None or ref is not None and ref != ("id", current):
                    item.changes[name] = ref
            elif getattr(purchase, name) != values[name]:
                item.changes[name] = values[name]
        if "warranty" in item.present:
            new = values.get("warranty")
            try:
                current = purchase.warranty
            except Warranty.DoesNotExist:
                current = None
            if new is None and current is not None:
                item.warranty_change = ("delete", None)
            elif new is not None and current is None:
                item.warranty_change = ("create", new)
            elif new is not None and any(getattr(current, key) != new.get(key) for key in WARRANTY_FIELDS):
                item.warranty_change = ("update", new)

    # -- writing --
    def _create_catalog(self, items: list[_Item]) -> dict:
        """Creates the missing catalog entries that rows being written use; a warning each."""
        created: dict[str, dict] = {kind: {} for kind in CATALOG_MODELS}
        for kind, model in CATALOG_MODELS.items():
            first_use = {}
            for item in items:
                ref = item.catalog.get(kind)
                wanted = item.action == "new" or item.action == "update" and kind in item.changes
                if wanted and ref and ref[0] == "name":
                    first_use.setdefault(ref[1], item.number)
            for key, row in sorted(first_use.items(), key=lambda pair: pair[1]):
                name = self.pending[kind][key]
                label = model._meta.verbose_name.capitalize()
                if self.dry_run:
                    self.warnings.append(
                        {"row": row, "message": f'{label} "{name}" is not in the catalog and would be created.'}
                    )
                    continue
                url = self.catalog_urls.get(kind, {}).get(key, "")
                try:
                    entry = catalog_entry_save(instance=model(), name=name, url=url)
                except ValidationError:  # created meanwhile by someone else (or an invalid url): use the name alone
                    entry = model.objects.filter(name__iexact=name).first() or catalog_entry_save(
                        instance=model(), name=name
                    )
                created[kind][key] = entry.pk
                self.warnings.append(
                    {"row": row, "message": f'{label} "{name}" was not in the catalog and was created.'}
                )
        return created

    def _fk(self, item: _Item, kind: str, created: dict, ref=None):
        ref = item.catalog.get(kind) if ref is None else ref
        if ref is None:
            return None
        how, value = ref
        return value if how == "id" else created[kind].get(value)

    def _write(self, items: list[_Item]) -> None:
        created = self._create_catalog(items)
        if self.dry_run:
            return
        now = timezone.now()
        new_items = [item for item in items if item.action == "new"]
        # Fresh ids, sorted in file order, and inserted last row first: a re-export lists rows of the same date in the
        # file's order (the list orders by -created_at, then id), so export → import → export gives the same document.
        ids = sorted(uuid.uuid4() for _ in new_items)
        purchases, warranties = [], []
        for item, pk in zip(new_items, ids, strict=True):
            values = item.values
            purchase = Purchase(
                id=pk,
                owner=self.owner,
                retailer_id=self._fk(item, "retailer", created),
                brand_id=self._fk(item, "brand", created),
                **{name: values[name] for name in PURCHASE_FIELDS if name not in CATALOG_MODELS},
            )
            item.instance = purchase
            purchases.append(purchase)
            if values.get("warranty"):
                warranties.append(Warranty(purchase_id=pk, **values["warranty"]))
        _insert_rows(Purchase, purchases[::-1], lambda done: self.progress("writing", done, len(purchases)))
        _insert_rows(Warranty, warranties)

        updated = [item for item in items if item.action == "update"]
        changed_purchases, new_warranties, changed_warranties, gone_warranties = [], [], [], []
        for item in updated:
            purchase = item.instance
            if item.changes:
                for name, value in item.changes.items():
                    if name in CATALOG_MODELS:
                        setattr(purchase, f"{name}_id", self._fk(item, name, created, ref=value) if value else None)
                    else:
                        setattr(purchase, name, value)
                purchase.updated_at = now
                changed_purchases.append(purchase)
            if item.warranty_change:
                how, values = item.warranty_change
                if how == "delete":
                    gone_warranties.append(purchase.warranty.pk)
                elif how == "create":
                    new_warranties.append(Warranty(purchase_id=purchase.pk, **values))
                else:
                    warranty = purchase.warranty
                    for key in WARRANTY_FIELDS:
                        setattr(warranty, key, values.get(key))
                    warranty.updated_at = now
                    changed_warranties.append(warranty)
        _update_rows(Purchase, changed_purchases, [*PURCHASE_FIELDS, "updated_at"])
        for batch in _chunked(gone_warranties, 500):
            Warranty.objects.filter(pk__in=batch).delete()
        for batch in _chunked(new_warranties, WRITE_BATCH_SIZE):
            Warranty.objects.bulk_create(batch)
        _update_rows(Warranty, changed_warranties, [*WARRANTY_FIELDS, "updated_at"])
        if purchases or updated:
            # Bulk writes send no signals: invalidate the owner's cached analytics once.
            bump_user_version(self.owner.pk)

    def run(self, items: list[_Item], file_warnings: list[dict]) -> ImportOutcome:
        total = len(items)
        with transaction.atomic():
            for done, item in enumerate(items, 1):
                self._validate(item)
                if done % 1000 == 0 or done == total:
                    self.progress("validating", done, total)
            self._resolve_catalog(items)
            self._match_duplicates(items)
            self._plan(items)
            has_errors = any(item.errors for item in items)
            refused = has_errors and not self.partial
            if refused:
                for item in items:
                    if not item.errors:
                        item.action, item.instance = "skip", None
            else:
                self._write(items)
        report = {
            "dry_run": self.dry_run,
            "total_rows": total,
            "created": 0 if refused else sum(item.action == "new" for item in items),
            "updated": 0 if refused else sum(item.action == "update" for item in items),
            "skipped": 0 if refused else sum(item.action == "skip" for item in items),
            "errors": [
                {"row": item.number, "field": self.field_name(path), "message": message}
                for item in items
                for path, message in item.errors
            ],
            "warnings": [*file_warnings, *sorted(self.warnings, key=lambda w: w["row"])],
        }
        rows = [
            RowOutcome(
                number=item.number,
                action="invalid" if item.errors else item.action,
                errors=[{"row": item.number, "field": self.field_name(p), "message": m} for p, m in item.errors],
                instance=item.instance,
            )
            for item in items
        ]
        return ImportOutcome(report=report, rows=rows, refused=refused)


def purchases_import_detailed(
    *,
    owner,
    table: CsvTable | None = None,
    document: dict | None = None,
    on_duplicate: str = "skip",
    dry_run: bool = False,
    partial: bool = False,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Imports a parsed CSV `table` (parse_csv / CsvTable.from_dataset) or JSON `document` (parse_json) for `owner`.

    Every row is validated (PurchaseSerializer's rules) before anything is written; the whole import runs in one
    transaction.atomic(). With any error and not `partial` nothing is written; with `partial` the valid rows are.
    `dry_run` writes nothing (not even catalog entries) and reports what the real run would do. Duplicates follow
    API.md (`on_duplicate` skip|update); an update that changes nothing is skipped. Writes are bulk_create /
    bulk_update batches; catalog names are resolved once per file and missing ones created with a warning each.
    Returns the report (API.md shape) and per-row outcomes (for the admin).
    """
    if (table is None) == (document is None):
        raise TypeError("Pass exactly one of table= or document=")
    if table is not None:
        items, warnings, urls = _csv_items(table), list(table.warnings), {}
        field_name = PurchaseResource.column_for_path
    else:
        items, warnings, urls = _json_items(document)
        field_name = lambda path: path  # noqa: E731 - JSON reports name the object's own paths
    importer = _Importer(
        owner=owner,
        on_duplicate=on_duplicate,
        dry_run=dry_run,
        partial=partial,
        progress=progress,
        field_name=field_name,
        catalog_urls=urls,
    )
    return importer.run(items, warnings)


def purchases_import(**kwargs) -> dict:
    """`purchases_import_detailed` (same keyword arguments), returning only the report:
    {"dry_run", "total_rows", "created", "updated", "skipped", "errors": [{"row", "field", "message"}],
    "warnings": [{"row", "message"}]} (rows count data rows from 1; file-level warnings have "row": null)."""
    return purchases_import_detailed(**kwargs).report
