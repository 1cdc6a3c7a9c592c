"""Analytics reads (API.md § Analytics): one function per aggregate, each computed by the database.

Every selector is scoped to one household (`household_id`) and runs a small, fixed number of queries whatever the
number of rows
(GROUP BY with TruncDay/TruncWeek/TruncMonth, SUM, COUNT, conditional aggregation). Python only zero-fills the
short list of periods, formats period keys and rounds derived numbers (averages, percentages) from the
aggregated results. Money stays `Decimal` throughout; "today" is a parameter (default `clock.today()`, UTC) so
callers and tests decide which day it is.
"""

import datetime

from django.conf import settings
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Lower, Trim, TruncDay, TruncMonth, TruncWeek

from analytics import summarised
from analytics.money import (
    HOME,
    ZERO,
    average,
    counted,
    finished,
    money_total,
    percentages,
    unconverted,
)
from analytics.periods import add_months, month_end, month_start, period_key, period_starts
from catalog.models import Brand, Retailer
from purchases.choices import PurchaseStatus
from purchases.models import Purchase, PurchaseSummary
from purchases.selectors import purchase_list
from purchases.summaries import NIL
from spends import clock
from warranties.selectors import warranty_expiring, warranty_list

EXPIRING_SOON_DAYS = 30
UNKNOWN_NAME = "Unknown"
GROUP_BY_CHOICES = ("day", "week", "month")

_TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def _as_date(value) -> datetime.date:
    # Trunc over a DateField gives a date; be robust to a backend handing back a datetime.
    return value.date() if isinstance(value, datetime.datetime) else value


def _purchases(household_id, currency: str):
    """The household's purchases in `currency` (HOME: every purchase, any currency): what every money total,
    spending series and top list adds up. A RETURNED purchase is in none of them (API.md § Version 2, return
    windows); only `by_status` counts it."""
    return _all_purchases(household_id, currency).exclude(status=PurchaseStatus.RETURNED)


def _all_purchases(household_id, currency: str):
    purchases = Purchase.objects.in_household(household_id)
    return purchases if currency == HOME else purchases.filter(currency_code=currency)


# --- spending -------------------------------------------------------------------------------------------------


def _grouped_spending(queryset, group_by: str, currency: str) -> dict[datetime.date, dict]:
    """One GROUP BY query: {first day of period: {"total_amount", "item_count", "unconverted_count"}}."""
    covered = counted(currency)
    rows = (
        queryset.annotate(period_start=_TRUNC[group_by]("purchase_date"))
        .values("period_start")
        .annotate(
            total_amount=money_total(currency),
            item_count=Count("id", filter=covered),
            **unconverted(currency),
        )
        .order_by("period_start")
    )
    return {
        _as_date(row["period_start"]): {
            **row,
            "total_amount": finished(currency, row["total_amount"]),
            "unconverted_count": row.get("unconverted_count", 0),
        }
        for row in rows
    }


def _zero_filled(starts: list[datetime.date], found: dict, group_by: str, key_name: str) -> list[dict]:
    empty = {"total_amount": ZERO, "item_count": 0, "unconverted_count": 0}
    return [
        {
            key_name: period_key(start, group_by),
            "total_amount": found.get(start, empty)["total_amount"],
            "item_count": found.get(start, empty)["item_count"],
            "unconverted_count": found.get(start, empty)["unconverted_count"],
        }
        for start in starts
    ]


def spending_by_month(
    *, household_id, currency: str, months: int = 12, today: datetime.date | None = None
) -> list[dict]:
    """Spending in `currency` for the last `months` calendar months (UTC), oldest first, current month last.

    Returns `[{"month": "YYYY-MM", "total_amount": Decimal, "item_count": int}]`, every month present
    (zero-filled). A month counts all its purchases, including ones dated later this month. One query.
    """
    first, last = month_window(today or clock.today(), months)
    return month_series(summarised.spending_months(household_id, currency, first, last), currency, first, last)


def month_window(today: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """The first days of the first and the last (current) of the last `months` calendar months."""
    last = month_start(today)
    return add_months(last, -(months - 1)), last


def month_series(found: dict, currency: str, first: datetime.date, last: datetime.date) -> list[dict]:
    """spending_by_month's answer of summarised.grouped() rows per month (first days), zero-filled."""
    return _zero_filled(period_starts(first, last, "month"), _finished(found, currency), "month", "month")


def spending_by_period(
    *,
    household_id,
    currency: str,
    start: datetime.date,
    end: datetime.date,
    group_by: str = "month",
    home_currency: str = "",
) -> dict:
    """Spending in `currency` between `start` and `end` (inclusive) grouped by day, ISO week or month.

    Returns `{"start", "end", "currency", "group_by", "total_amount", "item_count", "series"}`; `series` holds
    every period touching the range (zero-filled), `{"period", "total_amount", "item_count"}`. Only purchases
    inside [start, end] count, also in the first and last (partial) week or month. Whole months grouped by month
    are read from the summaries (one query); any other range from the rows (two queries).
    """
    if group_by == "month" and start == month_start(start) and end == month_end(end):
        return _period_from_summaries(household_id, currency, start, end, home_currency)
    queryset = _purchases(household_id, currency).filter(purchase_date__gte=start, purchase_date__lte=end)
    totals = queryset.aggregate(
        total_amount=money_total(currency),
        item_count=Count("id", filter=counted(currency)),
        **unconverted(currency),
    )
    found = _grouped_spending(queryset, group_by, currency)
    return {
        "start": start,
        "end": end,
        "currency": currency,
        "home_currency": home_currency or None,
        "group_by": group_by,
        "total_amount": finished(currency, totals["total_amount"]),
        "item_count": totals["item_count"],
        "unconverted_count": totals.get("unconverted_count", 0),
        "series": _zero_filled(period_starts(start, end, group_by), found, group_by, "period"),
    }


def _finished(found: dict, currency: str) -> dict:
    return {key: {**row, "total_amount": finished(currency, row["total_amount"])} for key, row in found.items()}


def _period_from_summaries(household_id, currency: str, start, end, home_currency: str) -> dict:
    raw = summarised.spending_months(household_id, currency, start, end)
    # The range's total is the sum of its months' (exact) sums, rounded once: what one aggregate over the rows gave.
    total = sum((row["total_amount"] or ZERO for row in raw.values()), ZERO) if raw else None
    return {
        "start": start,
        "end": end,
        "currency": currency,
        "home_currency": home_currency or None,
        "group_by": "month",
        "total_amount": finished(currency, total if currency == HOME else (total or ZERO)),
        "item_count": sum(row["item_count"] for row in raw.values()),
        "unconverted_count": sum(row["unconverted_count"] for row in raw.values()),
        "series": _zero_filled(period_starts(start, end, "month"), _finished(raw, currency), "month", "period"),
    }


def summary_aggregates(currency: str, today: datetime.date) -> dict:
    """The aggregates of spending_summary's totals over the MONTH summaries (read them with spending_summary)."""
    kept = summarised.KEPT
    # by_status counts RETURNED purchases too; every other figure leaves them out (`kept`), as _purchases does.
    return {
        "total_spent": summarised.total(currency, kept),
        "item_count": summarised.count(currency, kept),
        "this_month_spent": summarised.total(currency, kept & Q(month=month_start(today))),
        **{f"status_{status}": summarised.present(Q(status=status)) for status in PurchaseStatus.values},
        **summarised.unconverted(currency, kept),
        # The coverages' cost (#24: summed per MONTH row by the writes). HOME: each cost at its purchase's rate.
        "warranty_cost": summarised.warranty_cost(currency, kept),
    }


def spending_summary(
    *,
    household_id,
    currency: str,
    home_currency: str = "",
    today: datetime.date | None = None,
    totals: dict | None = None,
    currencies: list[str] | None = None,
    extremes: dict | None = None,
) -> dict:
    """Totals of the household's purchases in `currency`, and the list of every currency the household has used.

    Returns `{"currency", "total_spent", "item_count", "average_price", "min_price", "max_price",
    "first_purchase_date", "last_purchase_date", "this_month_spent", "by_status": {status: count},
    "currencies": [sorted codes], "warranty_cost_total"}`. Without purchases in `currency`: sums "0.00", counts 0,
    other prices and dates None. RETURNED purchases count in `by_status` only (not in item_count, prices or dates).
    `warranty_cost_total`: the cost of the counted purchases' coverages (#21). Three queries: the totals and the
    coverages' cost from the summaries, the extremes (summarised.extremes: index probes), the currencies (summaries).
    The dashboard passes `totals` (summary_aggregates' values, read with its other figures), `currencies` and
    `extremes` (summarised.extremes), read its own way.
    """
    today = today or clock.today()
    row = totals
    if row is None:
        row = summarised.month_rows(household_id, currency).aggregate(**summary_aggregates(currency, today))
    total_spent = summarised.amount(currency, row["total_spent"])
    item_count = summarised.counted(row["item_count"])
    extremes = summarised.extremes(household_id, currency) if extremes is None else extremes
    currencies = household_currencies(household_id) if currencies is None else currencies
    return {
        "currency": currency,
        "home_currency": home_currency or None,
        "total_spent": finished(currency, total_spent),
        "item_count": item_count,
        "unconverted_count": summarised.counted(row.get("unconverted_count")),
        "average_price": average(total_spent, item_count, currency),
        **extremes,
        "this_month_spent": finished(currency, summarised.amount(currency, row["this_month_spent"])),
        "by_status": {status: summarised.counted(row[f"status_{status}"]) for status in PurchaseStatus.values},
        "currencies": currencies,
        "warranty_cost_total": finished(currency, summarised.amount(currency, row["warranty_cost"])),
    }


# --- warranties -----------------------------------------------------------------------------------------------


def warranty_timeline(
    *, household_id, months: int = 12, today: datetime.date | None = None, row: dict | None = None
) -> list[dict]:
    """Per calendar month (oldest first, current month last): `{"month", "active", "expired", "expiring_soon"}`.

    With L = the month's last day (today for the current month), over warranties that are not voided:
    `active` started on or before L and ends on or after L or has no end (LIFETIME); `expired` ends inside the
    month, on or before L; `expiring_soon` is active and ends within 30 days after L (L..L+30). One query over the
    warranty summaries (#24: counts per status × start day, × end day, and the short ones × both; no end is
    9999-12-31, after every L): a few hundred day groups of them (summarised.timeline_histogram) added up per month
    (summarised.timeline_counts).
    """
    today = today or clock.today()
    firsts = summarised.timeline_firsts(months, today)
    if row is None:
        rows = summarised.timeline_histogram(household_id, firsts, today, EXPIRING_SOON_DAYS)
        row = summarised.timeline_counts(rows, firsts, today, EXPIRING_SOON_DAYS)
    return [
        {
            "month": period_key(first, "month"),
            "active": row[f"active_{index}"],
            "expired": row[f"expired_{index}"],
            "expiring_soon": row[f"soon_{index}"],
        }
        for index, first in enumerate(firsts)
    ]


def warranty_summary(*, household_id, today: datetime.date | None = None, rows: list[tuple] | None = None) -> dict:
    """Counts of the household's warranties by effective status today: `{"total", "active", "expired", "voided",
    "expiring_soon"}` (expiring_soon: ACTIVE and ending today..today+30). One query over the END summaries (#24:
    counts per status × end day; no end is 9999-12-31), or `rows` already read of summarised.warranty_summary_rows."""
    today = today or clock.today()
    if rows is None:
        rows = list(summarised.warranty_summary_rows(household_id, today, EXPIRING_SOON_DAYS))
    columns = summarised.WARRANTY_SUMMARY_COLUMNS
    found = rows[0] if rows else (0,) * len(columns)
    return {name: summarised.counted(value) for name, value in zip(columns, found, strict=True)}


# --- distributions --------------------------------------------------------------------------------------------


_DISTRIBUTION_COLUMNS = ("entry_id", "entry_name", "count", "total_spent", "unconverted_count")


def distribution_rows(household_id, currency: str, relation: str):
    """The query of a retailer ("retailer") or brand ("brand") distribution: a values_list() of
    _DISTRIBUTION_COLUMNS (no unconverted_count for a currency code), finished by distribution_answer."""
    key = f"{relation}_key"
    catalog = {"retailer": Retailer, "brand": Brand}[relation]
    # From the summaries, one row per retailer/brand; each group's name by its key (a lookup per group, not per
    # purchase). The nil key is "no retailer/brand": id None, "Unknown".
    name = Subquery(catalog.objects.filter(pk=OuterRef(key)).values("name")[:1])
    kind = {"retailer": PurchaseSummary.RETAILER, "brand": PurchaseSummary.BRAND}[relation]
    measures = {"count": summarised.count(currency), "total_spent": summarised.total(currency)}
    return (
        summarised.kind_rows(household_id, currency, kind)
        .values(key)
        .annotate(**measures, present=summarised.present(), **summarised.unconverted(currency))
        .filter(present__gt=0)
        .annotate(
            entry_id=Case(When(**{key: NIL}, then=Value(None)), default=F(key)),
            entry_name=summarised.GroupCoalesce(name, Value(UNKNOWN_NAME)),  # a lookup per group, not per row
        )
        .order_by()  # distribution_answer sorts: in SQL, the ORDER BY looked each name up a second time
        .values_list(*_DISTRIBUTION_COLUMNS[: 5 if currency == HOME else 4])
    )


def _distribution_order(row: dict) -> tuple:
    # Most purchases first, then by name ignoring case, then by id ("Unknown", no id, last): the same order on both
    # engines (SQLite's lower() folds ASCII only, and PostgreSQL's ORDER BY follows the database's collation).
    entry_id = row["entry_id"]
    return (-summarised.counted(row["count"]), row["entry_name"].lower(), entry_id is None, entry_id or NIL)


def distribution_answer(rows: list[tuple], currency: str, relation: str) -> list[dict]:
    """The answer of distribution_rows' rows (in any order)."""
    rows = sorted((dict(zip(_DISTRIBUTION_COLUMNS, row, strict=False)) for row in rows), key=_distribution_order)
    # The shares need the grand total of a list with one row per retailer/brand: no extra query for it.
    shares = percentages([summarised.counted(row["count"]) for row in rows])
    return [
        {
            f"{relation}_id": row["entry_id"],
            f"{relation}_name": row["entry_name"],
            "count": summarised.counted(row["count"]),
            "percentage": share,
            "total_spent": finished(currency, summarised.amount(currency, row["total_spent"])),
            "unconverted_count": summarised.counted(row.get("unconverted_count")),
        }
        for row, share in zip(rows, shares, strict=True)
    ]


def _distribution(*, household_id, currency: str, relation: str) -> list[dict]:
    return distribution_answer(list(distribution_rows(household_id, currency, relation)), currency, relation)


def retailer_distribution(*, household_id, currency: str) -> list[dict]:
    """The household's purchases in `currency` per retailer: `[{"retailer_id", "retailer_name", "count",
    "percentage", "total_spent"}]`, most purchases first, ties by name. Purchases without a retailer form one
    row (`retailer_id` None, name "Unknown"). Percentages of the count add up to exactly 100. One query."""
    return _distribution(household_id=household_id, currency=currency, relation="retailer")


def brand_distribution(*, household_id, currency: str) -> list[dict]:
    """As `retailer_distribution`, per brand (`brand_id`, `brand_name`). One query."""
    return _distribution(household_id=household_id, currency=currency, relation="brand")


_TOP_COLUMNS = ("name_key", "count", "total_spent", "unconverted_count")


def top_product_rows(household_id, currency: str, limit: int):
    """top_products' first query: the top groups, a values_list() of _TOP_COLUMNS (no unconverted_count for a
    currency code)."""
    # One row per name (summarised.product_rows), read in an index's order (purchase_summary_top_idx,
    # purchase_summary_top_home_idx) and stopped at `limit`: no aggregate over every name. The totals are never NULL.
    return (
        summarised.product_rows(household_id, currency)
        .filter(purchases__gt=0)
        .annotate(**summarised.row_measures(currency))
        .order_by("-count", "-rank_total", "name_key")
        .values_list(*_TOP_COLUMNS[: 4 if currency == HOME else 3])[:limit]
    )


def top_products(
    *, household_id, currency: str, limit: int = 10, rows: list[tuple] | None = None, spell=None
) -> list[dict]:
    """The household's most purchased products in `currency`: `[{"product_name", "count", "total_spent",
    "avg_price"}]`, names grouped case-insensitively and trimmed, most purchased first, then highest total,
    then name. Each group is named by its most recent spelling (newest purchase_date, then newest created).
    Two queries: the top groups (top_product_rows; the dashboard passes them as `rows`), then the newest spelling of
    just those groups (newest_spelling_rows; the dashboard's `spell` reads them its own way)."""
    if rows is None:
        rows = list(top_product_rows(household_id, currency, limit))
    rows = [dict(zip(_TOP_COLUMNS, row, strict=False)) for row in rows]
    name_keys = [row["name_key"] for row in rows]
    spellings = dict(spell(name_keys) if spell else newest_spelling_rows(household_id, currency, name_keys))
    results = []
    for row in rows:
        total = summarised.amount(currency, row["total_spent"])
        item_count = summarised.counted(row["count"])
        results.append(
            {
                "product_name": spellings[row["name_key"]],
                "count": item_count,
                "total_spent": finished(currency, total),
                "avg_price": average(total, item_count, currency) or ZERO,
                "unconverted_count": summarised.counted(row.get("unconverted_count")),
            }
        )
    return results


def newest_spelling_rows(household_id, currency: str, name_keys: list[str]):
    """(name key, the newest spelling (purchase_date, then created, then id) of the purchases that count) per name
    key, one query: per name one index probe (purchase_top_products_name_idx) for its newest purchase, then those rows.
    No window over every purchase of the group, no correlated subquery per purchase (bench/RESULTS.md)."""
    purchases = _purchases(household_id, currency).annotate(name_key=Lower(Trim("product_name")))
    if not name_keys:
        return purchases.none().values_list("name_key", Trim("product_name"))
    newest = Q()
    for name_key in name_keys:
        ordered = purchases.filter(name_key=name_key).order_by("-purchase_date", "-created_at", "-id")
        newest |= Q(pk=Subquery(ordered.values("pk")[:1]))
    return purchases.filter(newest).values_list("name_key", Trim("product_name"))


# --- recent lists ---------------------------------------------------------------------------------------------


def recent_purchases(*, household_id, limit: int = 10, today: datetime.date | None = None):
    """The household's `limit` newest purchases (purchase_date, then created), annotated as `purchase_list`.
    RETURNED ones too: a list of what happened, not a money total (each shows its status). One query."""
    return purchase_list(household_id=household_id, today=today)[:limit]


def recent_warranties(*, household_id, limit: int = 10, today: datetime.date | None = None):
    """The household's `limit` newest warranties by creation, annotated as `warranty_list`. One query."""
    return warranty_list(household_id=household_id, today=today).order_by("-created_at", "-id")[:limit]


def expiring_warranties(
    *, household_id, days: int = EXPIRING_SOON_DAYS, limit: int = 10, today: datetime.date | None = None
):
    """The household's ACTIVE warranties ending from today to today+days, soonest first, at most `limit`. One query."""
    return warranty_expiring(household_id=household_id, days=days, today=today)[:limit]


def returns_closing(
    *, household_id, days: int = EXPIRING_SOON_DAYS, limit: int = 10, today: datetime.date | None = None
) -> list[dict]:
    """The household's open return windows closing from today to today+days (not RETURNED), soonest first, at most
    `limit`: `[{"id", "product_name", "return_by", "days_left", "price", "currency_code"}]`. One query; `days_left`
    is worked out on the (at most `limit`) rows read, a date difference being different SQL in SQLite and PostgreSQL."""
    today = today or clock.today()
    return returns_closing_answer(returns_closing_rows(household_id, today, days)[:limit], today)


RETURN_COLUMNS = ("id", "product_name", "return_by", "price", "currency_code")


def returns_closing_rows(household_id, today: datetime.date, days: int = EXPIRING_SOON_DAYS):
    """returns_closing's query, to be sliced: a values_list() of RETURN_COLUMNS."""
    return (
        Purchase.objects.in_household(household_id)
        .exclude(status=PurchaseStatus.RETURNED)
        .filter(return_by__gte=today, return_by__lte=today + datetime.timedelta(days=days))
        .order_by("return_by", Lower("product_name"), "id")
        .values_list(*RETURN_COLUMNS)
    )


def returns_closing_answer(rows, today: datetime.date) -> list[dict]:
    return [{**dict(zip(RETURN_COLUMNS, row, strict=True)), "days_left": (row[2] - today).days} for row in rows]


def household_currencies(household_id) -> list[str]:
    """Every currency the household has purchases in, sorted. One query (summaries)."""
    return [code for (code,) in currency_rows(household_id)]


def currency_rows(household_id):
    """household_currencies' query: a values_list() of `currency_code`."""
    return (
        summarised.month_rows(household_id, HOME)
        .values("currency_code")
        .annotate(present=summarised.present())
        .filter(present__gt=0)
        .order_by("currency_code")
        .values_list("currency_code")
    )


def dashboard_currency(*, household_id) -> str:
    """The dashboard's currency when none is asked for (API.md § Currencies): HOME when the household has purchases
    in more than one currency, else DEFAULT_CURRENCY. One query."""
    return HOME if len(household_currencies(household_id)) > 1 else settings.DEFAULT_CURRENCY
