"""The batched importer (API.md § Export and import).

1. Read and validate every row (validating.BulkValidator: the API's field rules run column by column over batches of
   rows), streaming, outside any transaction: reads only.
2. Resolve catalog names and check catalog ids, and refuse repeated ids (reads only). With any error and not
   `partial`, stop: nothing is written, and no write transaction is ever opened.
3. In one short transaction (on SQLite: BEGIN IMMEDIATE, the write lock), decide against the state the write will
   change: catalog names again (entries may have been created or deleted meanwhile), duplicates, the updates' diffs;
   then write (`_Importer.write_rows`: writing.ImportWrite, each row converted in Python). A dry run decides the
   same way without a transaction and writes nothing.

Validation, most of an import's time, thus never holds the write lock: another user's writes wait at most for the
short write, not for the whole import (#18)."""

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Max

from households.selectors import member_ids_by_username
from purchases import conversion, summaries
from purchases.models import Purchase, return_window_errors
from spends import data_versions
from transfer import converting, coverages
from transfer.columns import collector_paused
from transfer.reading import CATALOG_MODELS, CsvTable, JsonRows, Lines, Progress, SourceRow, csv_rows
from transfer.resources import PurchaseResource
from transfer.validating import BulkValidator, Item
from transfer.writing import (
    PLAIN_FIELDS,
    WARRANTY_FIELDS,
    ImportWrite,
    chunked,
    create_catalog_entries,
    fresh_ids,
)
from warranties.selectors import chosen_warranty_relation

PURCHASE_FIELDS = (
    "product_name",
    "price",
    "currency_code",
    "retailer",
    "brand",
    "status",
    "purchase_date",
    "notes",
    "return_by",
    "returned_on",
)
# What an update compares and rewrites of a duplicate: name → values_list() lookup; Item.current in this order.
CURRENT_LOOKUPS = {
    **{name: name for name in PLAIN_FIELDS},
    "retailer_id": "retailer_id",
    "brand_id": "brand_id",
    "warranty_id": "warranty__id",
    **{f"warranty.{name}": f"warranty__{name}" for name in WARRANTY_FIELDS},
    "exchange_rate": "exchange_rate",
    "rate_source": "rate_source",
}
CURRENT_INDEX = {name: index for index, name in enumerate(CURRENT_LOOKUPS)}
PLAIN_INDEX = {name: index for index, name in enumerate(PLAIN_FIELDS)}
_NATURAL_KEY = ("product_name", "price", "currency_code", "purchase_date")  # what makes a row a duplicate
READ_BATCH_SIZE = 500  # ids per `pk IN (...)` query
_PENDING = object()  # a catalog name that is not in the catalog (yet)


def _by_id(ids: list):
    """The purchases with these ids, whichever household owns them (the caller checks household_id): with
    `household = ?` in the query, SQLite's planner scans the household's index for every batch of ids, quadratic in
    the size of the account. `warranty` is each one's chosen coverage (the one a version-1 file holds): an import
    updates or deletes that one and leaves the purchase's other coverages alone."""
    return Purchase.objects.annotate(warranty=chosen_warranty_relation()).filter(pk__in=ids).order_by()


@dataclass
class RowOutcome:
    number: int
    action: str = "invalid"  # new | update | skip | invalid
    errors: list = field(default_factory=list)  # [{"row", "field", "message"}]
    instance: Purchase | None = None  # the purchase written (or that would be), for the admin's log


@dataclass
class ImportOutcome:
    report: dict
    rows: list[RowOutcome]  # empty unless asked for (keep_rows)
    refused: bool  # errors without `partial`: nothing was (or, in a dry run, would be) written; the API answers 400


class _Importer:
    def __init__(
        self,
        *,
        household_id,
        created_by,
        on_duplicate: str,
        dry_run: bool,
        partial: bool,
        progress: Progress | None,
        group_by_id: bool = False,
        lines: Lines | None = None,
    ):
        if on_duplicate not in ("skip", "update"):
            raise ValueError(f"on_duplicate must be skip or update, not {on_duplicate!r}")
        self.household_id = household_id
        self.created_by = created_by
        self.on_duplicate = on_duplicate
        self.dry_run = dry_run
        self.partial = partial
        self.group_by_id = group_by_id  # a version-2 CSV: rows with the same id are one purchase
        self.lines = lines or Lines(csv=False)
        self.progress = progress or (lambda stage, done, total: None)
        self.warnings: list[dict] = []
        self.catalog_ids: dict[str, dict] = {}  # kind → {reference: entry id}
        self.pending: dict[str, dict] = {}  # kind → {casefolded name: the file's first spelling}

    def run(self, rows: Iterable[SourceRow], catalog_urls: Callable[[], dict]) -> tuple[list[Item], bool]:
        """Imports `rows`; returns the items and whether the import was refused. `catalog_urls()`: kind → casefolded
        name → url, for the entries the import creates (known once the rows are read)."""
        items = BulkValidator(self.progress, group_by_id=self.group_by_id).items(rows)
        self._resolve_catalog(items)
        self._refuse_repeated_ids(items)
        converting.home_rate_errors(items, PLAIN_INDEX["currency_code"], conversion.home_currency_of(self.household_id))
        if self._refused(items):
            return items, True
        if self.dry_run:
            self._decide(items)
            self._catalog_warnings(items)
            return items, self._refused(items)  # an update may be refused while deciding (_check_return_window)
        stamp = self._stamp()
        self._decide(items)  # outside the transaction; checked against `stamp` inside
        ids = fresh_ids(sum(not item.errors for item in items))
        with transaction.atomic():
            return items, self._write(items, catalog_urls(), ids, stamp)

    def _refused(self, items: list[Item]) -> bool:
        return not self.partial and any(item.errors for item in items)

    # -- checks and decisions (reads only) --
    def _resolve_catalog(self, items: list[Item]) -> None:
        """Catalog references → entry ids, against the catalog as it is now: one query per model, names matched
        case-insensitively in Python (SQLite's lower() is ASCII-only). Names not in the catalog are remembered (they
        are created only when written); an id that is not in the catalog is the row's error."""
        for kind, model in CATALOG_MODELS.items():
            ids, pending = self.catalog_ids[kind], self.pending[kind] = {}, {}
            refs = dict.fromkeys(getattr(item, kind) for item in items if not item.errors)  # file order
            refs.pop(None, None)
            if not refs:
                continue
            by_name, known = {}, set()
            for pk, name in model.objects.order_by("created_at", "id").values_list("id", "name"):
                by_name.setdefault(name.casefold(), pk)
                known.add(pk)
            for ref in refs:
                how, value = ref
                if how == "id":
                    if value in known:
                        ids[ref] = value
                elif value.casefold() in by_name:
                    ids[ref] = by_name[value.casefold()]
                else:
                    pending.setdefault(value.casefold(), value)
            for item in items:
                ref = getattr(item, kind)
                if ref and ref[0] == "id" and not item.errors and ref not in ids:
                    item.errors = [(f"{kind}_id", f"No {kind} with this id; give {kind}_name instead.")]

    def _refuse_repeated_ids(self, items: list[Item]) -> None:
        first_row = {}
        for item in items:
            if item.pid is not None and not item.errors:
                if item.pid in first_row:
                    item.errors = [("id", f"The same id as {self.lines.place(first_row[item.pid])}.")]
                else:
                    first_row[item.pid] = item.number

    def _stamp(self) -> dict:
        """Changes whenever one of the household's purchases or warranties is created, changed or deleted: every write
        sets updated_at (auto_now, and the importer's updates), deletes lower a count. One scan of the household's rows.
        (A queryset.update() of purchases or warranties that left updated_at alone would go unseen: there is none.)"""
        return Purchase.objects.in_household(self.household_id).aggregate(
            purchases=Count("pk", distinct=True),  # the join repeats a purchase per coverage
            changed=Max("updated_at"),
            # Named apart from the relation: an aggregate called "warranties" would shadow it in the next one.
            warranty_count=Count("warranties__id"),
            warranty_changed=Max("warranties__updated_at"),
        )

    def _decide(self, items: list[Item]) -> None:
        valid = [item for item in items if not item.errors]
        self._match_duplicates(valid)
        self._plan(valid)

    def _match_duplicates(self, valid: list[Item]) -> None:
        """A row duplicates the household's purchase with its id, or (no id of the household's) the next of the
        household's purchases with the same name (case-insensitive), date, price and currency. Each purchase matches
        one row."""
        owned = set()
        for chunk in chunked([item.pid for item in valid if item.pid], READ_BATCH_SIZE):
            rows = _by_id(chunk).values_list("pk", "household_id")
            owned.update(pk for pk, household_id in rows if household_id == self.household_id)
        # Another household's id is ignored: the row is treated as having no id.
        pools: dict[tuple, deque] = {}
        natural = [item for item in valid if item.pid not in owned]
        if natural:
            dates = [item.values[PLAIN_INDEX["purchase_date"]] for item in natural]
            existing = (
                Purchase.objects.in_household(self.household_id)
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
                name, price, currency, date = (item.values[PLAIN_INDEX[key]] for key in _NATURAL_KEY)
                pool = pools.get((name.casefold(), date, price, currency))
                item.duplicate_of = pool.popleft() if pool else None

    def _plan(self, valid: list[Item]) -> None:
        updating = self.on_duplicate == "update"
        targets = [item.duplicate_of for item in valid if item.duplicate_of and updating]
        current, self.stored_coverages = {}, {}
        for chunk in chunked(targets, READ_BATCH_SIZE):
            rows = _by_id(chunk).values_list("pk", "household_id", *CURRENT_LOOKUPS.values())
            current.update((row[0], row[2:]) for row in rows if row[1] == self.household_id)
        sets = [item.duplicate_of for item in valid if item.duplicate_of in current and item.coverages is not None]
        for chunk in chunked(sets, READ_BATCH_SIZE):  # version 2: the coverages the file's replace
            self.stored_coverages.update(coverages.stored_coverages(chunk))
        for item in valid:
            item.current = item.changes = item.warranty_change = None
            item.rate = item.file_rate
            if item.duplicate_of is not None and updating and item.duplicate_of not in current:
                item.duplicate_of = None  # deleted meanwhile (PostgreSQL; SQLite is locked): the row is new
            if item.duplicate_of is None:
                item.action = "new"
            elif not updating:
                item.action = "skip"
            else:
                item.current = current[item.duplicate_of]
                self._diff(item)
                item.action = "update" if item.changes or item.warranty_change else "skip"
                self._check_return_window(item)

    def _check_return_window(self, item: Item) -> None:
        """An update keeps the stored values of the columns a file lacks (a version-1 file has no return_by): the
        result must still keep the return window's rules (the database refuses it otherwise): else the row's error."""
        if not item.changes:
            return
        merged = {
            name: item.changes.get(name, item.current[CURRENT_INDEX[name]])
            for name in ("status", "purchase_date", "return_by", "returned_on")
        }
        errors = return_window_errors(**merged)
        if errors:
            item.errors = [(name, f"{message} (the purchase's stored value)") for name, message in errors.items()]
            item.action = "invalid"

    def _diff(self, item: Item) -> None:
        current, changes = item.current, {}
        for name in PURCHASE_FIELDS:
            if name not in item.present:
                continue
            if name in CATALOG_MODELS:
                ref, stored = getattr(item, name), current[CURRENT_INDEX[f"{name}_id"]]
                if ref is None and stored is not None or ref is not None and self._entry(name, ref) != stored:
                    changes[name] = ref
            elif current[CURRENT_INDEX[name]] != item.values[PLAIN_INDEX[name]]:
                changes[name] = item.values[PLAIN_INDEX[name]]
        converting.update_rate(
            item, current[CURRENT_INDEX["exchange_rate"]], current[CURRENT_INDEX["rate_source"]], changes
        )
        item.changes = changes or None
        if item.coverages is not None:
            stored = self.stored_coverages[item.duplicate_of]
            if not coverages.same_coverages(stored, item.coverages):
                item.warranty_change = ("replace", item.coverages)
        elif "warranty" in item.present:
            new, stored = item.warranty, current[CURRENT_INDEX["warranty_id"]] is not None
            if new is None and stored:
                item.warranty_change = ("delete", None)
            elif new is not None and not stored:
                item.warranty_change = ("create", new)
            elif new is not None:
                new = coverages.keeping_stored(
                    new, {k: current[CURRENT_INDEX[f"warranty.{k}"]] for k in coverages.KEPT}
                )
                if any(
                    current[CURRENT_INDEX[f"warranty.{key}"]] != value
                    for key, value in zip(WARRANTY_FIELDS, new, strict=True)
                ):
                    item.warranty_change = ("update", new)

    def _entry(self, kind: str, ref: tuple):
        return self.catalog_ids[kind].get(ref, _PENDING)

    # -- writing --
    def _missing_catalog(self, items: list[Item]) -> list[tuple[str, str, int]]:
        """(kind, casefolded name, first row) of each catalog entry that rows being written need, by first row."""
        first_use = {}
        for kind in CATALOG_MODELS:
            for item in items:
                ref = getattr(item, kind)
                wanted = item.action == "new" or item.action == "update" and kind in (item.changes or ())
                wanted = wanted and not item.errors
                if wanted and ref and ref[0] == "name" and self._entry(kind, ref) is _PENDING:
                    first_use.setdefault((kind, ref[1].casefold()), item.number)
        return [(kind, key, row) for (kind, key), row in sorted(first_use.items(), key=lambda pair: pair[1])]

    def _catalog_warnings(self, items: list[Item]) -> None:
        for kind, key, row in self._missing_catalog(items):
            label = CATALOG_MODELS[kind]._meta.verbose_name.capitalize()
            message = f'{label} "{self.pending[kind][key]}" is not in the catalog and would be created.'
            self.warnings.append({"row": row, "message": message})

    def _create_catalog(self, items: list[Item], urls: dict) -> None:
        """Creates the missing catalog entries that rows being written use; a warning each."""
        missing = self._missing_catalog(items)
        created = {}
        for kind, model in CATALOG_MODELS.items():
            wanted = [(self.pending[kind][key], urls.get(kind, {}).get(key, "")) for k, key, _ in missing if k == kind]
            if wanted:
                created[kind] = create_catalog_entries(model, wanted)
        for kind, key, row in missing:
            if created[kind][key][1]:
                label = CATALOG_MODELS[kind]._meta.verbose_name.capitalize()
                message = f'{label} "{self.pending[kind][key]}" was not in the catalog and was created.'
                self.warnings.append({"row": row, "message": message})
        for kind in created:
            for item in items:
                ref = getattr(item, kind)
                if ref and ref[0] == "name" and ref[1].casefold() in created[kind]:
                    self.catalog_ids[kind][ref] = created[kind][ref[1].casefold()][0]

    def _write(self, items: list[Item], urls: dict, ids: list, stamp: dict) -> bool:
        """Inside the write transaction: checks the decisions against the state they change, then writes. The catalog
        is resolved again (entries may have been created or deleted since the rows were checked: two queries); the
        duplicates and updates are decided again only when the household's purchases changed meanwhile (`stamp`), since
        that reads all the rows the file may duplicate. Returns whether the import is refused."""
        invalid = sum(bool(item.errors) for item in items)
        self._resolve_catalog(items)
        if self._refused(items):
            return True
        if sum(bool(item.errors) for item in items) != invalid or self._stamp() != stamp:
            self._decide(items)
        self._create_catalog(items, urls)
        new = [item for item in items if item.action == "new" and not item.errors]
        updated = [item for item in items if item.action == "update" and not item.errors]
        self.written_at = self.write_rows(new, updated, ids)
        return False

    def write_rows(self, new: list[Item], updated: list[Item], ids: list) -> object:
        """The import's write step, inside its transaction once every decision is taken: the new purchases (ids from
        `ids`) and the updates, each row with its conversion worked out in Python (converting.HomeConversion, the home
        currency read here), then the household's data version. Returns the write's time stamp."""
        write = ImportWrite(
            household_id=self.household_id,
            created_by=self.created_by,
            catalog_ids=self.catalog_ids,
            progress=self.progress,
            # The file's created_by names one of the household's members, or nobody (an unknown name, or another
            # household's user, is ignored alike: the import tells nothing of who exists). One query per import.
            members=member_ids_by_username(household_id=self.household_id) if any(i.creator for i in new) else None,
            conversion=converting.HomeConversion(self.household_id),
        )
        write.insert(new, ids)
        write.update(updated, CURRENT_INDEX)
        if new or updated:
            summaries.recompute([self.household_id])  # #24: its analytics summaries, from the rows as now written
            # The household's data version, in this write's transaction: every process's analytics see the import.
            data_versions.bump(data_versions.household_scope(self.household_id))
        return write.now

    # -- the outcome --
    def instance(self, item: Item) -> Purchase | None:
        """The purchase a row wrote (or, in update mode, matched), for the admin's log: built from the values the
        import holds, not read back."""
        if item.action == "new" and not self.dry_run:
            fields = dict(zip(PLAIN_FIELDS, item.values, strict=True), created_at=self.written_at)
            fields.update(retailer_id=self._fk("retailer", item.retailer), brand_id=self._fk("brand", item.brand))
            fields["updated_at"] = self.written_at
        elif item.current is not None:
            fields = {name: item.current[CURRENT_INDEX[name]] for name in (*PLAIN_FIELDS, "retailer_id", "brand_id")}
            for name, value in (item.changes or {}).items() if not self.dry_run else ():
                if name in CATALOG_MODELS:
                    fields[f"{name}_id"] = self._fk(name, value)
                else:
                    fields[name] = value
        else:
            return None
        purchase = Purchase(id=item.duplicate_of, household_id=self.household_id, **fields)
        purchase._state.adding, purchase._state.db = False, connection.alias
        return purchase

    def _fk(self, kind: str, ref: tuple | None):
        return None if ref is None else self.catalog_ids[kind].get(ref)

    def outcome(self, items: list[Item], refused: bool, file_warnings: list, field_name, keep_rows: bool):
        def errors(item):
            return [
                {"row": number, "line": self.lines.line(number), "field": field_name(path), "message": message}
                for path, message, *row in item.errors
                for number in [row[0] if row else item.number]
            ]

        counts = {"new": 0, "update": 0, "skip": 0, "invalid": 0}
        if not refused:
            for item in items:
                counts["invalid" if item.errors else item.action] += 1
        report = {
            "dry_run": self.dry_run,
            "total_rows": len(items),
            "created": counts["new"],
            "updated": counts["update"],
            "skipped": counts["skip"],
            "errors": [error for item in items if item.errors for error in errors(item)],
            "warnings": [
                {**warning, "line": self.lines.line(warning["row"])}
                for warning in [*file_warnings, *sorted(self.warnings, key=lambda w: w["row"])]
            ],
            "skipped_rows": [
                {"row": n, "line": self.lines.line(n), "reason": self.lines.skip_reason(item, self.on_duplicate)}
                for item in items
                for n in [item.number]
                if not refused and not item.errors and item.action == "skip"
            ],
        }
        rows = []
        if keep_rows:
            for item in items:
                action = "invalid" if item.errors else "skip" if refused else item.action
                instance = None if refused or item.errors else self.instance(item)
                rows.append(RowOutcome(item.number, action, errors(item) if item.errors else [], instance))
        return ImportOutcome(report=report, rows=rows, refused=refused)


def purchases_import_detailed(
    *,
    household_id,
    created_by,
    table: CsvTable | None = None,
    document: dict | None = None,
    on_duplicate: str = "skip",
    dry_run: bool = False,
    partial: bool = False,
    progress: Progress | None = None,
    keep_rows: bool = True,
) -> ImportOutcome:
    """Imports a CSV `table` (parse_csv, whose rows are read from the file here, or CsvTable.from_dataset) or JSON
    `document` (parse_json) into the household `household_id`. A new row records as created_by the household's member
    that its `created_by` names (username), else `created_by` (the caller); an update never changes it.

    Every row is validated (the API's rules: `validating`) before anything is written, outside any transaction; the
    writes run in one short transaction.atomic() (see the module's docstring). With any error and not `partial`
    nothing is written; with `partial` the valid rows are. `dry_run` writes nothing (not even catalog entries) and
    reports what the real run would do. Duplicates follow API.md (`on_duplicate` skip|update); an update that changes
    nothing is skipped. Missing catalog entries are created with a warning each. Returns the report (API.md shape)
    and, with `keep_rows`, per-row outcomes (for the admin). Raises ImportFileError when a streamed file turns out
    unreadable past its header (nothing is written then either).
    """
    if (table is None) == (document is None):
        raise TypeError("Pass exactly one of table= or document=")
    grouped = table is not None and table.version == 2  # rows with the same id are one purchase
    if table is not None:
        source, rows = table, csv_rows(table)
        # In version 2 a row is one of its purchase's `warranties`: its errors name the row's warranty columns.
        field_name = PurchaseResource.column_for_coverage_path if grouped else PurchaseResource.column_for_path
    else:
        source = JsonRows(document)
        rows, field_name = iter(source), lambda path: path  # JSON reports name the object's own paths
    importer = _Importer(
        household_id=household_id,
        created_by=created_by,
        on_duplicate=on_duplicate,
        dry_run=dry_run,
        partial=partial,
        progress=progress,
        group_by_id=grouped,
        lines=Lines(csv=table is not None),
    )
    with collector_paused():
        items, refused = importer.run(rows, lambda: getattr(source, "urls", {}))
    return importer.outcome(items, refused, list(source.warnings), field_name, keep_rows)


def purchases_import(**kwargs) -> dict:
    """`purchases_import_detailed` (same keyword arguments), returning only the report:
    {"dry_run", "total_rows", "created", "updated", "skipped", "errors": [{"row", "line", "field", "message"}],
    "warnings": [{"row", "line", "message"}], "skipped_rows": [{"row", "line", "reason"}]} (rows count data rows from
    1, `line` is a CSV's spreadsheet line, row + 1, else null; file-level warnings have "row": null)."""
    return purchases_import_detailed(keep_rows=False, **kwargs).report
