"""Imports from other trackers (API.md § Version 2 → Importing from other trackers): Warracker's and Homebox's own
CSV exports, translated row by row into our CSV's columns, so that the ordinary importer (validation, report, dry
run, duplicates: `transfer.importing`) does the rest.

The formats, as those applications write them (read from their source code; nothing of it is copied here):
- Warracker (the "Export" button of its warranty list): `ProductName, PurchaseDate, IsLifetime, WarrantyDurationYears,
  WarrantyDurationMonths, WarrantyDurationDays, ExpirationDate, Status, PurchasePrice, SerialNumber, ProductURL, Tags,
  Vendor`; every cell quoted, dates YYYY-MM-DD, IsLifetime TRUE|FALSE, several serial numbers separated by spaces.
  Its import also knows `WarrantyType`, read here too, as are `Currency`, `Manufacturer`, `ModelNumber` and `Notes`.
- Homebox (Tools → Import / Export → Export Inventory, `homebox-items_<timestamp>.csv`): `HB.`-prefixed columns
  (`HB.name`, `HB.purchase_price`, `HB.purchase_date`, `HB.purchase_from`, `HB.manufacturer`, `HB.model_number`,
  `HB.serial_number`, `HB.lifetime_warranty`, `HB.warranty_expires`, `HB.warranty_details`, `HB.notes`, ...) and one
  `HB.field.<name>` column per custom field; dates YYYY-MM-DD (empty when unset), booleans true|false, prices as
  plain numbers (0 when unset).

Every column of theirs that has no field here is a file-level warning naming it."""

import calendar
import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from transfer.reading import CsvTable, ImportFileError, RowProblem, _lines, _records

# Our CSV columns a translated row fills, in this order.
OUR_COLUMNS = (
    "product_name",
    "price",
    "currency_code",
    "retailer",
    "brand",
    "purchase_date",
    "notes",
    "warranty_start",
    "warranty_end",
    "warranty_type",
    "warranty_provider",
    "warranty_notes",
)
_NOTE_LABELS = {  # source role → the label of its line in the purchase's notes
    "description": "Description",
    "model": "Model number",
    "serial": "Serial number",
    "url": "Product URL",
}
_ZERO_DATES = {"", "0001-01-01", "0000-00-00"}


@dataclass(frozen=True)
class Source:
    """One application's CSV export: its columns (casefolded header → role), the ones it cannot do without, why
    some columns are not imported, and where to click in it to export."""

    name: str
    label: str
    columns: dict[str, str]
    required: tuple[str, ...]
    spelled: dict[str, str]  # casefolded header → the application's spelling, for messages
    reasons: dict[str, str]  # casefolded header of an unmapped column → why it is not imported

    def column_for(self, role: str) -> str | None:
        """The application's column that fills `role`, for error messages."""
        for header, mapped in self.columns.items():
            if mapped == role:
                return self.spelled[header]
        return None


def _source(name: str, label: str, columns: dict, required: tuple, reasons: dict) -> Source:
    return Source(
        name=name,
        label=label,
        columns={header.casefold(): role for header, role in columns.items()},
        required=required,
        spelled={header.casefold(): header for header in (*columns, *reasons)},
        reasons={header.casefold(): reason for header, reason in reasons.items()},
    )


_DERIVED = "Spends Tracker works it out from the warranty's end date"
WARRACKER = _source(
    "warracker",
    "Warracker",
    {
        "ProductName": "product_name",
        "PurchaseDate": "purchase_date",
        "PurchasePrice": "price",
        "Currency": "currency_code",
        "Vendor": "retailer",
        "Manufacturer": "brand",
        "IsLifetime": "lifetime",
        "ExpirationDate": "warranty_end",
        "WarrantyDurationYears": "years",
        "WarrantyDurationMonths": "months",
        "WarrantyDurationDays": "days",
        "WarrantyType": "warranty_provider",
        "Notes": "notes",
        "ModelNumber": "model",
        "SerialNumber": "serial",
        "ProductURL": "url",
    },
    ("ProductName", "PurchaseDate"),
    {"Status": _DERIVED, "Tags": "Spends Tracker has no tags"},
)
HOMEBOX = _source(
    "homebox",
    "Homebox",
    {
        "HB.name": "product_name",
        "HB.purchase_date": "purchase_date",
        "HB.purchase_time": "purchase_date",
        "HB.purchase_price": "price",
        "HB.purchase_from": "retailer",
        "HB.manufacturer": "brand",
        "HB.lifetime_warranty": "lifetime",
        "HB.warranty_expires": "warranty_end",
        "HB.warranty_details": "warranty_notes",
        "HB.notes": "notes",
        "HB.description": "description",
        "HB.model_number": "model",
        "HB.serial_number": "serial",
    },
    ("HB.name",),
    {
        "HB.url": "it is the item's address in Homebox",
        "HB.location": "Spends Tracker has no locations",
        "HB.tags": "Spends Tracker has no tags",
        "HB.labels": "Spends Tracker has no labels",
        "HB.quantity": "a purchase here is one item",
        "HB.sold_date": "Spends Tracker does not record sales",
        "HB.sold_time": "Spends Tracker does not record sales",
        "HB.sold_price": "Spends Tracker does not record sales",
        "HB.sold_to": "Spends Tracker does not record sales",
        "HB.sold_notes": "Spends Tracker does not record sales",
    },
)
SOURCES = {source.name: source for source in (WARRACKER, HOMEBOX)}
SOURCE_HELP = (
    "warracker: the CSV of Warracker's Export button (its warranty list); homebox: the CSV of Homebox's Tools → "
    "Export Inventory. Their rows are read as our CSV's (same validation, report, dry run and duplicate rules); "
    "each column of theirs that has no field here is a warning naming it."
)


def source_named(name: str) -> Source:
    """The source called `name` (case-insensitive); ValueError with a message for people otherwise."""
    source = SOURCES.get(name.strip().lower())
    if source is None:
        raise ValueError(f'Unknown source "{name}": use one of {", ".join(SOURCES)}.')
    return source


# --- values ---------------------------------------------------------------------------------------------------------


def _is_true(text: str) -> bool:
    return text.strip().lower() in ("true", "yes", "1", "y")


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def _whole(text: str) -> int:
    try:
        return max(int(text.strip() or 0), 0)
    except ValueError:
        return 0


def _months_later(start: datetime.date, months: int) -> datetime.date:
    """The same day `months` months after `start`, clamped to the month's last day."""
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    return datetime.date(year, month + 1, min(start.day, calendar.monthrange(year, month + 1)[1]))


def _duration_end(values: dict) -> str:
    """Warracker's end date from its duration columns (years, months, days after the purchase), or ""."""
    years, months, days = (_whole(values.get(key, "")) for key in ("years", "months", "days"))
    start = _date(values.get("purchase_date", ""))
    if start is None or not (years or months or days):
        return ""
    try:
        return (_months_later(start, 12 * years + months) + datetime.timedelta(days=days)).isoformat()
    except (ValueError, OverflowError):
        return ""


# --- rows -----------------------------------------------------------------------------------------------------------


def _warranty(values: dict, source: Source) -> dict:
    """Our warranty columns of one row: LIFETIME, or an end date (given, or from Warracker's durations), from the
    purchase date; none when the row has neither."""
    end = values.get("warranty_end", "").strip()
    end = "" if end in _ZERO_DATES else end
    if not end and source is WARRACKER:
        end = _duration_end(values)
    lifetime = _is_true(values.get("lifetime", ""))
    if not lifetime and not end:
        return {}
    return {
        "warranty_start": values.get("purchase_date", ""),
        "warranty_end": "" if lifetime else end,
        "warranty_type": "LIFETIME" if lifetime else "LIMITED",
        "warranty_provider": values.get("warranty_provider", ""),
        "warranty_notes": values.get("warranty_notes", ""),
    }


def _notes(values: dict, with_warranty: bool) -> str:
    lines = [values.get("notes", "").strip()]
    for role, label in _NOTE_LABELS.items():
        if values.get(role, "").strip():
            lines.append(f"{label}: {values[role].strip()}")
    if not with_warranty and values.get("warranty_notes", "").strip():
        lines.append(f"Warranty: {values['warranty_notes'].strip()}")
    return "\n".join(line for line in lines if line)


def translate(values: dict, source: Source) -> tuple[dict, list[str]]:
    """One row of the source (role → cell) as our CSV's columns, and the row's warnings."""
    warnings = []
    date = values.get("purchase_date", "").strip()
    values["purchase_date"] = "" if date in _ZERO_DATES else date
    price = values.get("price", "").strip()
    if not price:
        price = "0"
        warnings.append(f"{source.column_for('price')} is empty: imported with the price 0.00.")
    warranty = _warranty(values, source)
    row = {
        "product_name": values.get("product_name", ""),
        "price": price,
        "currency_code": values.get("currency_code", ""),
        "retailer": values.get("retailer", ""),
        "brand": values.get("brand", ""),
        "purchase_date": values["purchase_date"],
        "notes": _notes(values, bool(warranty)),
        **warranty,
    }
    return row, warnings


def _unmapped_warnings(headers: list[str], source: Source) -> list[dict]:
    warnings = []
    for header in headers:
        key = header.strip().casefold()
        if key in source.columns:
            continue
        if key.startswith("hb.field."):
            why = "Spends Tracker has no custom fields"
        else:
            why = source.reasons.get(key, "Spends Tracker has no field for it")
        name = header.strip() or "without a name"
        message = f'{source.label} column "{name}" is not imported: {why}.'
        warnings.append({"row": None, "message": message})
    return warnings


def _rows(records: Iterator[list], headers: list[str], source: Source, warnings: list) -> Iterator[list]:
    """Our CSV's rows, one per source record (so row numbers and lines stay the file's); row warnings go to
    `warnings` as the rows are read. A record whose cells do not match the header is that row's error."""
    roles = [source.columns.get(header.strip().casefold()) for header in headers]
    for number, cells in enumerate(records, 1):
        if len(cells) != len(headers):
            yield RowProblem(f"The row has {len(cells)} cells but the header has {len(headers)} columns.")
            continue
        values: dict = {}
        for role, cell in zip(roles, cells, strict=True):
            if role and cell.strip() and not values.get(role):
                values[role] = cell
        row, row_warnings = translate(values, source)
        warnings.extend({"row": number, "message": message} for message in row_warnings)
        yield [row.get(column, "") for column in OUR_COLUMNS]


def parse_source_csv(name: str, upload) -> CsvTable:
    """An upload in the named application's CSV export format → a CsvTable of our columns, read as it is iterated.
    Raises ImportFileError for a file that is not that application's export (its required columns missing)."""
    try:
        source = source_named(name)
    except ValueError as exc:
        raise ImportFileError(str(exc)) from None
    records = _records(_lines(upload))
    headers = next(records, None)
    if headers is None:
        raise ImportFileError("The file is empty.")
    seen = {header.strip().casefold() for header in headers}
    missing = [column for column in source.required if column.casefold() not in seen]
    if missing:
        raise ImportFileError(
            f"This is not a {source.label} CSV export: missing column(s) {', '.join(missing)}. Export it from "
            f"{source.label} again, or import it without source= if it is a Spends Tracker file."
        )
    warnings = _unmapped_warnings(headers, source)
    table = CsvTable(list(OUR_COLUMNS), iter(()), warnings)
    table.rows = _rows(records, headers, source, table.warnings)
    return table


def source_field_names(name: str) -> Callable[[str | None], str | None]:
    """Our column → the named application's column that filled it, for the report's errors ("price" →
    "PurchasePrice"); columns filled from several of theirs (notes, the warranty's) keep our name."""
    source = source_named(name)
    names = {
        "product_name": source.column_for("product_name"),
        "price": source.column_for("price"),
        "currency_code": source.column_for("currency_code"),
        "retailer": source.column_for("retailer"),
        "brand": source.column_for("brand"),
        "purchase_date": source.column_for("purchase_date"),
    }
    return lambda field: names.get(field) or field


def rename_error_fields(report: dict, name: str) -> dict:
    """The report with its errors naming the source's columns where one column of theirs filled ours."""
    rename = source_field_names(name)
    for error in report.get("errors") or ():
        if isinstance(error, dict):
            error["field"] = rename(error.get("field"))
    return report
