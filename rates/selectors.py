"""Reads of reference rates: the rate between two currencies on a day, through the euro, in Decimal.

The rule (API.md § Currencies): the ECB publishes units of each currency per 1 EUR on its publication days. The
rate of `currency` in `home_currency` (home units per 1 unit of currency) on `day` is rate[home] / rate[currency]
(the euro's own rate is 1), taken on the latest publication day on or before `day`, at most MAX_DAYS_BACK days
earlier, on which BOTH currencies are published (never one figure from Friday and the other from Thursday). The
same currency is Decimal("1"); a currency the ECB does not publish, or a day without a publication in the window
(weekends and holidays are bridged; 1998 is not), is None.

Precision: CROSS_RATE_SIGNIFICANT_DIGITS significant digits, rounded half-even (the ECB publishes 5 or 6, so a cross
rate of two of its figures is not known better than that; 10 keeps the rounding far below the figures' own). A rate
against the euro comes out as the ECB's figure exactly ("1.0892"); the inverse and cross rates are rounded. Results
are normalised (no trailing zeros) and may be very small (TRL-based pairs: 2.030432964E-7): a column storing them
needs about 20 decimal places, or render them with format(rate, "f").

For bulk work (the later step recomputes a household's purchases when its home currency changes): `rates_for()` does
every (currency, day) pair in ONE query and returns a dict; one UPDATE per purchase currency can then set
`exchange_rate = CASE purchase_date WHEN d1 THEN r1 WHEN d2 THEN r2 ... END` (Case/When over that dict's days)
for all its rows, so the database and rate_on() can never disagree on the precision.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal

from rates.models import Rate

EURO = "EUR"
MAX_DAYS_BACK = 7
CROSS_RATE_SIGNIFICANT_DIGITS = 10
CROSS_RATE_CONTEXT = Context(prec=CROSS_RATE_SIGNIFICANT_DIGITS, rounding=ROUND_HALF_EVEN)
ONE = Decimal("1")

Found = tuple[Decimal | None, date | None]


def rate_on(*, currency: str, home_currency: str, day: date) -> Found:
    """(home units per 1 unit of `currency`, the publication day used), or (None, None) when no rate is known.
    The same currency is (Decimal("1"), day) without a look-up. One query (at most 2 × 8 rows)."""
    return rates_for(currencies=[currency], home_currency=home_currency, days=[day])[(currency, day)]


def rates_for(*, currencies: Iterable[str], home_currency: str, days: Iterable[date]) -> dict[tuple[str, date], Found]:
    """rate_on() for every (currency, day) pair of `currencies` × `days`, in one query: the rates of those currencies
    and the home currency from MAX_DAYS_BACK days before the first day to the last (an index range of
    rates_rate_currency_day_uniq per currency). Returns {(currency, day): (rate or None, day used or None)}."""
    currencies, days = sorted(set(currencies)), sorted(set(days))
    if not currencies or not days:
        return {}
    published = _published(set(currencies) | {home_currency}, days[0] - timedelta(days=_days_back(days[0])), days[-1])
    return {
        (currency, day): _cross_rate(published, currency, home_currency, day) for currency in currencies for day in days
    }


def _published(currencies: set[str], first: date, last: date) -> dict[str, dict[date, Decimal]]:
    table: dict[str, dict[date, Decimal]] = defaultdict(dict)
    wanted = currencies - {EURO}
    if wanted:
        rows = Rate.objects.filter(currency__in=wanted, day__range=(first, last)).values_list("currency", "day", "rate")
        for currency, day, rate in rows:
            table[currency][day] = rate
    return table


def _cross_rate(published: dict[str, dict[date, Decimal]], currency: str, home: str, day: date) -> Found:
    if currency == home:
        return ONE, day
    for back in range(_days_back(day) + 1):
        candidate = day - timedelta(days=back)
        per_euro_home = ONE if home == EURO else published.get(home, {}).get(candidate)
        per_euro_currency = ONE if currency == EURO else published.get(currency, {}).get(candidate)
        if per_euro_home is not None and per_euro_currency is not None:
            return cross_rate(per_euro_home=per_euro_home, per_euro_currency=per_euro_currency), candidate
    return None, None


def _days_back(day: date) -> int:
    return min(MAX_DAYS_BACK, (day - date.min).days)  # no day before 1 January of year 1 (an OverflowError)


def cross_rate(*, per_euro_home: Decimal, per_euro_currency: Decimal) -> Decimal:
    """Home units per 1 unit of the currency from the two ECB figures (units per 1 EUR): their quotient at
    CROSS_RATE_SIGNIFICANT_DIGITS significant digits, half-even, normalised."""
    return CROSS_RATE_CONTEXT.divide(per_euro_home, per_euro_currency).normalize(CROSS_RATE_CONTEXT)


def last_publication_day() -> date | None:
    """The latest day the table holds a rate for (None when empty)."""
    return Rate.objects.order_by("-day").values_list("day", flat=True).first()
