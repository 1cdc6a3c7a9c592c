"""The import's part of a purchase's conversion (API.md § Currencies, #22): which rates of a file are kept (MANUAL)
and which are worked out again, what an update changes, and the bulk conversion of the rows written.

A rate is MANUAL when the row's rate_source is MANUAL, or when the file gives an exchange_rate and has no rate_source
at all (a file made by hand: as in the API, a rate sent is a rate set by hand). A rate_source ECB or empty (an
export's reference or same-currency rate, possibly to another home currency) is never trusted: the rate is worked out
from the reference rates of the importing household's home currency, in bulk after the write (purchases.conversion.
reconvert: one UPDATE per currency and one for the home prices), in the import's transaction. A MANUAL row is written
whole (its home price computed in Python: transfer.writing.rate_columns)."""

from datetime import datetime

from purchases import conversion, summaries
from purchases.choices import RateSource
from purchases.models import Purchase

RATE_SOURCE_INVALID = "Must be ECB, MANUAL or empty."
MANUAL_WITHOUT_RATE = "A MANUAL rate source needs its exchange rate."
RATE_KEYS = frozenset(("exchange_rate", "rate_source"))  # a file that has one of them speaks of rates


def manual_rate(obj: dict, present: frozenset, rate, errors: list):
    """The row's MANUAL rate (`rate`: its validated exchange_rate, or None), or None when the import works the rate
    out. `obj`: the row's purchase object; `present`: the keys (columns) the file has. Appends the row's errors."""
    source = obj.get("rate_source")
    if source in (None, ""):
        source = None
    elif not isinstance(source, str) or source.strip().upper() not in RateSource.values:
        errors.append(("rate_source", RATE_SOURCE_INVALID))
        return None
    else:
        source = source.strip().upper()
    if source == RateSource.MANUAL and rate is None:
        errors.append(("exchange_rate", MANUAL_WITHOUT_RATE))
        return None
    manual = source == RateSource.MANUAL or source is None and "rate_source" not in present
    return rate if manual else None


def home_rate_errors(items: list, currency_index: int, home: str) -> None:
    """A MANUAL rate of a purchase in the home currency can only be 1 (the API's rule): else the row's error."""
    for item in items:
        rate = item.file_rate
        if not item.errors and rate is not None and item.values[currency_index] == home and rate != 1:
            item.errors = [("exchange_rate", conversion.HOME_RATE_NOT_ONE.format(home=home))]


def update_rate(item, stored_rate, stored_source, changes: dict) -> None:
    """Sets `item.rate`, the MANUAL rate the updated purchase will have, and `changes["exchange_rate"]` when it is not
    the stored one. A file that speaks of rates decides: its MANUAL rate, or none (the reference rate applies). One
    that does not (version 1) keeps a stored MANUAL rate unless the currency changes (as the API's write). Any other
    rate is worked out after the write (the row's price, currency or date may have changed)."""
    stored = stored_rate if stored_source == RateSource.MANUAL else None
    if not RATE_KEYS & item.present:
        item.rate = None if "currency_code" in changes else stored
    if (item.rate is None) != (stored is None) or item.rate is not None and item.rate != stored:
        changes["exchange_rate"] = item.rate


def convert_written(household_id, written_at: datetime) -> None:
    """Inside the import's write transaction: every row it wrote (its updated_at is the write's) gets its reference
    rate, source and home price, in bulk; MANUAL rows keep theirs. The home currency is read here, in the transaction
    that writes. The rows are chosen by updated_at, a column reconvert leaves alone. Then the household's analytics
    summaries are recomputed from its rows (purchases.summaries), in the same transaction."""
    written = Purchase.objects.filter(household_id=household_id, updated_at=written_at)
    conversion.reconvert(written, home_currency=conversion.home_currency_of(household_id))
    summaries.recompute([household_id])  # #24: the household's analytics summaries, from its rows as now written
