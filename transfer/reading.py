"""Reading import files (API.md § Export and import): CSV and JSON uploads checked and parsed, and the rows of a
parsed file handed to the importer one at a time.

Files are read as streams: an upload is read in chunks (large uploads are temporary files on disk, see Django's
FILE_UPLOAD_MAX_MEMORY_SIZE), checked as UTF-8 on the way, and a CSV file is parsed row by row, so the importer keeps
only what it needs of each row. A JSON document is parsed whole (json.load), once."""

import codecs
import csv
import decimal
import io
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from rest_framework.exceptions import ValidationError

from catalog import validation as catalog_validation
from catalog.models import Brand, Retailer
from purchases import representation
from transfer.resources import PurchaseResource, cell_text

EXPORT_FORMAT = "spends-tracker"
EXPORT_VERSION = 2  # what the JSON export writes
READ_VERSIONS = (1, 2)  # what an import reads
_READ = " and ".join(map(str, READ_VERSIONS))
CATALOG_MODELS = {"retailer": Retailer, "brand": Brand}
# Keys of an exported purchase object that an import reads or knowingly ignores (the rest get a warning).
KNOWN_OBJECT_KEYS = frozenset(representation.OBJECT_KEYS)
KNOWN_DOCUMENT_KEYS = {"format", "version", "exported_at", "retailers", "brands", "purchases"}
READ_CHUNK_SIZE = 64 * 1024  # bytes read from the upload at a time

Progress = Callable[[str, int, int], None]  # (stage, done, total); total 0 while unknown
# One row of a file on its way to the importer: (row number, purchase object or None, the object's top-level keys,
# an error found while reading it or None).
SourceRow = tuple[int, object, frozenset, str | None]


class ImportFileError(Exception):
    """The file as a whole cannot be imported: not UTF-8, not CSV/JSON, empty, missing columns, wrong format/version.
    Nothing is written; the API answers 400 with `message` as the detail. Raised by the parsers, and while the
    importer reads a streamed file's rows (before anything is written)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- reading files -------------------------------------------------------------------------------------------------


class _CheckedUtf8(io.RawIOBase):
    """The bytes of a binary stream, checked on the way: UTF-8 (position of the first undecodable byte) and no NUL."""

    def __init__(self, stream):
        super().__init__()
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.position = 0  # bytes read so far

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(min(len(buffer), READ_CHUNK_SIZE))
        pending = len(self.decoder.getstate()[0])  # bytes of an incomplete character carried from the last read
        try:
            self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            at = self.position - pending + exc.start
            raise ImportFileError(
                f"The file is not UTF-8 text (undecodable byte at position {at}). Save it as UTF-8 and retry."
            ) from None
        if b"\x00" in data:
            raise ImportFileError("The file is binary, not text (it contains NUL bytes).")
        self.position += len(data)
        buffer[: len(data)] = data
        return len(data)


def _text(source) -> io.TextIOWrapper:
    """`source` (bytes, str, or a binary file such as an UploadedFile) as checked text, lines untranslated (what the
    csv module wants). The BOM that spreadsheet programs write is optional: a leading one is removed here."""
    if isinstance(source, str):
        source = source.encode("utf-8", "surrogatepass")
    if isinstance(source, bytes | bytearray | memoryview):
        source = io.BytesIO(source)
    raw = io.BufferedReader(_CheckedUtf8(source), READ_CHUNK_SIZE)
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def _lines(source) -> Iterator[str]:
    """The lines of `source`; raises ImportFileError("empty") when it holds only white space, and for a file that
    starts like a JSON document."""
    lines = iter(_text(source))
    head = []
    for line in lines:
        if not head:
            line = line.removeprefix("\ufeff")  # a second BOM, as files saved twice by some editors have
        head.append(line)
        if line.strip():
            break
    first = "".join(head).lstrip()[:1]
    if not first:
        raise ImportFileError("The file is empty.")
    if first in ("{", "["):
        raise ImportFileError("The file looks like JSON, not CSV: send it to /api/import/json.")
    return itertools.chain(head, lines)


def _normalise_header(name) -> str:
    return cell_text(name).strip().lstrip("\ufeff").strip().lower()


@dataclass
class CsvTable:
    """A CSV file: normalised header names and the data rows (blank rows dropped; rows may be ragged). `rows` is a
    list (the admin's dataset) or, from parse_csv, an iterator that reads the file as the importer goes."""

    headers: list[str]
    rows: Iterable[list]
    warnings: list[dict] = field(default_factory=list)

    @property
    def version(self) -> int:
        """2 when the file has version 2's `return_by` column: then each row with warranty columns is one of its
        purchase's coverages, and rows with the same id are one purchase (csv_rows, the importer's group_by_id).
        A version-1 file has one row per purchase and its warranty columns are the purchase's chosen `warranty`."""
        return 2 if "return_by" in self.headers else 1

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


def _records(lines: Iterable[str]) -> Iterator[list[str]]:
    """CSV records with at least one non-blank cell."""
    try:
        for record in csv.reader(lines, strict=True):
            if any(cell.strip() for cell in record):
                yield record
    except csv.Error as exc:
        raise ImportFileError(f"The file is not valid CSV: {exc}.") from None


def parse_csv(source) -> CsvTable:
    """A CSV upload (bytes or a binary file) → CsvTable, its rows read from `source` as they are iterated. Raises
    ImportFileError for anything that is not a CSV file with the required columns (here for the header; while the
    rows are read for the rest of the file)."""
    records = _records(_lines(source))
    header = next(records, None)
    if header is None:
        raise ImportFileError("The file is empty.")
    return CsvTable([_normalise_header(name) for name in header], records).checked()


def _json_int(text: str):
    """An integer literal of the document. Python refuses to convert one of more than sys.get_int_max_str_digits()
    digits (4,300; ValueError): such a number is kept as a Decimal, so the field it is in says what is wrong."""
    try:
        return int(text)
    except ValueError:
        return decimal.Decimal(text)


def parse_json(source) -> dict:
    """A JSON upload (bytes or a binary file) → the export document. Raises ImportFileError unless it is a
    spends-tracker document, version 1 or 2."""
    text = _text(source).read().removeprefix("\ufeff")
    if not text.strip():
        raise ImportFileError("The file is empty.")
    try:
        document = json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"The file is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from None
    except RecursionError:
        raise ImportFileError("The file is not valid JSON: it is nested too deeply.") from None
    del text
    return _checked_document(document)


def _checked_document(document) -> dict:
    if not isinstance(document, dict):
        raise ImportFileError('The file must be a JSON object with "format": "spends-tracker" (an export document).')
    if document.get("format") != EXPORT_FORMAT:
        raise ImportFileError(f'Not a Spends Tracker export: "format" must be "{EXPORT_FORMAT}".')
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ImportFileError(f'"version" must be an integer; this server reads versions {_READ}.')
    if version not in READ_VERSIONS:
        newer = " (newer than this server)" if version > EXPORT_VERSION else ""
        raise ImportFileError(f"Unsupported export version {version}{newer}; this server reads versions {_READ}.")
    if not isinstance(document.get("purchases"), list):
        raise ImportFileError('"purchases" must be a list of purchase objects.')
    for key in ("retailers", "brands"):
        if not isinstance(document.get(key, []), list):
            raise ImportFileError(f'"{key}" must be a list of {{"name", "url"}} objects.')
    return document


@dataclass(frozen=True)
class Lines:
    """Where a data row is, for people: a CSV's spreadsheet line (data row + 1, the header being line 1, as a
    spreadsheet program numbers it), else (JSON) the purchase's position in the document."""

    csv: bool

    def line(self, row: int | None) -> int | None:
        return row + 1 if self.csv and row is not None else None

    def place(self, row: int) -> str:
        return f"line {row + 1}" if self.csv else f"purchase {row} of the file"

    @staticmethod
    def skip_reason(item, on_duplicate: str) -> str:
        if on_duplicate == "skip":
            return f"Duplicate of {item.duplicate_of} (duplicates are skipped)."
        return f"Duplicate of {item.duplicate_of}, which it would not change."


# --- the rows of a file --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """A table row that cannot be read, in place of its cells: the row's error is `message`."""

    message: str


def csv_rows(table: CsvTable) -> Iterator[SourceRow]:
    """The table's rows as purchase objects (PurchaseResource's mapping), read as they are iterated."""
    headers, width = table.headers, len(table.headers)
    read, present = PurchaseResource.object_reader(headers)
    coverage_rows = table.version == 2 and "warranty" in present
    if coverage_rows:  # a row's warranty is one of the purchase's `warranties`
        present = (present - {"warranty"}) | {"warranties"}
    for number, cells in enumerate(table.rows, 1):
        if isinstance(cells, RowProblem):  # a record that a source's translation could not read (transfer.sources)
            yield number, None, frozenset(), cells.message
            continue
        if len(cells) != width:
            yield number, None, frozenset(), f"The row has {len(cells)} cells but the header has {width} columns."
            continue
        obj = read(cells)
        if coverage_rows:
            warranty = obj.pop("warranty", None)
            obj["warranties"] = [] if warranty is None else [warranty]
        yield number, obj, present, None


@dataclass
class JsonRows:
    """The purchase objects of an export document, then (once iterated) the file-level warnings, and the url of each
    catalog entry the document lists (by kind, then casefolded name), for entries the import creates."""

    document: dict
    warnings: list[dict] = field(default_factory=list)
    urls: dict = field(default_factory=dict)

    def __iter__(self) -> Iterator[SourceRow]:
        unknown_keys = set()
        for number, obj in enumerate(self.document["purchases"], 1):
            keys = frozenset(obj) if isinstance(obj, dict) else frozenset()
            unknown_keys.update(keys - KNOWN_OBJECT_KEYS)
            yield number, obj, keys, None
        warnings = [
            {"row": None, "message": f'Unknown key "{key}" in the document is ignored.'}
            for key in sorted(set(self.document) - KNOWN_DOCUMENT_KEYS)
        ]
        for key in sorted(unknown_keys):
            warnings.append({"row": None, "message": f'Unknown field "{key}" in purchase objects is ignored.'})
        self.warnings = warnings + self._catalog_urls()

    def _catalog_urls(self) -> list[dict]:
        warnings = []
        for kind, key in (("retailer", "retailers"), ("brand", "brands")):
            self.urls[kind] = {}
            for index, entry in enumerate(self.document.get(key) or []):
                try:
                    name = catalog_validation.NAME.run_validation(entry.get("name"))
                    url = entry.get("url") or ""
                    url = catalog_validation.URL.run_validation(url) if url else ""
                except (ValidationError, AttributeError):
                    warnings.append(
                        {"row": None, "message": f'"{key}"[{index}] is not a valid {{"name", "url"}} object; ignored.'}
                    )
                    continue
                self.urls[kind][name.casefold()] = url
        return warnings
