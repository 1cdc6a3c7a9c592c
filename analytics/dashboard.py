"""The dashboard (API.md § Analytics): every analytics answer at its default parameters, in one request.

Issue #24: a cold dashboard (the first request after any write) is mostly fixed cost, not SQL: building and compiling
a dozen ORM queries, model instances for the recent lists and DRF's field walk over several hundred rows. So here:

- the household's currencies are read once (they decide the default currency and are the summary's `currencies`);
- the spending months and the summary's totals and `by_status` are one query over the MONTH summaries (conditional
  aggregation; `spending_months_and_totals`), the same figures `spending_by_month` and `spending_summary` read apart;
- the recent lists are plain rows rendered by purchases.representation, the one representation module (objects equal
  to PurchaseSerializer's and WarrantyReadSerializer's: tests/analytics compares them with the single endpoints).

The single endpoints (/api/analytics/spending, /summary, /recent-purchases, ...) keep their own selectors; the
dashboard's parts equal their answers (tests/analytics/test_dashboard_parts.py).
"""

import datetime
import functools

from django.conf import settings
from django.db.models import Q

from analytics import selectors, summarised
from analytics.money import HOME
from purchases import selectors as purchase_selectors
from purchases.api import reads
from purchases.representation import WARRANTY_ROW_LOOKUPS, warranty_row_object
from spends import clock
from spends.prepared import PreparedRead, rows_together

RECENT = 10  # the recent lists' length (the single endpoints' default `limit`)
SPENDING_MONTHS = TIMELINE_MONTHS = 12  # the spending and warranty timeline endpoints' default `months`


def _months_and_totals(currency: str, today: datetime.date, months: int) -> dict:
    """The summary's aggregates (selectors.summary_aggregates) and, per month of the window, those
    summarised.spending_months groups by month, each as its own conditional aggregate (not yet resolved: cheap)."""
    first, last = selectors.month_window(today, months)
    aggregates = selectors.summary_aggregates(currency, today)
    for index, start in enumerate(selectors.period_starts(first, last, "month")):
        where = summarised.KEPT & Q(month=start)
        aggregates[f"month_{index}_total"] = summarised.total(currency, where)
        aggregates[f"month_{index}_count"] = summarised.count(currency, where)
        for name, aggregate in summarised.unconverted(currency, where).items():
            aggregates[f"month_{index}_{name}"] = aggregate
    return aggregates


def _months_and_totals_query(household_id, currency: str, today: datetime.date, months: int):
    """One row (none without summaries) of _months_and_totals, grouped by the one `kind` its rows have so that it is
    a values_list() (spends.prepared)."""
    aggregates = _months_and_totals(currency, today, months)
    rows = summarised.month_rows(household_id, currency).values("kind").annotate(**aggregates)
    return rows.values_list(*aggregates)


# Compiled once per thread, currency and day (spends.prepared): the household is the one bound parameter.
_MONTHS_AND_TOTALS = PreparedRead(
    lambda key, household_id: _months_and_totals_query(household_id, *key), slots=("household_id",), keep=16
)


@functools.lru_cache(maxsize=64)
def _column_names(currency: str, today: datetime.date, months: int) -> tuple[str, ...]:
    """The columns of _MONTHS_AND_TOTALS's row (building the ~50 aggregates again to name them cost ~0.3 ms)."""
    return tuple(_months_and_totals(currency, today, months))


def spending_months_and_totals(
    *, household_id, currency: str, today: datetime.date, months: int = 12, found: list[tuple] | None = None
):
    """(spending_by_month's answer, spending_summary's `totals`) from one query over the MONTH summaries (`found`:
    its rows, already read)."""
    first, last = selectors.month_window(today, months)
    names = _column_names(currency, today, months)
    if found is None:
        found = _MONTHS_AND_TOTALS.rows((currency, today, months), household_id=household_id)
    row = dict(zip(names, found[0], strict=True)) if found else dict.fromkeys(names)
    months_found = {
        start: {
            "total_amount": summarised.amount(currency, row[f"month_{index}_total"]),
            "item_count": summarised.counted(row[f"month_{index}_count"]),
            "unconverted_count": summarised.counted(row.get(f"month_{index}_unconverted_count")),
        }
        for index, start in enumerate(selectors.period_starts(first, last, "month"))
    }
    return selectors.month_series(months_found, currency, first, last), row


def _prepared(build, keep: int = 8) -> PreparedRead:
    """A read compiled once per thread and key (spends.prepared), the household its one bound parameter."""
    return PreparedRead(lambda key, household_id: build(household_id, *key), slots=("household_id",), keep=keep)


_EXTREMES = PreparedRead(
    lambda key, household_id: summarised.extremes_rows(household_id, *key),
    slots=("household_id",),
    keep=8,
    repeated=True,
)
_NAME_SLOTS = tuple(f"k{index}" for index in range(100))
_SPELLINGS = PreparedRead(
    lambda key, household_id, **names: selectors.newest_spelling_rows(household_id, key[0], list(names.values())),
    slots=(),
    keep=16,
    repeated=True,
)


def _spell(household_id, currency: str):
    """top_products' `spell`: the newest spellings of the name keys given, through _SPELLINGS."""

    def spell(name_keys: list[str]) -> list[tuple]:
        if not name_keys:
            return []
        names = _NAME_SLOTS[: len(name_keys)]
        slots = {"household_id": "uuid", **dict.fromkeys(names, "text")}
        ids = {"household_id": household_id, **dict(zip(names, name_keys, strict=True))}
        return _SPELLINGS.rows_of((currency, len(name_keys)), ids, slots)

    return spell


_CURRENCIES = _prepared(selectors.currency_rows)
_DISTRIBUTION = _prepared(selectors.distribution_rows, keep=16)
_TOP_PRODUCTS = _prepared(selectors.top_product_rows, keep=16)
_RETURNS_CLOSING = _prepared(lambda household_id, today: selectors.returns_closing_rows(household_id, today)[:RECENT])
_RECENT_PURCHASES = _prepared(
    lambda household_id, today: reads.rows(purchase_selectors.purchase_list(household_id=household_id, today=today))[
        :RECENT
    ]
)
_WARRANTY_COLUMNS = ("purchase_id", "purchase__product_name", *WARRANTY_ROW_LOOKUPS)
_RECENT_WARRANTIES = _prepared(
    lambda household_id, today: selectors.recent_warranties(
        household_id=household_id, today=today, limit=RECENT
    ).values_list(*_WARRANTY_COLUMNS)
)
_EXPIRING_WARRANTIES = _prepared(
    lambda household_id, today: selectors.expiring_warranties(
        household_id=household_id, today=today, limit=RECENT
    ).values_list(*_WARRANTY_COLUMNS)
)


def _timeline_query(household_id, today: datetime.date, months: int):
    """The warranty timeline's day groups (summarised.timeline_histogram), a values_list(): spends.prepared."""
    firsts = summarised.timeline_firsts(months, today)
    return summarised.timeline_histogram(household_id, firsts, today, selectors.EXPIRING_SOON_DAYS)


_TIMELINE = _prepared(_timeline_query)
_WARRANTY_SUMMARY = _prepared(
    lambda household_id, today: summarised.warranty_summary_rows(household_id, today, selectors.EXPIRING_SOON_DAYS)
)


def timeline_row(*, household_id, today: datetime.date, months: int = 12, rows: list[tuple] | None = None) -> dict:
    """selectors.warranty_timeline's `row` from _TIMELINE's day groups (summarised.timeline_counts; `rows`: those
    groups, already read)."""
    if rows is None:
        rows = _TIMELINE.rows((today, months), household_id=household_id)
    firsts = summarised.timeline_firsts(months, today)
    return summarised.timeline_counts(rows, firsts, today, selectors.EXPIRING_SOON_DAYS)


def _warranty_objects(rows: list[tuple]) -> list[dict]:
    """Warranty objects (WarrantyReadSerializer's) of rows of _WARRANTY_COLUMNS."""
    return [warranty_row_object(purchase_id, name, values) for purchase_id, name, *values in rows]


def _read_all(household_id, currency: str | None, today: datetime.date) -> tuple[str, list[str], dict]:
    """(currency, the household's currencies, {part: rows}) of every prepared read of the dashboard, in two round
    trips (spends.prepared.rows_together): what does not depend on the currency with the household's currencies
    (which decide the default currency), then what does; in one when the currency is asked for."""
    ids, by_day = {"household_id": household_id}, (today,)
    first = {
        "currencies": (_CURRENCIES, (), ids),
        "timeline": (_TIMELINE, (today, TIMELINE_MONTHS), ids),
        "warranty_counts": (_WARRANTY_SUMMARY, by_day, ids),
        "recent": (_RECENT_PURCHASES, by_day, ids),
        "recent_warranties": (_RECENT_WARRANTIES, by_day, ids),
        "expiring": (_EXPIRING_WARRANTIES, by_day, ids),
        "returns": (_RETURNS_CLOSING, by_day, ids),
    }

    def by_currency(code: str) -> dict:
        return {
            "months_and_totals": (_MONTHS_AND_TOTALS, (code, today, SPENDING_MONTHS), ids),
            "extremes": (_EXTREMES, (code,), ids),
            "retailers": (_DISTRIBUTION, (code, "retailer"), ids),
            "brands": (_DISTRIBUTION, (code, "brand"), ids),
            "top": (_TOP_PRODUCTS, (code, RECENT), ids),
        }

    reads = {**first, **(by_currency(currency) if currency else {})}
    found = dict(zip(reads, rows_together(list(reads.values())), strict=True))
    currencies = [code for (code,) in found["currencies"]]
    if not currency:
        currency = HOME if len(currencies) > 1 else settings.DEFAULT_CURRENCY
        later = by_currency(currency)
        found.update(zip(later, rows_together(list(later.values())), strict=True))
    return currency, currencies, found


def dashboard(
    *, household_id, currency: str | None = None, home_currency: str = "", today: datetime.date | None = None
) -> dict:
    """Everything the dashboard shows, each part at its default parameters; the recent lists as rendered objects.
    A fixed number of queries whatever the history (tests/analytics: DASHBOARD_QUERIES), in three round trips
    (_read_all's two, then the top products' spellings)."""
    today = today or clock.today()
    currency, currencies, found = _read_all(household_id, currency, today)
    spending, totals = spending_months_and_totals(
        household_id=household_id,
        currency=currency,
        today=today,
        months=SPENDING_MONTHS,
        found=found["months_and_totals"],
    )
    return {
        "spending": spending,
        "summary": selectors.spending_summary(
            household_id=household_id,
            currency=currency,
            home_currency=home_currency,
            today=today,
            totals=totals,
            currencies=currencies,
            extremes=summarised.extremes_answer(found["extremes"]),
        ),
        "warranty_timeline": selectors.warranty_timeline(
            household_id=household_id,
            today=today,
            row=timeline_row(household_id=household_id, today=today, months=TIMELINE_MONTHS, rows=found["timeline"]),
        ),
        "warranty_summary": selectors.warranty_summary(
            household_id=household_id, today=today, rows=found["warranty_counts"]
        ),
        "retailers": selectors.distribution_answer(found["retailers"], currency, "retailer"),
        "brands": selectors.distribution_answer(found["brands"], currency, "brand"),
        "top_products": selectors.top_products(
            household_id=household_id, currency=currency, rows=found["top"], spell=_spell(household_id, currency)
        ),
        "recent_purchases": reads.render(found["recent"]),
        "recent_warranties": _warranty_objects(found["recent_warranties"]),
        # Not in API.md's list: the dashboard's "expiring in 30 days" panel needs the warranties themselves.
        "expiring_warranties": _warranty_objects(found["expiring"]),
        "returns_closing": selectors.returns_closing_answer(found["returns"], today),  # also not in API.md's list
    }
