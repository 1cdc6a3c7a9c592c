"""The import's part of a purchase's conversion (API.md § Currencies, #22): which rates of a file are kept (MANUAL)
and which are worked out again, what an update changes, and the bulk conversion of the rows written.

A rate is MANUAL when the row's rate_source is MANUAL, or when the file gives an exchange_rate and has no rate_source
at all (a file made by hand: as in the API, a rate sent is a rate set by hand). A rate_source ECB or empty (an
export's reference or same-currency rate, possibly to another home currency) is never trusted: the rate is worked out
from the reference rates of the importing household's home currency. Every row's rate, source and home price are
worked out in Python before the write, inside the import's transaction (HomeConversion: one query of reference rates
per currency of the file), and written with the row: no UPDATE after the insert (#24). The values are those of
purchases.conversion (`complete` for one purchase, `reconvert` in SQL): tests/transfer/test_rates.py compares."""

from collections import defaultdict
from collections.abc import Iterable

from purchases import conversion
from purchases.choices import RateSource
from rates.selectors import rates_for
from spends.money_sql import product_cents
from transfer.writing import PLAIN_FIELDS

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


class HomeConversion:
    """The conversion columns (exchange_rate, rate_source, home_price) of rows about to be written, worked out in
    Python from the household's home currency (read when made: inside the write transaction) and the reference
    rates (`fetch`, before `columns`). A row's values are writing.PLAIN_FIELDS' values."""

    price_at, currency_at, date_at = (PLAIN_FIELDS.index(name) for name in ("price", "currency_code", "purchase_date"))

    def __init__(self, household_id):
        self.home = conversion.home_currency_of(household_id)
        self.found: dict = {}  # (currency, day) → (reference rate or None, day used)

    def fetch(self, rows: Iterable[tuple]) -> None:
        """The reference rates the rows `rows` (values; those without a MANUAL rate) need: one query per currency."""
        days = defaultdict(set)
        for values in rows:
            currency = values[self.currency_at]
            if currency != self.home and (currency, values[self.date_at]) not in self.found:
                days[currency].add(values[self.date_at])
        for currency, wanted in sorted(days.items()):
            self.found.update(rates_for(currencies=[currency], home_currency=self.home, days=wanted))

    def columns(self, rate, values: tuple) -> tuple:
        """(exchange_rate, rate_source, home_price) of a row: its MANUAL `rate` (None: none), else the reference."""
        price = values[self.price_at]
        if rate is not None:
            return (rate, RateSource.MANUAL.value, product_cents(price, rate))
        currency = values[self.currency_at]
        if currency == self.home:
            return (conversion.ONE, None, price)
        reference = self.found[(currency, values[self.date_at])][0]
        if reference is None:
            return (None, None, None)
        return (reference, RateSource.ECB.value, product_cents(price, reference))
