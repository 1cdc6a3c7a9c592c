"""django-import-export resources: the one field mapping of the CSV format (API.md § Export and import).

The admin buttons, `/api/import|export` and the management commands all go through these classes. A resource only
maps columns to the purchase object of the API (purchases.representation) and back, and neutralises formulas; field
validation stays in the validation modules (the API's DRF fields, without a serializer) and every write (dedupe,
household, dry run, partial, report) in `transfer.services`.
"""

import datetime
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Subquery
from django.db.models.functions import Lower
from import_export import fields, resources
from import_export.results import Error, RowResult
from rest_framework.exceptions import ValidationError as FieldError

from catalog import validation as catalog_validation
from catalog.models import Brand, Retailer
from purchases import representation
from purchases.models import Purchase

# CSV injection (API.md § Settled details): a text cell starting with one of these is written with a leading "'"
# and an import removes exactly that "'". A value that already starts with "'"s followed by a trigger gets one more
# "'" as well, otherwise the import would strip a quote the user typed and the round trip would not be lossless.
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")
# Every text _NEEDS_QUOTE matches starts with one of these; checking the first character first lets the CSV export
# skip the regex for nearly every cell (a set, not a string: "" in "=+..." would be true).
NEUTRALISE_FIRST_CHARACTERS = frozenset("'=+-@\t\r")


def neutralise(value: str) -> str:
    """The cell as written to a CSV export: formula-looking text gets a leading "'"."""
    if value[:1] not in NEUTRALISE_FIRST_CHARACTERS:
        return value
    return "'" + value if _NEEDS_QUOTE.match(value) else value


def unneutralise(value: str) -> str:
    """The exact inverse of `neutralise` for every string: removes the one "'" an export added."""
    return value[1:] if _QUOTED.match(value) else value


def cell_text(value) -> str:
    """A dataset cell as text: CSV cells already are; spreadsheet formats (admin uploads) give numbers and dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value)


class Column(fields.Field):
    """One CSV column. `source`: its dotted path in the purchase object (purchases.representation);
    `target`: its dotted path in the import input (the same object shape), None for read-only columns."""

    def __init__(self, source: str, target: str | None = None):
        super().__init__(attribute=source.replace(".", "__"), readonly=target is None)
        self.source = source
        self.target = target


def _csv_columns() -> dict[str, Column]:
    """The representation's CSV keys as columns, by column name (the header's names, in order)."""
    return {key.csv: Column(key.path, key.path if key.csv_read else None) for key in representation.CSV_KEYS}


class _PurchaseColumns(resources.ModelResource):
    """PurchaseResource's behaviour; its columns are the representation's (`_csv_columns`), set when it is made."""

    REQUIRED_COLUMNS = ("product_name", "price", "purchase_date")

    def __init__(self, user=None, on_duplicate: str = "update", **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.on_duplicate = on_duplicate

    # --- the mapping -------------------------------------------------------------------------------------------
    @classmethod
    def columns(cls) -> list[Column]:
        return [cls.fields[name] for name in cls._meta.fields]

    @classmethod
    def headers(cls) -> list[str]:
        return [column.column_name for column in cls.columns()]

    @classmethod
    def _columns_by_name(cls) -> dict[str, Column]:
        if "_by_name" not in cls.__dict__:
            cls._by_name = {column.column_name: column for column in cls.columns()}
        return cls._by_name

    @classmethod
    def column_for_path(cls, path: str | None) -> str | None:
        """The CSV column of an input path ("warranty.warranty_end" → "warranty_end"), for error reports."""
        if path is None:
            return None
        for column in cls.columns():
            if column.target == path:
                return column.column_name
        return path

    @classmethod
    def column_for_coverage_path(cls, path: str | None) -> str | None:
        """The column of an error's path in a version-2 CSV ("warranties.0.warranty_end" → "warranty_end")."""
        if path and path.startswith("warranties."):
            path = "warranty." + path.split(".", 2)[-1] if path.count(".") >= 2 else "warranty"
        return cls.column_for_path(path)

    @classmethod
    def row_to_object(cls, row: Mapping[str, object], headers: Iterable[str]) -> tuple[dict, set[str]]:
        """A CSV row (column → cell) as the API's purchase object, and the top-level keys the file provides."""
        headers = list(headers)
        read, present = cls.object_reader(headers)
        return read([row.get(header) for header in headers]), set(present)

    @classmethod
    def object_reader(cls, headers: Sequence[str]) -> tuple[Callable[[Sequence], dict], frozenset[str]]:
        """For a file with the columns `headers`: a function turning a row's cells (in the header's order) into the
        API's purchase object, and the top-level keys the file provides. Worked out once per file: an import reads
        each of its 100,000s of rows through it.

        Empty cells are left out, so the serializer's defaults apply and a missing required value says so. When the
        file has warranty columns and all of a row's are empty, the row's `warranty` is null (no warranty)."""
        by_name = cls._columns_by_name()
        plan = []  # (cell index, top-level key, nested key or "")
        for index, header in enumerate(headers):
            column = by_name.get(header)
            if column is not None and column.target is not None:
                plan.append((index, *column.target.partition(".")[::2]))
        present = frozenset(head for _, head, _ in plan)
        nested = any(tail for _, _, tail in plan)

        def read(cells: Sequence) -> dict:
            obj: dict = {}
            for index, head, tail in plan:
                value = cells[index]
                if value.__class__ is not str:
                    value = cell_text(value)
                if value[:1] == "'":
                    value = unneutralise(value)
                if not value or value.isspace():  # value.strip() == ""
                    continue
                if tail:
                    obj.setdefault(head, {})[tail] = value
                else:
                    obj[head] = value
            if nested and "warranty" not in obj:
                obj["warranty"] = None
            return obj

        return read, present

    @classmethod
    def object_to_row(cls, obj: Mapping, columns: Sequence[Column] | None = None) -> list[str]:
        """The CSV cells of one purchase object (the API's), neutralised against formulas."""
        cells = []
        for column in columns or cls.columns():
            value = representation.dig(obj, column.source)
            cells.append("" if value is None else neutralise(str(value)))
        return cells

    # --- django-import-export hooks (admin export) ----------------------------------------------------------------
    def get_queryset(self):
        from purchases import selectors
        from spends.api.scope import scope_for

        if self.user is None:
            return self._meta.model.objects.none()
        return selectors.purchase_list(household_id=scope_for(self.user).household_id)

    def filter_export(self, queryset, **kwargs):
        # Whatever queryset the caller passes (the admin's changelist), rows come from the household's selector:
        # the same annotations as the API (effective warranty status) and never another household's purchases.
        return self.get_queryset().filter(pk__in=Subquery(queryset.values("pk")))

    def iter_queryset(self, queryset):
        """(purchase, coverage) pairs: one row per coverage, as the CSV export writes them (version 2): the chosen
        warranty's row first (coverage None: the purchase's own `warranty`), then its other coverages in the purchase
        object's order (prefetched by purchase_list: no query per purchase). A purchase without warranty is one row."""
        for purchase in super().iter_queryset(queryset):
            chosen = getattr(purchase, "warranty", None)
            yield purchase, None
            for coverage in purchase.warranties.all():
                if chosen is None or coverage.pk != chosen.pk:
                    yield purchase, coverage

    def export_resource(self, instance, selected_fields=None, **kwargs):
        purchase, coverage = instance if isinstance(instance, tuple) else (instance, None)
        obj = representation.purchase_representation(purchase)
        if coverage is not None:
            obj["warranty"] = representation.warranty_object(purchase, coverage)
        return self.object_to_row(obj, self.get_export_fields(selected_fields))

    # --- django-import-export hooks (admin import) ----------------------------------------------------------------
    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        """Runs `purchases_import_detailed` (all or nothing, household-scoped, the API's duplicate rules) and turns its
        report into django-import-export's Result for the admin's preview and confirmation pages."""
        from spends.api.scope import READ_ONLY_MESSAGE, scope_for
        from transfer import services as transfer

        user = self.user or kwargs.get("user")
        result = self.get_result_class()()
        result.diff_headers = self.headers()
        result.total_rows = len(dataset)
        if user is None:
            result.append_base_error(
                Error(ValueError("PurchaseResource needs user= (the member whose household gets the imported rows)."))
            )
            return result
        scope = scope_for(user)
        if not (dry_run or scope.can_write):
            result.append_base_error(Error(PermissionError(READ_ONLY_MESSAGE)))
            return result
        try:
            table = transfer.CsvTable.from_dataset(dataset)
            outcome = transfer.purchases_import_detailed(
                household_id=scope.household_id,
                created_by=user,
                table=table,
                on_duplicate=self.on_duplicate,
                dry_run=dry_run,
                partial=False,
            )
        except transfer.ImportFileError as exc:
            result.append_base_error(Error(exc))
            if raise_errors:
                raise
            return result
        self._add_rows(result, table, outcome)
        result.report = outcome.report  # warnings included, for an admin that wants to show them
        return result

    def _add_rows(self, result, table, outcome) -> None:
        """One django-import-export row result per row of the import's report."""
        rows = {number: dict(zip(table.headers, cells, strict=False)) for number, cells in enumerate(table.rows, 1)}
        for row in outcome.rows:
            row_result = self.get_row_result_class()()
            row_result.import_type = {
                "new": RowResult.IMPORT_TYPE_NEW,
                "update": RowResult.IMPORT_TYPE_UPDATE,
                "skip": RowResult.IMPORT_TYPE_SKIP,
                "invalid": RowResult.IMPORT_TYPE_INVALID,
            }[row.action]
            values = rows.get(row.number, {})
            if row.action == "invalid":
                errors: dict = {}
                for error in row.errors:
                    errors.setdefault(error["field"] or "__all__", []).append(error["message"])
                row_result.validation_error = ValidationError(errors)
                result.append_invalid_row(row.number, values, row_result.validation_error)
            else:
                row_result.diff = [values.get(header, "") for header in result.diff_headers]
                if row.instance is not None:
                    row_result.add_instance_info(row.instance)
                    row_result.instance = row.instance
                result.append_row_result(row_result)
            result.increment_row_result_total(row_result)


class _PurchaseMeta:
    model = Purchase
    fields = tuple(_csv_columns())
    export_order = fields
    import_id_fields = ("id",)
    skip_diff = True


# The CSV columns of API.md, in order (purchases.representation.CSV_KEYS). Pass `user=` (the admin passes
# `request.user`): exports and imports are scoped to that user's household. Imports are delegated to
# `transfer.services.purchases_import_detailed`. Made through the resource's metaclass so the columns come from the
# representation rather than a second list here.
PurchaseResource = type(_PurchaseColumns)(
    "PurchaseResource",
    (_PurchaseColumns,),
    {"__module__": __name__, "__qualname__": "PurchaseResource", "Meta": _PurchaseMeta, **_csv_columns()},
)


class CatalogResource(resources.ModelResource):
    """Retailers or brands as `name,url` (the JSON export's catalog objects). The catalog is shared, so `user` is
    accepted for the admin's sake but does not scope rows. Names match case-insensitively on import."""

    name = fields.Field(attribute="name", column_name="name")
    url = fields.Field(attribute="url", column_name="url")

    class Meta:
        fields = ("name", "url")
        export_order = ("name", "url")
        import_id_fields = ("name",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self._existing = None

    def get_queryset(self):
        return self._meta.model.objects.order_by(Lower("name"), "id")

    def before_import_row(self, row, **kwargs):
        # The catalog's field rules (trimmed name of 1..100 characters, http(s) url), the API's, not a second copy.
        rules = {"name": catalog_validation.NAME, "url": catalog_validation.URL}
        errors = {}
        for key in ("name", "url"):
            raw = unneutralise(cell_text(row.get(key)))
            if key == "url" and raw.strip() == "":
                row[key] = ""
                continue
            try:
                row[key] = rules[key].run_validation(raw)
            except FieldError as exc:
                errors[key] = [str(message) for message in exc.detail]
        if errors:
            raise ValidationError(errors)

    def get_instance(self, instance_loader, row):
        # Case-insensitive in Python (SQLite's lower() is ASCII-only), loaded once per import.
        if self._existing is None:
            self._existing = {}
            for entry in self._meta.model.objects.order_by("created_at", "id"):
                self._existing.setdefault(entry.name.casefold(), entry)
        return self._existing.get((row.get("name") or "").casefold())

    def do_instance_save(self, instance, is_create):
        from catalog.services import catalog_entry_save

        catalog_entry_save(instance=instance)
        if self._existing is not None:
            self._existing.setdefault(instance.name.casefold(), instance)

    def export_resource(self, instance, selected_fields=None, **kwargs):
        return [neutralise(str(value)) for value in super().export_resource(instance, selected_fields, **kwargs)]


class RetailerResource(CatalogResource):
    class Meta(CatalogResource.Meta):
        model = Retailer


class BrandResource(CatalogResource):
    class Meta(CatalogResource.Meta):
        model = Brand
