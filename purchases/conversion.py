"""A purchase's conversion to its household's home currency (API.md § Version 2 → Currencies): `exchange_rate` (home
units per unit of `currency_code` on `purchase_date`), `rate_source` and the stored `home_price`.

The rules, in one place:
- the same currency as home: rate 1, source null, home price = price;
- a rate the client gave (`exchange_rate`): MANUAL, kept across later edits until the client clears it (null) or
  changes the currency (a rate between other currencies would be wrong);
- otherwise the ECB reference rate of the purchase day, or of the nearest earlier publication day at most 7 days
  before (rates.selectors): source ECB; none known (a currency the ECB does not publish, a day before 1999): rate,
  source and home price null, and the purchase is counted in `unconverted_count` instead of the converted totals;
- home price = price × rate, rounded half-even to cents (spends.money_sql, the same in SQL and in Python).

Single writes convert in Python (`complete`); a household's home-currency change and the import convert in bulk
(`reconvert`), one UPDATE per purchase currency, never one per row.
"""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Case, DecimalField, F, QuerySet, Value, When
from django.utils import timezone

from households.models import Household
from purchases import summaries
from purchases.choices import RateSource
from purchases.models import EXCHANGE_RATE_DECIMAL_PLACES, EXCHANGE_RATE_MAX_DIGITS, Purchase
from rates.selectors import MAX_DAYS_BACK, rate_on, rates_for
from spends import data_versions
from spends.money_sql import HomePrice, product_cents

ONE = Decimal("1")
RATE_FIELD = DecimalField(max_digits=EXCHANGE_RATE_MAX_DIGITS, decimal_places=EXCHANGE_RATE_DECIMAL_PLACES)
# Days per UPDATE (five parameters each: the rate's CASE, the home price's, the source's list): 10,000 parameters,
# far below both engines' limits per statement. A household buying in one currency on more than this many different
# days (five years of every day) takes two.
DAYS_PER_STATEMENT = 2000
HOME_RATE_NOT_ONE = "A purchase in the home currency ({home}) has the exchange rate 1; leave it out or send 1."


def home_currency_of(household_id) -> str:
    return Household.objects.values_list("home_currency", flat=True).get(pk=household_id)


def manual_rate_set(purchase: Purchase, rate: Decimal | None) -> None:
    """The client sent `exchange_rate`: a value is a MANUAL rate; null clears it (the reference rate applies)."""
    purchase.exchange_rate = rate
    purchase.rate_source = None if rate is None else RateSource.MANUAL


def complete(purchase: Purchase, *, home_currency: str | None = None) -> None:
    """Set the purchase's rate (unless MANUAL), source and home price from its price, currency and date, before it is
    saved (validated values). `home_currency`: its household's, looked up when not given (one query)."""
    home = home_currency or home_currency_of(purchase.household_id)
    if purchase.rate_source == RateSource.MANUAL:
        if purchase.currency_code == home and purchase.exchange_rate != ONE:
            raise ValidationError({"exchange_rate": HOME_RATE_NOT_ONE.format(home=home)})
    elif purchase.currency_code == home:
        purchase.exchange_rate, purchase.rate_source = ONE, None
    else:
        purchase.exchange_rate, _ = rate_on(
            currency=purchase.currency_code, home_currency=home, day=purchase.purchase_date
        )
        purchase.rate_source = None if purchase.exchange_rate is None else RateSource.ECB
    purchase.home_price = (
        None if purchase.exchange_rate is None else product_cents(purchase.price, purchase.exchange_rate)
    )


def reconvert(rows: QuerySet, *, home_currency: str, touch: bool = True) -> None:
    """Re-convert every purchase of `rows` (one household's, or any subset of it) whose rate is not MANUAL to
    `home_currency`: one UPDATE per currency (DAYS_PER_STATEMENT purchase days at a time), which sets the rate, the
    source and the home price together, so `rows` may be filtered on any of them. `rows` may be of a migration's
    historical model. `touch`: set the rows' updated_at (an edit read before this is then refused, see
    services.purchase_save_unchanged); a migration passes False, as converting old data is no edit."""
    rows = rows.exclude(rate_source=RateSource.MANUAL)
    touched = {"updated_at": timezone.now()} if touch else {}
    currencies = sorted(set(rows.order_by().values_list("currency_code", flat=True).distinct()))
    for currency in currencies:
        of_currency = rows.filter(currency_code=currency)
        if currency == home_currency:
            of_currency.update(exchange_rate=ONE, rate_source=None, home_price=F("price"), **touched)
            continue
        days = sorted(set(of_currency.order_by().values_list("purchase_date", flat=True).distinct()))
        for start in range(0, len(days), DAYS_PER_STATEMENT):
            _rates_update(of_currency, currency, home_currency, days[start : start + DAYS_PER_STATEMENT], touched)


def _rates_update(rows: QuerySet, currency: str, home_currency: str, days: list, touched: dict) -> None:
    """One UPDATE: the rate of each of `days` on the rows of those days, its source and the home price (all NULL
    where no rate is known)."""
    found = rates_for(currencies=[currency], home_currency=home_currency, days=days)
    known = {day: rate for day in days if (rate := found[(currency, day)][0]) is not None}
    rows = rows.filter(purchase_date__range=(days[0], days[-1]))
    if not known:
        rows.update(exchange_rate=None, rate_source=None, home_price=None, **touched)
        return
    rate = Case(
        *(When(purchase_date=day, then=Value(value, output_field=RATE_FIELD)) for day, value in known.items()),
        default=None,
        output_field=RATE_FIELD,
    )
    source = Case(When(purchase_date__in=list(known), then=Value(RateSource.ECB.value)), default=None)
    rows.update(exchange_rate=rate, rate_source=source, home_price=HomePrice(F("price"), rate), **touched)


def rates_added(*, first_day, last_day) -> None:
    """The rates.services listener: newer reference rates were imported (inside that transaction). The purchases that
    had no rate and are dated from `first_day` to `last_day` + MAX_DAYS_BACK (those days' rates reach that far) are
    converted now: per household, one UPDATE per currency; their data versions are bumped."""
    waiting = Purchase.objects.filter(
        exchange_rate__isnull=True, purchase_date__range=(first_day, last_day + timedelta(days=MAX_DAYS_BACK))
    ).exclude(rate_source=RateSource.MANUAL)
    households = dict(
        Household.objects.filter(pk__in=waiting.values("household_id")).values_list("pk", "home_currency")
    )
    for household_id, home_currency in households.items():
        rows = waiting.filter(household_id=household_id)
        ids = list(rows.values_list("pk", flat=True))
        reconvert(rows, home_currency=home_currency)
        summaries.conversions_add(ids)  # those that got a rate now count as converted (one statement)
        data_versions.bump(data_versions.household_scope(household_id))


def household_reconvert(*, household_id, home_currency: str) -> None:
    """The households.registry listener: the household's home currency changed (inside that transaction)."""
    reconvert(Purchase.objects.filter(household_id=household_id), home_currency=home_currency)
    summaries.recompute([household_id])
