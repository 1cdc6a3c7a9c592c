"""Import and export of a user's purchases (API.md § Export and import): file parsing, the batched importer and the
streamed exporters. The CSV column mapping is PurchaseResource's; field validation is PurchaseSerializer's."""

import csv
import datetime
import decimal
import io
import itertools
import json
import operator
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.settings import api_settings
from rest_framework.utils.encoders import JSONEncoder

from catalog.api.serializers import RetailerSerializer
from catalog.models import Brand, Retailer
from catalog.services import catalog_entry_save
from purchases import selectors
from purchases.api.serializers import PURCHASE_OBJECT_LOOKUPS, PurchaseSerializer, purchase_object
from purchases.models import Purchase
from purchases.resources import NEUTRALISE_FIRST_CHARACTERS, PurchaseResource, cell_text, neutralise
from spends import data_versions
from warranties.models import Warranty

EXPORT_FORMAT = "spends-tracker"
EXPORT_VERSION = 1
WRITE_BATCH_SIZE = 1000  # rows per INSERT; all batches share the import's one transaction
UPDATE_BATCH_SIZE = 1000  # rows per executemany() of an UPDATE
EXPORT_CHUNK_SIZE = 1000  # rows fetched per round trip while streaming an export
STREAM_ROWS_PER_PIECE = 200  # CSV rows per piece of the streamed body

# What an import may set on a purchase; the serializer's other fields are read-only in an import.
WRITABLE_KEYS = ("product_name", "price", "currency_code", "status", "purchase_date", "notes", "warranty")
PURCHASE_FIELDS = ("product_name", "price", "currency_code", "retailer", "brand", "status", "purchase_date", "notes")
WARRANTY_FIELDS = ("warranty_start", "warranty_end", "warranty_type", "status", "provider", "notes")
CATALOG_MODELS = {"retailer": Retailer, "brand": Brand}
# Keys of an exported purchase object that an import reads or knowingly ignores (the rest get a warning).
KNOWN_OBJECT_KEYS = {
    "id", "product_name", "price", "currency_code", "retailer_id", "retailer_name", "brand_id", "brand_name",
    "status", "purchase_date", "notes", "warranty", "attachment_count", "created_at", "updated_at",
}  # fmt: skip
KNOWN_DOCUMENT_KEYS = {"format", "version", "exported_at", "retailers", "brands", "purchases"}

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class ImportFileError(Exception):
    """The file as a whole cannot be imported: not UTF-8, not CSV/JSON, empty, missing columns, wrong format/version.
    Nothing is written; the API answers 400 with `message` as the detail."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- reading files -------------------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if isinstance(data, str):
        text = data
    else:
        try:
            text = bytes(data).decode("utf-8-sig")  # the BOM that spreadsheet programs write is optional
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"The file is not UTF-8 text (undecodable byte at position {exc.start}). Save it as UTF-8 and retry."
            ) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ImportFileError("The file is empty.")
    if "\x00" in text:
        raise ImportFileError("The file is binary, not text (it contains NUL bytes).")
    return text


def _normalise_header(name) -> str:
    return cell_text(name).strip().lstrip("\ufeff").strip().lower()


@dataclass
class CsvTable:
    """A parsed CSV file: normalised header names and the data rows (blank rows dropped; rows may be ragged)."""

    headers: list[str]
    rows: list[list]
    warnings: list[dict] = field(default_factory=list)

    @classmethod
    def from_dataset(cls, dataset) -> "CsvTable":
        """From a tablib Dataset (the admin's upload, in any format tablib reads)."""
        headers = [_normalise_header(name) for name in (dataset.headers or [])]
        rows = [list(row) for row in dataset if any(cell_text(cell).strip() for cell in row)]
        return cls(headers, rows).checked()

    def checked(self) -> "CsvTable":
        """Checks the header (required columns, no column twice) and notes unknown columns as file warnings."""
        known = set(PurchaseResource.headers())
        seen = set()
        for name in self.headers:
            if name in seen and name:
                raise ImportFileError(f'The column "{name}" appears more than once in the header.')
            seen.add(name)
        missing = [name for name in PurchaseResource.REQUIRED_COLUMNS if name not in seen]
        if missing:
            hint = ""
            if len(self.headers) == 1 and ";" in self.headers[0]:
                hint = " The header seems to use ';' as separator: columns must be separated by commas."
            raise ImportFileError(
                "Missing required column(s): " + ", ".join(missing) + ". The first line must be a header naming at "
                "least product_name, price and purchase_date." + hint
            )
        for name in self.headers:
            if name not in known:
                label = f'"{name}"' if name else "without a name"
                self.warnings.append({"row": None, "message": f"Unknown column {label} is ignored."})
        return self


def parse_csv(data: bytes) -> CsvTable:
    """A CSV upload → CsvTable. Raises ImportFileError for anything that is not a CSV file with the required columns."""
    text = _decode(data)
    if text.lstrip()[:1] in ("{", "["):
        raise ImportFileError("The file looks like JSON, not CSV: send it to /api/import/json.")
    try:
        records = [row for row in csv.reader(io.StringIO(text, newline=""), strict=True) if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise ImportFileError(f"The file is not valid CSV: {exc}.") from None
    if not records:
        raise ImportFileError("The file is empty.")
    return CsvTable([_normalise_header(name) for name in records[0]], records[1:]).checked()


def parse_json(data: bytes) -> dict:
    """A JSON upload → the export document. Raises ImportFileError unless it is a spends-tracker document, version 1."""
    text = _decode(data)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"The file is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from None
    except RecursionError:
        raise ImportFileError("The file is not valid JSON: it is nested too deeply.") from None
    if not isinstance(document, dict):
        raise ImportFileError('The file must be a JSON object with "format": "spends-tracker" (an export document).')
    if document.get("format") != EXPORT_FORMAT:
        raise ImportFileError(f'Not a Spends Tracker export: "format" must be "{EXPORT_FORMAT}".')
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ImportFileError(f'"version" must be an integer; this server reads version {EXPORT_VERSION}.')
    if version != EXPORT_VERSION:
        newer = " (newer than this server)" if version > EXPORT_VERSION else ""
        raise ImportFileError(
            f"Unsupported export version {version}{newer}; this server reads version {EXPORT_VERSION}."
        )
    if not isinstance(document.get("purchases"), list):
        raise ImportFileError('"purchases" must be a list of purchase objects.')
    for key in ("retailers", "brands"):
        if not isinstance(document.get(key, []), list):
            raise ImportFileError(f'"{key}" must be a list of {{"name", "url"}} objects.')
    return document


# --- importing -----------------------------------------------------------------------------------------------------


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


@dataclass
class _Item:
    """One row on its way through the import: the purchase object, then its validated values and its decision."""

    number: int
    obj: object
    present: set  # top-level purchase fields the file provides (an update changes only those)
    errors: list = field(default_factory=list)  # [(field path, message)]
    pid: uuid.UUID | None = None
    values: dict | None = None
    catalog: dict = field(default_factory=dict)  # kind → None | ("id", uuid) | ("name", key)
    duplicate_of: uuid.UUID | None = None
    action: str = "invalid"
    changes: dict = field(default_factory=dict)
    warranty_change: tuple | None = None  # ("create", values) | ("update", values) | ("delete", None)
    instance: Purchase | None = None


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


def _chunked(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _update_rows(model, objects: list, names: list[str]) -> None:
    """UPDATE each object's `names` columns by primary key, one executemany() per batch.

    Django's bulk_update() builds a CASE WHEN per field and row; measured on 5,000 rows it took 14 of 18 seconds
    (SQLite), while a parameterised UPDATE sent with executemany() runs the batch in one call. Values are prepared by
    the model fields themselves (get_db_prep_save), so every backend gets what a save() would send."""
    if not objects:
        return
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    pk = model._meta.pk
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(pk.column)} = %s"  # noqa: S608 - names from model metadata, values are parameters
    with connection.cursor() as cursor:
        for batch in _chunked(objects, UPDATE_BATCH_SIZE):
            params = [
                [*(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields),
                 pk.get_db_prep_value(obj.pk, connection)]
                for obj in batch
            ]  # fmt: skip
            cursor.executemany(sql, params)


def _psycopg3() -> bool:
    from django.db.backends.postgresql.psycopg_any import is_psycopg3  # imports psycopg: PostgreSQL only

    return is_psycopg3


def _insert_rows(model, objects: list, progress: Callable[[int], None] | None = None) -> None:
    """Inserts new model instances in the current transaction: bulk_create batches, or on PostgreSQL one COPY.

    At 100,000 rows bulk_create's INSERT ... UNNEST spent more time building and adapting its parameters than the
    server spent inserting (#10); COPY streams the rows. The values: auto_now(_add) time stamps from the field's
    pre_save, as bulk_create sets them; the others as the instance holds them. On PostgreSQL every field's
    get_db_prep_save returns the validated Python values unchanged (uuid, str, Decimal, date; asserted in
    tests/transfer/test_services.py), and calling it per value cost 2.2 s of a 100,000-row import.
    The instances are marked saved, as bulk_create does."""
    if connection.vendor != "postgresql" or not _psycopg3():
        done = 0
        for batch in _chunked(objects, WRITE_BATCH_SIZE):
            model.objects.bulk_create(batch)
            done += len(batch)
            if progress:
                progress(done)
        return
    fields = model._meta.concrete_fields
    stamped = [getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"  # names from model metadata
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for done, obj in enumerate(objects, 1):
            values = obj.__dict__
            copy.write_row([
                f.pre_save(obj, True) if stamp else values[f.attname] for f, stamp in zip(fields, stamped, strict=True)
            ])  # fmt: skip
            obj._state.adding, obj._state.db = False, connection.alias
            if progress and (done % WRITE_BATCH_SIZE == 0 or done == len(objects)):
                progress(done)


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
            data_versions.bump(data_versions.owner_scope(self.owner.pk))

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


def _csv_items(table: CsvTable) -> list[_Item]:
    width = len(table.headers)
    items = []
    for number, cells in enumerate(table.rows, 1):
        if len(cells) != width:
            item = _Item(number=number, obj=None, present=set())
            item.errors.append((None, f"The row has {len(cells)} cells but the header has {width} columns."))
            items.append(item)
            continue
        obj, present = PurchaseResource.row_to_object(dict(zip(table.headers, cells, strict=True)), table.headers)
        items.append(_Item(number=number, obj=obj, present=_present_fields(present)))
    return items


def _present_fields(keys: Iterable[str]) -> set[str]:
    """Top-level keys of a purchase object → the purchase fields they set ("retailer_name" → "retailer")."""
    fields = set()
    for key in keys:
        for kind in CATALOG_MODELS:
            if key in (f"{kind}_name", f"{kind}_id"):
                key = kind
        fields.add(key)
    return fields


def _json_items(document: dict) -> tuple[list[_Item], list[dict], dict]:
    warnings = []
    unknown = sorted(set(document) - KNOWN_DOCUMENT_KEYS)
    for key in unknown:
        warnings.append({"row": None, "message": f'Unknown key "{key}" in the document is ignored.'})
    items, unknown_keys = [], set()
    for number, obj in enumerate(document["purchases"], 1):
        if isinstance(obj, dict):
            unknown_keys.update(set(obj) - KNOWN_OBJECT_KEYS)
        items.append(_Item(number=number, obj=obj, present=_present_fields(obj) if isinstance(obj, dict) else set()))
    for key in sorted(unknown_keys):
        warnings.append({"row": None, "message": f'Unknown field "{key}" in purchase objects is ignored.'})
    # The document's catalog objects give the url of entries the import creates.
    serializer_fields = RetailerSerializer().fields
    urls: dict[str, dict] = {}
    for kind, key in (("retailer", "retailers"), ("brand", "brands")):
        urls[kind] = {}
        for index, entry in enumerate(document.get(key) or []):
            try:
                name = serializer_fields["name"].run_validation(entry.get("name"))
                url = entry.get("url") or ""
                url = serializer_fields["url"].run_validation(url) if url else ""
            except (DRFValidationError, AttributeError):
                warnings.append(
                    {"row": None, "message": f'"{key}"[{index}] is not a valid {{"name", "url"}} object; ignored.'}
                )
                continue
            urls[kind][name.casefold()] = url
    return items, warnings, urls


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


# --- exporting -----------------------------------------------------------------------------------------------------


def export_filename(extension: str, now: datetime.datetime | None = None) -> str:
    """spends-export-YYYYMMDD.<extension>, the date in UTC."""
    now = (now or timezone.now()).astimezone(datetime.UTC)
    return f"spends-export-{now:%Y%m%d}.{extension}"


# The CSV export reads plain tuples (selectors.purchase_export_rows) instead of a model instance and a
# PurchaseSerializer representation per row: the serializer's field machinery was 59% of the time and model
# instantiation 10% (cProfile, #10). The columns stay PurchaseResource's; this table only says, for each column's
# `source` (its path in PurchaseSerializer's output), which `purchase_object` argument holds it (its values_list()
# lookup is in PURCHASE_OBJECT_LOOKUPS, the one table of lookups for both exports) and what kind of value it is.
_CSV_LOOKUPS = {
    "id": ("id", "uuid"),
    "product_name": ("product_name", "text"),
    "price": ("price", "money"),
    "currency_code": ("currency_code", "text"),
    "retailer_name": ("retailer_name", "text"),
    "brand_name": ("brand_name", "text"),
    "status": ("status", "text"),
    "purchase_date": ("purchase_date", "date"),
    "notes": ("notes", "text"),
    "warranty.warranty_start": ("warranty_start", "date"),
    "warranty.warranty_end": ("warranty_end", "date"),
    "warranty.warranty_type": ("warranty_type", "text"),
    "warranty.status": ("warranty_status", "text"),  # the effective status, as the serializer shows it
    "warranty.provider": ("warranty_provider", "text"),
    "warranty.notes": ("warranty_notes", "text"),
    "created_at": ("created_at", "datetime"),
    "updated_at": ("updated_at", "datetime"),
}
_unmapped = [column.source for column in PurchaseResource.columns() if column.source not in _CSV_LOOKUPS]
if _unmapped:
    raise ImproperlyConfigured(f"purchases.transfer._CSV_LOOKUPS has no lookup for the CSV column(s) {_unmapped}.")

_CSV_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_UTC_OR_NAIVE = frozenset((datetime.UTC, None))  # purchase_export_rows' date-times: naive ones are UTC too
_ONLY_DATETIMES = {datetime.datetime}
_TZINFO, _YEAR = operator.attrgetter("tzinfo"), operator.attrgetter("year")
_TO_SECONDS = operator.itemgetter(slice(0, 19))  # "YYYY-MM-DDTHH:MM:SS" of an isoformat()
_FORMULA_STARTS = tuple(NEUTRALISE_FIRST_CHARACTERS)
# Field renderings that give a stored string back as it is (CharField: str(); ChoiceField: the choice, a plain str).
_TEXT_AS_IS = (serializers.CharField.to_representation, serializers.ChoiceField.to_representation)

# The export formats a batch of rows a column at a time: each column's step takes the batch's values of that column
# and returns its cells, mostly through C loops (map, filter, str methods) rather than a Python call per cell.


def _serializer_field(serializer, source: str):
    field = serializer
    for name in source.split("."):
        field = field.fields[name]
    return field


def _rendered_by(field) -> Callable:
    """A cell as `object_to_row` writes the serializer field's output: the fallback of every shortcut below."""

    def cell(value):
        if value is None:
            return None
        value = field.to_representation(value)
        return None if value is None else neutralise(str(value))

    return cell


def _money_cell(field) -> Callable:
    rendered = _rendered_by(field)

    def cell(value):
        if value.__class__ is decimal.Decimal:
            text = f"{value:f}"
            if text[-3:-2] == "." and text[:1] != "-":  # already two decimals: DRF's quantize changes nothing
                return text
        return rendered(value)

    return cell


def _datetime_cell(field) -> Callable:
    rendered = _rendered_by(field)

    def cell(value):
        # DRF renders the value in the current time zone (UTC, checked below; a naive value is taken to be in it) with
        # strftime. For a UTC value with a four-digit year, the ISO form up to the seconds is the same text, faster.
        if value.__class__ is datetime.datetime and value.tzinfo in _UTC_OR_NAIVE and value.year >= 1000:
            return value.isoformat()[:19] + "Z"
        return rendered(value)

    return cell


def _cells_step(cell: Callable) -> Callable[[tuple], list]:
    def step(column: tuple) -> list:
        return list(map(cell, column))

    return step


def _text_step(column: tuple) -> Sequence:
    # One C-level scan finds whether any cell may look like a formula; nearly every column of a batch has none.
    if any(map(str.startswith, filter(None, column), itertools.repeat(_FORMULA_STARTS))):
        return [neutralise(value) if value else value for value in column]
    return column


def _datetime_step(field) -> Callable[[tuple], list]:
    cell = _datetime_cell(field)

    def step(column: tuple) -> list:
        # _datetime_cell's checks, once for the whole column; then its shortcut without a Python call per value.
        if (
            set(map(type, column)) == _ONLY_DATETIMES
            and set(map(_TZINFO, column)) <= _UTC_OR_NAIVE
            and min(map(_YEAR, column)) >= 1000
        ):
            return list(map("{}Z".format, map(_TO_SECONDS, map(datetime.datetime.isoformat, column))))
        return list(map(cell, column))

    return step


def _csv_column_steps(serializer, columns) -> list[Callable | None]:
    """Per column, its step, or None when csv.writer's str() already is the serializer's text and cannot look like a
    formula. Each shortcut is taken only when the serializer field renders the way it assumes; otherwise the field
    renders the cells itself, so the file stays the serializer's output whatever the settings."""
    steps = []
    for column in columns:
        kind = _CSV_LOOKUPS[column.source][1]
        field = _serializer_field(serializer, column.source)
        if kind == "uuid" and isinstance(field, serializers.UUIDField) and field.uuid_format == "hex_verbose":
            steps.append(None)  # str(UUID), or the same text from PostgreSQL: hex digits and hyphens
        elif kind == "date" and getattr(field, "format", api_settings.DATE_FORMAT).lower() == ISO_8601:
            steps.append(None)  # str(date) is isoformat(): digits first
        elif kind == "text" and type(field).to_representation in _TEXT_AS_IS:
            steps.append(_text_step)
        elif kind == "money" and (
            isinstance(field, serializers.DecimalField)
            and field.decimal_places == 2
            and getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
            and not field.localize
            and not field.normalize_output
        ):
            steps.append(_cells_step(_money_cell(field)))
        elif kind == "datetime" and (
            getattr(field, "format", api_settings.DATETIME_FORMAT) == _CSV_DATETIME_FORMAT
            and str(field.timezone if hasattr(field, "timezone") else field.default_timezone()) == "UTC"
        ):
            steps.append(_datetime_step(field))
        else:
            steps.append(_cells_step(_rendered_by(field)))
    return steps


def _csv_rows(steps: list[Callable | None]) -> Callable[[list], Iterator[tuple]]:
    """A function from a batch of purchase_export_rows tuples to their CSV rows, neutralised: object_to_row's cells,
    except that None stays None (csv.writer writes it as an empty cell, and str() of everything else)."""
    indexed = [(index, step) for index, step in enumerate(steps) if step is not None]

    def rows(batch: list) -> Iterator[tuple]:
        columns = list(zip(*batch, strict=True))
        for index, step in indexed:
            columns[index] = step(columns[index])
        return zip(*columns, strict=True)

    return rows


def purchases_export_csv(*, queryset, progress: Progress | None = None, total: int | None = None) -> Iterator[str]:
    """The CSV export of `queryset` (purchase_list rows, already filtered and ordered), in pieces: a UTF-8 BOM, the
    header of API.md, then one row per purchase with formula-looking cells neutralised: byte for byte
    `PurchaseResource.object_to_row(PurchaseSerializer().to_representation(purchase))`. One query, read
    `EXPORT_CHUNK_SIZE` rows at a time (streamed on PostgreSQL: see selectors.purchase_export_rows, which also says
    why the connection must not be used for anything else until the pieces are all read or the iterator is closed),
    so memory does not grow with the rows."""

    columns = PurchaseResource.columns()
    lookups = [PURCHASE_OBJECT_LOOKUPS[_CSV_LOOKUPS[column.source][0]] for column in columns]
    csv_rows = _csv_rows(_csv_column_steps(PurchaseSerializer(), columns))
    rows = selectors.purchase_export_rows(queryset=queryset, fields=lookups, chunk_size=EXPORT_CHUNK_SIZE)
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # comma-separated, quotes only where needed, CRLF as RFC 4180 and spreadsheets expect
    writer.writerow(PurchaseResource.headers())
    done = 0
    yield "\ufeff"
    while batch := list(itertools.islice(rows, STREAM_ROWS_PER_PIECE)):
        writer.writerows(csv_rows(batch))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if progress:  # every EXPORT_CHUNK_SIZE rows
            for mark in range(done // EXPORT_CHUNK_SIZE + 1, (done + len(batch)) // EXPORT_CHUNK_SIZE + 1):
                progress("exporting", mark * EXPORT_CHUNK_SIZE, total or 0)
        done += len(batch)
    if buffer.tell():  # no rows: the header alone
        yield buffer.getvalue()


def _catalog_objects(model, owner) -> list[dict]:
    fk = f"{model._meta.model_name}_id"
    # The ids the owner uses first (a scan of the (owner, retailer|brand) index), then their rows. As one query with
    # a semi-join, PostgreSQL walked the owner's purchases once per catalog entry: 21 s at 1M purchases (#10).
    used = Purchase.objects.owned_by(owner).filter(**{f"{fk}__isnull": False}).order_by().values_list(fk, flat=True)
    return list(model.objects.filter(pk__in=list(used.distinct())).ordered().values("name", "url"))


_JSON_ENCODER = JSONEncoder(ensure_ascii=False)  # json.dumps(value, cls=JSONEncoder, ensure_ascii=False), made once


def _dumps(value) -> str:
    return _JSON_ENCODER.encode(value)


def purchases_export_json(
    *, owner, exported_at: datetime.datetime | None = None, progress: Progress | None = None, total: int | None = None
) -> Iterator[str]:
    """The JSON export document of `owner`, in pieces: {"format", "version", "exported_at", "retailers", "brands",
    "purchases"} with the purchase objects of GET /api/purchases (nested warranty), in the list's default order.
    Rows are read `EXPORT_CHUNK_SIZE` at a time, so memory does not grow with the number of purchases."""

    exported_at = (exported_at or timezone.now()).astimezone(datetime.UTC)
    head = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": exported_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "retailers": _catalog_objects(Retailer, owner),
        "brands": _catalog_objects(Brand, owner),
    }
    yield _dumps(head)[:-1] + ', "purchases": ['
    # Plain rows, streamed (selectors.purchase_export_rows), rendered by the serializer's own read path: a model
    # instance per row through a WITH HOLD cursor made 1M purchases take 197 s, the first after 39 s (#10).
    names = list(PURCHASE_OBJECT_LOOKUPS)
    rows = selectors.purchase_export_rows(
        queryset=selectors.purchase_list(owner=owner),
        fields=list(PURCHASE_OBJECT_LOOKUPS.values()),
        chunk_size=EXPORT_CHUNK_SIZE,
    )
    encode = _JSON_ENCODER.encode
    separator = "\n"
    for done, row in enumerate(rows, 1):
        yield separator + encode(purchase_object(**dict(zip(names, row, strict=True))))
        separator = ",\n"
        if progress and done % EXPORT_CHUNK_SIZE == 0:
            progress("exporting", done, total or 0)
    yield "\n]}\n"
