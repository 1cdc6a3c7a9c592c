"""Money in analytics answers: sums in one currency or converted to the home currency (HOME), averages and shares.

API.md § Currencies: `currency=HOME` converts. Its totals are SUM(price × exchange_rate) over every purchase with a
rate (any currency), exact in the database and rounded half-even to cents once, at the end (spends.money_sql); the
purchases without a rate are left out and counted in `unconverted_count`. A currency code sums the prices of that
currency's purchases (every one of them counts: `unconverted_count` is 0).
"""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from spends.money_sql import EXACT, ProductSum, half_even_cents

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# Sums of many Decimal(10,2) prices need more digits than one price.
AMOUNT = DecimalField(max_digits=20, decimal_places=2)


def money_sum(field: str = "price", *, where: Q | None = None):
    """SUM as Decimal(20,2), "0.00" instead of NULL when nothing matches."""
    return Coalesce(Sum(field, filter=where), Value(ZERO, output_field=AMOUNT), output_field=AMOUNT)


def average(total: Decimal | None, count: int, currency: str = "") -> Decimal | None:
    # Exact Decimal division of the two database aggregates: AVG() would be a float on SQLite and could
    # round a half cent differently than PostgreSQL's numeric AVG(). HOME: the exact converted sum, divided, then
    # rounded half-even once (API.md § Currencies).
    if not count:
        return None
    if currency == HOME:
        return half_even_cents(EXACT.divide(total, count))
    return (total / count).quantize(CENT, rounding=ROUND_HALF_UP)


def percentages(counts: list[int]) -> list[float]:
    """Each count's share of the sum, in percent with 2 decimals, adding up to exactly 100.

    Largest-remainder rounding: plain rounding of many rows could drift beyond the contract's ±0.05.
    """
    total = sum(counts)
    if not total:
        return [0.0 for _ in counts]
    exact = [Decimal(count) * 10000 / total for count in counts]  # in hundredths of a percent
    floors = [value.to_integral_value(rounding=ROUND_DOWN) for value in exact]
    missing = int(10000 - sum(floors))
    # Stable: equal remainders favour the earlier (larger, then alphabetical) row.
    by_remainder = sorted(range(len(counts)), key=lambda i: exact[i] - floors[i], reverse=True)
    for i in by_remainder[:missing]:
        floors[i] += 1
    return [float(value / 100) for value in floors]


# --- the currency of an answer ---------------------------------------------------------------------------------
# API.md § Currencies: `currency=HOME` converts. Its totals are SUM(price × exchange_rate) over every purchase with a
# rate (any currency), exact in the database and rounded half-even to cents once, at the end (spends.money_sql); the
# purchases without a rate are left out and counted in `unconverted_count`. A currency code sums the prices of that
# currency's purchases, as before (every one of them counts: `unconverted_count` is 0).
HOME = "HOME"
CONVERTED = Q(exchange_rate__isnull=False)


def money_total(currency: str, field: str = "price", *, where: Q | None = None, rate: str = "exchange_rate"):
    """The SUM of `field` in the answer's currency: the plain sum, or (HOME) the exact sum of `field` × `rate`,
    unrounded (finish it with finished)."""
    if currency == HOME:
        return ProductSum(field, rate, filter=where)
    return money_sum(field, where=where)


def finished(currency: str, value) -> Decimal:
    """A money_total's value as the answer's money: HOME's exact sum rounded half-even to cents (0.00 for none)."""
    if currency == HOME:
        return half_even_cents(value) if value is not None else ZERO
    return value


def counted(currency: str) -> Q:
    """The purchases an answer's money and counts cover: HOME, those with a rate."""
    return CONVERTED if currency == HOME else Q()


def unconverted(currency: str) -> dict:
    """The aggregate `unconverted_count`: the purchases a HOME answer leaves out (no rate known). A currency code
    leaves none out: no aggregate (the caller's `.get("unconverted_count", 0)`)."""
    return {"unconverted_count": Count("id", filter=~CONVERTED)} if currency == HOME else {}
