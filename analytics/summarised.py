"""The money answers read from purchases' summaries (purchases.summaries, #24): their size grows with the months,
currencies, retailers, brands and product names a household has, not with its number of purchases.

A MONTH row holds, per month × currency × status, how many purchases, how many of them are converted, the sum of
their prices in cents and the exact SUM(price × rate); RETAILER, BRAND and PRODUCT rows the same per currency ×
retailer, brand or product name (without the RETURNED purchases). MONTH rows also sum their purchases' warranty
costs; START, END and SHORT rows count the household's warranties per status × start day, × end day, and the short
ones × both (timeline_counts). Rows of no purchase (`purchases` 0) may exist: groups are kept only where the
summed `purchases` is positive. The figures equal the row-by-row aggregates the analytics used before: sums of cents
are exact integers, HOME sums are the exact product sums rounded half-even once, at the end.
"""

import datetime
from bisect import bisect_left, bisect_right
from decimal import Decimal

from django.db.models import BigIntegerField, DateField, F, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Least

from analytics.money import HOME, ZERO
from analytics.periods import add_months, month_end, month_start
from households.models import Household
from purchases import warranty_summaries
from purchases.choices import PurchaseStatus
from purchases.models import Purchase, PurchaseSummary
from spends.money_sql import ExactForOrder, ExactSum, ExactSumForOrder
from warranties.choices import WarrantyStatus

KEPT = ~Q(status=PurchaseStatus.RETURNED)  # what every money total and count covers (by_status: all)


def month_rows(household_id, currency: str):
    """The household's MONTH rows in `currency` (HOME: every currency)."""
    rows = PurchaseSummary.objects.filter(household_id=household_id, kind=PurchaseSummary.MONTH)
    return rows if currency == HOME else rows.filter(currency_code=currency)


def product_rows(household_id, currency: str):
    """One row per product name: the PRODUCT rows of `currency`, or for HOME the NAME rows (every currency's
    purchases of a name), RETURNED purchases in none. Their measures are the group's: no GROUP BY needed."""
    if currency == HOME:
        return PurchaseSummary.objects.filter(household_id=household_id, kind=PurchaseSummary.NAME)
    return PurchaseSummary.objects.filter(
        household_id=household_id, kind=PurchaseSummary.PRODUCT, currency_code=currency
    )


def row_measures(currency: str) -> dict:
    """count, total_spent, rank_total (for ORDER BY) and, for HOME, unconverted_count of one product_rows row: what
    count(), total(), rank_total() and unconverted() give for a group of one row."""
    if currency == HOME:
        return {
            "count": F("converted"),
            "total_spent": F("home_exact"),
            "rank_total": ExactForOrder("home_exact"),
            "unconverted_count": F("purchases") - F("converted"),
        }
    return {"count": F("purchases"), "total_spent": F("price_cents"), "rank_total": F("price_cents")}


def kind_rows(household_id, currency: str, kind: str):
    """The household's RETAILER, BRAND or PRODUCT rows in `currency` (HOME: every currency); RETURNED purchases are
    in none of them."""
    rows = PurchaseSummary.objects.filter(household_id=household_id, kind=kind)
    return rows if currency == HOME else rows.filter(currency_code=currency)


def _group_cols(expression) -> list:
    return [col for source in expression.get_source_expressions() for col in source.get_group_by_cols()]


class GroupCoalesce(Coalesce):
    """Coalesce that groups by what its parts group by. Django groups by a whole function of a subquery, so the database
    evaluates it once per row before grouping: a catalog name looked up by a grouped key is then read once per
    summary row (bench/RESULTS.md: the distributions' name lookups). Grouped by the key, it is evaluated once per
    group."""

    def get_group_by_cols(self):
        return _group_cols(self)


def _int_sum(field, where: Q | None = None):
    # PostgreSQL's SUM(bigint) is numeric: cast back, so both engines hand back an int.
    return Cast(Sum(field, filter=where), BigIntegerField())


def total(currency: str, where: Q | None = None):
    """The raw money sum (read it with `amount`): cents of the currency, or HOME's exact converted sum."""
    return ExactSum("home_exact", filter=where) if currency == HOME else _int_sum("price_cents", where)


def count(currency: str, where: Q | None = None):
    """The purchases an answer's money covers: HOME, the converted ones."""
    return _int_sum("converted" if currency == HOME else "purchases", where)


def present(where: Q | None = None):
    """Every purchase of the group (a group with none is left out)."""
    return _int_sum("purchases", where)


def unconverted(currency: str, where: Q | None = None) -> dict:
    """HOME: `unconverted_count`, the purchases it leaves out (no rate known); a currency code leaves none out."""
    if currency != HOME:
        return {}
    return {"unconverted_count": Cast(Sum(F("purchases") - F("converted"), filter=where), BigIntegerField())}


def warranty_cost(currency: str, where: Q | None = None):
    """The raw cost of the warranties of the MONTH rows' purchases (read it with `amount`): cents of the currency, or
    HOME's exact sum of each cost × its purchase's rate (the purchases without a rate left out)."""
    return ExactSum("warranty_home_exact", filter=where) if currency == HOME else _int_sum("warranty_cents", where)


def warranty_rows(household_id, *kinds: str):
    """The household's warranty rows of `kinds` (START, END, SHORT): its warranties counted (`purchases`) per status ×
    start day (`month`), × end day (`ends`, purchases.summaries.FOREVER for none), and the short ones (lasting
    purchases.warranty_summaries.SHORT_DAYS or less) × both, of every purchase (RETURNED too)."""
    return PurchaseSummary.objects.filter(household_id=household_id, kind__in=kinds)


def warranty_count(where: Q | None = None):
    """How many warranties the warranty rows matching `where` count (0 for none)."""
    return Coalesce(_int_sum("purchases", where), 0)


START, END, SHORT = Q(kind=PurchaseSummary.START), Q(kind=PurchaseSummary.END), Q(kind=PurchaseSummary.SHORT)


WARRANTY_SUMMARY_COLUMNS = ("total", "active", "expired", "voided", "expiring_soon")


def warranty_summary_rows(household_id, today: datetime.date, soon_days: int):
    """selectors.warranty_summary's query: one row of WARRANTY_SUMMARY_COLUMNS, a values_list() over one constant
    group (no GROUP BY is sent: the END rows' covering index is read alone) so that the dashboard's is compiled once
    (spends.prepared)."""
    in_force = Q(status=WarrantyStatus.ACTIVE)
    counts = {
        "total": warranty_count(),
        "active": warranty_count(in_force & Q(ends__gte=today)),
        "expired": warranty_count(in_force & Q(ends__lt=today)),
        "voided": warranty_count(Q(status=WarrantyStatus.VOIDED)),
        "expiring_soon": warranty_count(
            in_force & Q(ends__gte=today, ends__lte=today + datetime.timedelta(days=soon_days))
        ),
    }
    rows = warranty_rows(household_id, PurchaseSummary.END).annotate(one=Value(1)).values("one")
    return rows.annotate(**counts).values_list(*WARRANTY_SUMMARY_COLUMNS)


def timeline_firsts(months: int, today: datetime.date) -> list[datetime.date]:
    """The first days of the last `months` months, oldest first, the current month last."""
    current = month_start(today)
    return [add_months(current, -i) for i in range(months - 1, -1, -1)]


def timeline_rows(household_id, firsts: list, today: datetime.date):
    """The rows the timeline counts (timeline_counts), ACTIVE (not voided) only: END rows ending from the first
    month on, START and SHORT rows starting after its first day (every L is later). A few thousand rows: the days
    from the first month to the last end, not the household's history."""
    rows = PurchaseSummary.objects.filter(household_id=household_id, status=WarrantyStatus.ACTIVE)
    return rows.filter((END & Q(ends__gte=firsts[0])) | ((START | SHORT) & Q(month__gt=firsts[0])))


def timeline_histogram(household_id, firsts: list, today: datetime.date, soon_days: int):
    """timeline_rows summed per (kind, start day, end day) as a values_list() of (kind, start, end, count), with
    every start after today put on today + 1 and every end after today + soon_days on the day after: each L is at
    most today, so those compare alike with every L and L + soon_days. A few hundred groups (the days of the
    window and the next soon_days), which timeline_counts adds up in Python: summing them in SQL took one conditional
    sum per month and figure (60) over every row, 13 ms at 1M (bench/RESULTS.md)."""
    late_start = Value(today + datetime.timedelta(days=1), output_field=DateField())
    late_end = Value(today + datetime.timedelta(days=soon_days + 1), output_field=DateField())
    return (
        timeline_rows(household_id, firsts, today)
        .annotate(day_from=Least("month", late_start), day_to=Least("ends", late_end))
        .values("kind", "day_from", "day_to")
        .annotate(count=Sum("purchases"))
        .order_by()
        .values_list("kind", "day_from", "day_to", "count")
    )


def timeline_counts(rows, firsts: list, today: datetime.date, soon_days: int) -> dict:
    """{"active_i", "expired_i", "soon_i"} per month i of `firsts` from timeline_histogram's rows, with L = each
    month's last day (today for the current month). As ends are never before starts (a database constraint):
    - active (started by L, ending from L on or never) = #{ends ≥ L, none too} − #{starts > L} (END − START rows);
    - expired (ending inside the month, by L) = #{first ≤ ends ≤ L} (END rows);
    - expiring soon (active, ending L..L + soon_days) = #{L ≤ ends ≤ L + soon_days} − #{starts > L, ends ≤ L +
      soon_days}: those last under soon_days, so all are SHORT rows (END − SHORT rows)."""
    if soon_days > warranty_summaries.SHORT_DAYS:
        raise ValueError(f"expiring soon within {soon_days} days needs SHORT rows of that many days")
    ends, starts, shorts = {}, {}, []
    for kind, day_from, day_to, count in rows:
        if kind == PurchaseSummary.END:
            ends[day_to] = ends.get(day_to, 0) + int(count)
        elif kind == PurchaseSummary.START:
            starts[day_from] = starts.get(day_from, 0) + int(count)
        else:
            shorts.append((day_from, day_to, int(count)))
    end_days, end_sums = _running(ends)
    start_days, start_sums = _running(starts)

    def ends_between(low, high) -> int:  # END counts with low ≤ day ≤ high
        return end_sums[bisect_right(end_days, high)] - end_sums[bisect_left(end_days, low)]

    counts = {}
    current = month_start(today)
    for index, first in enumerate(firsts):
        last = today if first == current else month_end(first)
        soon_limit = last + datetime.timedelta(days=soon_days)
        started_later = start_sums[-1] - start_sums[bisect_right(start_days, last)]
        counts[f"active_{index}"] = ends_between(last, datetime.date.max) - started_later
        counts[f"expired_{index}"] = ends_between(first, last)
        short_later = sum(count for start, end, count in shorts if start > last and end <= soon_limit)
        counts[f"soon_{index}"] = ends_between(last, soon_limit) - short_later
    return counts


def _running(counts: dict) -> tuple[list, list]:
    """(the sorted days, the running totals: totals[i] = the counts of the days before days[i])."""
    days = sorted(counts)
    totals = [0]
    for day in days:
        totals.append(totals[-1] + counts[day])
    return days, totals


def rank_total(currency: str):
    """The total to order groups by (HOME: exact on PostgreSQL, a float on SQLite, as before)."""
    return ExactSumForOrder("home_exact") if currency == HOME else Sum("price_cents")


def amount(currency: str, raw) -> Decimal | None:
    """A `total` as money before rounding: the exact converted sum (None for none), or the cents as Decimal."""
    if currency == HOME:
        return raw
    return ZERO if raw is None else Decimal(raw).scaleb(-2)


def counted(value) -> int:
    return int(value or 0)


def grouped(rows, currency: str, key: str) -> dict:
    """{key value: {"total_amount" (raw, see amount), "item_count", "unconverted_count"}} of rows grouped by `key`
    (one query)."""
    found = (
        rows.values(key)
        .annotate(total_amount=total(currency), item_count=count(currency), **unconverted(currency))
        .order_by(key)
    )
    return {
        row[key]: {
            "total_amount": amount(currency, row["total_amount"]),
            "item_count": counted(row["item_count"]),
            "unconverted_count": counted(row.get("unconverted_count")),
        }
        for row in found
    }


def spending_months(household_id, currency: str, first: datetime.date, last: datetime.date) -> dict:
    """grouped() per month over the months first..last (their first days), RETURNED purchases left out."""
    rows = month_rows(household_id, currency).filter(KEPT, month__gte=first, month__lte=last)
    return grouped(rows, currency, "month")


EXTREMES = ("min_price", "max_price", "first_purchase_date", "last_purchase_date")


def extremes(household_id, currency: str) -> dict:
    """min/max price and first/last purchase date of the purchases the summary counts (not RETURNED; HOME: the
    converted ones, by home price): one query of four index probes (purchase_summary_price_idx,
    purchase_summary_home_idx, the date indexes), not a scan: the totals come from the summaries."""
    return extremes_answer(list(extremes_rows(household_id, currency)))


def extremes_rows(household_id, currency: str):
    """extremes' query: a values_list() of EXTREMES (one row, none without the household)."""
    rows = Purchase.objects.in_household(household_id).filter(KEPT)
    rows = rows if currency == HOME else rows.filter(currency_code=currency)
    price = "price"
    if currency == HOME:
        rows, price = rows.filter(exchange_rate__isnull=False, home_price__isnull=False), "home_price"

    def first(*order):
        return Subquery(rows.order_by(*order).values(order[0].lstrip("-"))[:1])

    found = Household.objects.filter(pk=household_id).annotate(
        min_price=first(price),
        max_price=first(f"-{price}"),
        first_purchase_date=first("purchase_date"),
        last_purchase_date=first("-purchase_date"),
    )
    return found.values_list(*EXTREMES)


def extremes_answer(rows: list[tuple]) -> dict:
    return dict(zip(EXTREMES, rows[0], strict=True)) if rows else dict.fromkeys(EXTREMES)
