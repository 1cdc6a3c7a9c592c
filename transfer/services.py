"""Import and export of a user's purchases (API.md § Export and import): file parsing (`reading`), the batched
importer (`importing`, writing through `writing`) and the streamed exporters (`exporting`). The CSV column mapping is
PurchaseResource's (the representation's CSV keys); field validation is the API's rules without DRF (`validating`)."""

from transfer.exporting import (
    EXPORT_CHUNK_SIZE,
    STREAM_ROWS_PER_PIECE,
    export_filename,
    purchases_export_csv,
    purchases_export_json,
)
from transfer.importing import ImportOutcome, RowOutcome, purchases_import, purchases_import_detailed
from transfer.reading import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    CsvTable,
    ImportFileError,
    Progress,
    parse_csv,
    parse_json,
)

__all__ = [
    "EXPORT_CHUNK_SIZE",
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "STREAM_ROWS_PER_PIECE",
    "CsvTable",
    "ImportFileError",
    "ImportOutcome",
    "Progress",
    "RowOutcome",
    "export_filename",
    "parse_csv",
    "parse_json",
    "purchases_export_csv",
    "purchases_export_json",
    "purchases_import",
    "purchases_import_detailed",
]
