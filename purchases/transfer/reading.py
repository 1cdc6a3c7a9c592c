"""Reading import files (API.md § Export and import): CSV and JSON uploads checked and parsed, and the rows of a
parsed file turned into the importer's items."""

import csv
import io
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rest_framework.exceptions import ValidationError as DRFValidationError

from catalog.api.serializers import RetailerSerializer
from catalog.models import Brand, Retailer
from purchases.models import Purchase
from purchases.resources import PurchaseResource, cell_text

EXPORT_FORMAT = "spends-tracker"
EXPORT_VERSION = 1
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
