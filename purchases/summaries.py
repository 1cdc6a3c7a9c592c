"""The purchase summaries (models.PurchaseSummary), kept in the transaction of every write that changes purchases.

- A single purchase's write (create, update, delete) calls `apply(before=…, after=…)` with its values before and
  after (`values_of`, with its warranties when they or what keys their cost change: purchases.warranty_summaries):
  ONE statement, an INSERT … SELECT … FROM (VALUES …) GROUP BY … ON CONFLICT DO UPDATE that adds
  the differences (no SELECT first; the GROUP BY merges keys the database sees as one, e.g. two spellings of a name).
  Nothing is sent when nothing the summaries hold changed (e.g. only the notes).
- A bulk write (import, home-currency change, new rates, moving records, restore, demo and bench data) calls
  `recompute(household_ids)` after its rows are written, in its transaction: one DELETE and one INSERT … SELECT …
  GROUP BY from the rows.

Sums are exact on both engines: prices in integer cents, the converted amounts as the exact SUM(price × rate)
(spends.money_sql.ExactDecimalField), rounded half-even to cents only in an answer, as the analytics always did.

The `before` values of an update or delete must be the row as stored in this transaction (a row locked, or read in
SQLite's write transaction), else two concurrent writes of one purchase would both subtract the same old values.
"""

import datetime
import uuid
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, models, transaction

from catalog.models import Brand, Retailer
from purchases import warranty_summaries
from purchases.choices import PurchaseStatus
from purchases.models import Purchase, PurchaseSummary
from spends.money_sql import EXACT, exact

NIL = uuid.UUID(int=0)  # no retailer / brand
NO_MONTH = datetime.date(1, 1, 1)  # the `month` of the RETAILER, BRAND, PRODUCT, NAME and END rows
# The `ends` of a warranty without end (LIFETIME) on its END row, and of every row but the END and SHORT ones.
FOREVER = datetime.date(9999, 12, 31)
TABLE = PurchaseSummary._meta.db_table
# What the writers use of the warranties' part (purchases.warranty_summaries).
coverage_of, coverages_read = warranty_summaries.coverage_of, warranty_summaries.coverages_read
KEY = (
    "household_id",
    "kind",
    "month",
    "ends",
    "currency_code",
    "retailer_key",
    "brand_key",
    "status",
    "name_key",
)
MEASURES = ("purchases", "converted", "price_cents", "home_exact", "warranty_cents", "warranty_home_exact")
EXACT_MEASURES = ("home_exact", "warranty_home_exact")  # exact sums (spends.money_sql); the others are integers
COLUMNS = KEY + MEASURES
CONFLICT = "household_id, kind, currency_code, month, ends, status, retailer_key, brand_key, name_key"


class Values(NamedTuple):
    """What the summaries hold of one purchase (and of its warranties, `coverages`)."""

    household_id: uuid.UUID
    purchase_date: datetime.date
    currency_code: str
    retailer_id: uuid.UUID | None
    brand_id: uuid.UUID | None
    status: str
    product_name: str
    price: Decimal
    exchange_rate: Decimal | None
    coverages: tuple[warranty_summaries.Coverage, ...] = ()


def values_of(purchase: Purchase, coverages=()) -> Values:
    """`purchase`'s values; `coverages`: its warranties (Coverage tuples or warranty objects). Leaving them out is right
    only when before and after have the same ones and nothing they are keyed by changed (see `keys_coverages`)."""
    return Values(
        purchase.household_id,
        purchase.purchase_date,
        purchase.currency_code,
        purchase.retailer_id,
        purchase.brand_id,
        purchase.status,
        purchase.product_name,
        Decimal(purchase.price),
        None if purchase.exchange_rate is None else Decimal(purchase.exchange_rate),
        tuple(map(warranty_summaries.coverage_of, coverages)),
    )


PURCHASE_FIELDS = (
    "household_id",
    "purchase_date",
    "currency_code",
    "retailer_id",
    "brand_id",
    "status",
    "product_name",
    "price",
    "exchange_rate",
)
COVERAGE_FIELDS = ("warranty_start", "warranty_end", "status", "cost")


def locked(purchase_id) -> tuple[Values, dict] | None:
    """The purchase's values as stored, with its warranties (`coverages`), and {warranty id: Coverage}; None when it
    is gone. One statement, which locks the purchase row (FOR UPDATE on PostgreSQL; SQLite's write transaction
    serializes anyway): every write of a purchase's warranties takes this lock first, so the values it subtracts are
    the ones stored and concurrent writes of one purchase take turns."""
    rows = list(
        Purchase.objects.filter(pk=purchase_id)
        .select_for_update(of=("self",))
        .order_by()
        .values_list(*PURCHASE_FIELDS, "warranties__id", *(f"warranties__{name}" for name in COVERAGE_FIELDS))
    )
    if not rows:
        return None
    size = len(PURCHASE_FIELDS)
    coverages = {row[size]: warranty_summaries.Coverage(*row[size + 1 :]) for row in rows if row[size] is not None}
    purchase = Purchase(**dict(zip(PURCHASE_FIELDS, rows[0][:size], strict=True)))
    return values_of(purchase, coverages.values()), coverages


def follow(purchase_ids, write) -> None:
    """Call `write()` (any change of these purchases' warranties, e.g. an admin form's) and make the summaries follow:
    each purchase locked and read with its warranties before (`locked`) and read again after, one upsert each. For the
    rare writes that do not know their difference themselves."""
    ids = sorted({pk for pk in purchase_ids if pk is not None}, key=str)
    with transaction.atomic():
        before = {pk: locked(pk) for pk in ids}
        write()
        for pk, stored in before.items():
            after = locked(pk)
            apply(before=stored and stored[0], after=after and after[0])


def keys_coverages(before: Values, after: Values) -> bool:
    """Whether a purchase's change moves what its warranties add to the summaries (its household, month, currency,
    status or rate): then both values need its coverages (`coverages_read`), else they add the same to both."""
    return (
        before.household_id != after.household_id
        or before.purchase_date.replace(day=1) != after.purchase_date.replace(day=1)
        or before.currency_code != after.currency_code
        or before.status != after.status
        or before.exchange_rate != after.exchange_rate
    )


def _rows(values: Values, sign: int) -> list[tuple]:
    converted = values.exchange_rate is not None
    home = EXACT.multiply(values.price, values.exchange_rate) if converted else Decimal(0)
    measures = (sign, sign * converted, sign * int(values.price.scaleb(2)), home if sign > 0 else -home)
    others = (*measures, 0, Decimal(0))  # no warranty cost on the RETAILER, BRAND and PRODUCT rows
    household, currency = values.household_id, values.currency_code
    month = values.purchase_date.replace(day=1)
    rows = [
        (household, PurchaseSummary.MONTH, month, FOREVER, currency, NIL, NIL, values.status, "", *measures)
        + warranty_summaries.cost_measures(values.coverages, values.exchange_rate, sign)
    ]
    if values.status != PurchaseStatus.RETURNED:
        rows += [
            (household, PurchaseSummary.RETAILER, NO_MONTH, FOREVER, currency, values.retailer_id or NIL, NIL)
            + ("", "", *others),
            (household, PurchaseSummary.BRAND, NO_MONTH, FOREVER, currency, NIL, values.brand_id or NIL)
            + ("", "", *others),
            (household, PurchaseSummary.PRODUCT, NO_MONTH, FOREVER, currency, NIL, NIL, "", values.product_name)
            + others,
            (household, PurchaseSummary.NAME, NO_MONTH, FOREVER, "", NIL, NIL, "", values.product_name) + others,
        ]
    for coverage in values.coverages:
        for kind, start, ends in warranty_summaries.count_keys(coverage, NO_MONTH, FOREVER):
            key = (household, kind, start, ends, "", NIL, NIL, coverage.status, "")
            rows.append((*key, sign, 0, 0, Decimal(0), 0, Decimal(0)))
    return rows


def deltas(*, before: Values | None, after: Values | None) -> list[tuple]:
    """The rows `apply` adds: the after values' measures minus the before values', keys equal in Python merged, rows
    that add nothing left out."""
    merged: dict[tuple, list] = {}
    for values, sign in ((before, -1), (after, 1)):
        for row in _rows(values, sign) if values is not None else ():
            key, measures = row[: len(KEY)], row[len(KEY) :]
            total = merged.setdefault(key, [0, 0, 0, Decimal(0), 0, Decimal(0)])
            for index, measure in enumerate(measures):
                total[index] = (
                    EXACT.add(total[index], measure) if MEASURES[index] in EXACT_MEASURES else total[index] + measure
                )
    return [key + tuple(measures) for key, measures in merged.items() if any(measures)]


def _vendor() -> dict:
    if connection.vendor == "postgresql":
        return {
            "casts": ("uuid", "text", "date", "date", "text", "uuid", "uuid", "text", "text")
            + ("bigint", "bigint", "bigint", "numeric", "bigint", "numeric"),
            "exact_sum": "SUM({})",
            "exact_add": "{} + {}",
            "month": "CAST(date_trunc('month', p.purchase_date) AS date)",
            "product_sum": "SUM({} * {})",
        }
    return {
        "casts": (None,) * len(COLUMNS),
        "exact_sum": "spends_exact_sum({})",
        "exact_add": "spends_exact_add({}, {})",
        "month": "date(p.purchase_date, 'start of month')",
        "product_sum": "spends_product_sum({}, {})",
    }


def _prepared(row: tuple) -> list:
    fields = [PurchaseSummary._meta.get_field(name) for name in COLUMNS]
    return [field.get_db_prep_save(value, connection) for field, value in zip(fields, row, strict=True)]


def _conflict_update(vendor: dict) -> str:
    """ON CONFLICT … DO UPDATE: every measure adds the excluded row's."""
    return f"ON CONFLICT ({CONFLICT}) DO UPDATE SET " + ", ".join(
        f"{name} = " + vendor["exact_add"].format(f"{TABLE}.{name}", f"excluded.{name}")
        if name in EXACT_MEASURES
        else f"{name} = {TABLE}.{name} + excluded.{name}"
        for name in MEASURES
    )


def _upsert_sql(count: int) -> str:
    vendor = _vendor()
    placeholder = "(" + ", ".join("%s" if cast is None else f"CAST(%s AS {cast})" for cast in vendor["casts"]) + ")"
    column = [f"v.column{index + 1}" for index in range(len(COLUMNS))]
    name_at = KEY.index("name_key")
    keys = [*column[:name_at], f"LOWER(TRIM({column[name_at]}))"]
    sums = [
        (vendor["exact_sum"] if name in EXACT_MEASURES else "SUM({})").format(column[len(KEY) + index])
        for index, name in enumerate(MEASURES)
    ]
    groups = ", ".join(str(index + 1) for index in range(len(KEY)))
    return (
        f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) "  # noqa: S608 (our table and column names)
        f"SELECT {', '.join(keys + sums)} FROM (VALUES {', '.join([placeholder] * count)}) AS v "
        # ORDER BY: every transaction locks (or inserts) the rows it touches in one global order, so concurrent writes
        # of one household wait for each other instead of deadlocking (a hash aggregate's order is arbitrary).
        f"WHERE 1 = 1 GROUP BY {groups} ORDER BY {groups} {_conflict_update(vendor)}"
    )


def apply(*, before: Values | None = None, after: Values | None = None) -> None:
    """Change the summaries from a purchase's `before` values (None: it is new) to its `after` values (None: it is
    gone), inside the caller's transaction: one statement, or none when nothing they hold changed. Its warranties
    (`coverages`) are in the same statement."""
    rows = deltas(before=before, after=after)
    if not rows:
        return
    params = [value for row in rows for value in _prepared(row)]
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(len(rows)), params)


# --- recomputation from the rows -------------------------------------------------------------------------------


def _household_ids(household_ids) -> list:
    field = Purchase._meta.get_field("household")
    return [field.get_db_prep_save(pk, connection) for pk in household_ids] or [None]


def _where(alias: str, household_ids, purchase_ids) -> tuple[str, list]:
    """The WHERE (ending in AND) that picks the purchases `alias` of `household_ids` or `purchase_ids` (both None:
    every purchase), and its parameters."""
    if household_ids is not None:
        params = _household_ids(household_ids)
        return f"WHERE {alias}.household_id IN ({', '.join(['%s'] * len(params))}) AND", params
    if purchase_ids is not None:
        pk = Purchase._meta.pk
        params = [pk.get_db_prep_save(value, connection) for value in purchase_ids] or [None]
        return f"WHERE {alias}.id IN ({', '.join(['%s'] * len(params))}) AND", params
    return "WHERE", []


def summary_select(household_ids=None, *, purchase_ids=None, conversions_only=False) -> tuple[str, list]:
    """The SELECT that computes the summary rows (columns in COLUMNS' order) from the purchases of `household_ids`
    (None: every household), or of the purchases `purchase_ids`, and their warranties. One pass per kind, grouped by
    the database. `conversions_only`: the measures a conversion adds (no purchases, no cents, no warranty rows: the
    converted count and the exact sums)."""
    vendor = _vendor()
    nil = PurchaseSummary._meta.get_field("retailer_key").get_db_prep_save(NIL, connection)
    no_month = PurchaseSummary._meta.get_field("month").get_db_prep_save(NO_MONTH, connection)
    forever = PurchaseSummary._meta.get_field("ends").get_db_prep_save(FOREVER, connection)
    where, params = _where("p", household_ids, purchase_ids)
    counts = "0, COUNT(p.exchange_rate), 0" if conversions_only else "COUNT(*), COUNT(p.exchange_rate), "
    if not conversions_only:
        counts += "SUM(CAST(ROUND(p.price * 100) AS BIGINT))"
    measures = f"{counts}, COALESCE({vendor['product_sum'].format('p.price', 'p.exchange_rate')}, 0)"
    cents = "0" if conversions_only else "COALESCE(SUM(wc.cents), 0)"
    month_measures = f"{measures}, {cents}, COALESCE({vendor['exact_sum'].format('wc.home')}, 0)"
    measures += ", 0, 0"
    kept = f"p.status <> '{PurchaseStatus.RETURNED}'"
    table = Purchase._meta.db_table
    cost_where, cost_params = _where("q", household_ids, purchase_ids)
    costs = warranty_summaries.costs_join(vendor["product_sum"], cost_where)
    # One GROUP BY per kind: (month, currency, status) over every purchase, with their warranties' cost;
    # (currency, retailer), (currency, brand), (currency, product name) and (product name) over those not RETURNED;
    # the warranties by (status, start, end). Our table and column names only; values are parameters.
    parts = [
        (
            f"SELECT p.household_id, '{PurchaseSummary.MONTH}', {vendor['month']}, %s, p.currency_code, %s, %s, "  # noqa: S608
            f"p.status, '', {month_measures} FROM {table} p LEFT JOIN {costs} ON wc.purchase_id = p.id "
            f"{where} 1 = 1 GROUP BY 1, 3, 5, 8",
            [forever, nil, nil, *cost_params],
        ),
        (
            f"SELECT p.household_id, '{PurchaseSummary.RETAILER}', %s, %s, p.currency_code, "  # noqa: S608
            f"COALESCE(p.retailer_id, %s), %s, '', '', {measures} FROM {table} p {where} {kept} GROUP BY 1, 5, 6",
            [no_month, forever, nil, nil],
        ),
        (
            f"SELECT p.household_id, '{PurchaseSummary.BRAND}', %s, %s, p.currency_code, %s, "  # noqa: S608
            f"COALESCE(p.brand_id, %s), '', '', {measures} FROM {table} p {where} {kept} GROUP BY 1, 5, 7",
            [no_month, forever, nil, nil],
        ),
        (
            f"SELECT p.household_id, '{PurchaseSummary.PRODUCT}', %s, %s, p.currency_code, %s, %s, '', "  # noqa: S608
            f"LOWER(TRIM(p.product_name)), {measures} FROM {table} p {where} {kept} GROUP BY 1, 5, 9",
            [no_month, forever, nil, nil],
        ),
        (
            f"SELECT p.household_id, '{PurchaseSummary.NAME}', %s, %s, '', %s, %s, '', "  # noqa: S608
            f"LOWER(TRIM(p.product_name)), {measures} FROM {table} p {where} {kept} GROUP BY 1, 9",
            [no_month, forever, nil, nil],
        ),
    ]
    if not conversions_only:
        parts.append((warranty_summaries.counts_select(where), [no_month, forever, nil, nil, forever]))
    sql = " UNION ALL ".join(part for part, _ in parts)
    return sql, [value for _, values in parts for value in (*values, *params)]


def recompute(household_ids=None) -> None:
    """Rewrite the summaries of `household_ids` (None: all) from their purchases, in the caller's transaction (two
    statements; on PostgreSQL a table lock first). For the writes that change many rows at once."""
    if household_ids is not None:
        household_ids = sorted({str(pk) for pk in household_ids})
        if not household_ids:
            return
    select, params = summary_select(household_ids)
    delete, delete_params = f"DELETE FROM {TABLE}", []  # noqa: S608
    if household_ids is not None:
        delete_params = _household_ids(household_ids)
        delete += f" WHERE household_id IN ({', '.join(['%s'] * len(delete_params))})"
    if connection.in_atomic_block:
        _rewrite(select, params, delete, delete_params)
    else:
        with transaction.atomic():
            _rewrite(select, params, delete, delete_params)


def _rewrite(select: str, params: list, delete: str, delete_params: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Waits for the single writes whose upserts are not committed yet and holds back new ones until this
            # commits (SQLite's write lock does both): the rows read below then include every committed write, and a
            # later write adds its difference to the rows written here.
            cursor.execute(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(delete, delete_params)
        cursor.execute(f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) {select}", params)  # noqa: S608


def conversions_add(purchase_ids) -> None:
    """The purchases `purchase_ids` had no rate and got one (new reference rates, purchases.conversion.rates_added):
    add their conversions to the summaries they are already in, one statement for all of them, in the caller's
    transaction. Ids of purchases still without a rate add nothing."""
    if not purchase_ids:
        return
    select, params = summary_select(purchase_ids=purchase_ids, conversions_only=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) SELECT * FROM ({select}) AS u WHERE 1 = 1 "  # noqa: S608
            f"{_conflict_update(_vendor())}",
            params,
        )


# --- verification ----------------------------------------------------------------------------------------------


def _normalised(rows) -> dict[tuple, tuple]:
    """{key: measures} of summary rows as the database hands them back, rows of no purchase left out."""
    fields = [PurchaseSummary._meta.get_field(name) for name in COLUMNS]
    fields = [getattr(field, "target_field", field) if field.is_relation else field for field in fields]
    found = {}
    for row in rows:
        values = []
        for field, value in zip(fields, row, strict=True):
            if isinstance(field, models.UUIDField) and value is not None and not isinstance(value, uuid.UUID):
                value = uuid.UUID(str(value))
            elif isinstance(field, models.DateField) and isinstance(value, str):
                value = datetime.date.fromisoformat(value)
            elif isinstance(field, models.BigIntegerField) and value is not None:
                value = int(value)
            elif field.name in EXACT_MEASURES:
                value = exact(value) if value is not None else Decimal(0)
            values.append(value)
        key, measures = tuple(values[: len(KEY)]), tuple(values[len(KEY) :])
        if measures[0]:
            found[key] = measures
    return found


def summaries_stored(household_id) -> dict[tuple, tuple]:
    """The household's summaries as kept, {key: measures in MEASURES' order}."""
    rows = PurchaseSummary.objects.filter(household_id=household_id).values_list(*COLUMNS)
    return _normalised(rows)


def summaries_expected(household_id) -> dict[tuple, tuple]:
    """The household's summaries as its purchases give them now (the recomputation's SELECT)."""
    select, params = summary_select([str(household_id)])
    with connection.cursor() as cursor:
        cursor.execute(select, params)
        return _normalised(cursor.fetchall())


WARRANTY_KINDS = (PurchaseSummary.START, PurchaseSummary.END, PurchaseSummary.SHORT)


def _describe(key: tuple, names: dict) -> str:
    _, kind, month, ends, currency, retailer, brand, status, name_key = key
    if kind == PurchaseSummary.START:
        return f"warranties {status} starting {month}"
    if kind == PurchaseSummary.END:
        return f"warranties {status} without end" if ends == FOREVER else f"warranties {status} ending {ends}"
    if kind == PurchaseSummary.SHORT:
        return f"warranties {status} from {month} to {ends} (short)"
    if kind == PurchaseSummary.MONTH:
        return f"{month:%Y-%m}, {currency}, {status}"
    if kind == PurchaseSummary.PRODUCT:
        return f"product {name_key!r} in {currency}"
    if kind == PurchaseSummary.NAME:
        return f"product {name_key!r} in every currency"
    entry = retailer if kind == PurchaseSummary.RETAILER else brand
    what = "retailer" if kind == PurchaseSummary.RETAILER else "brand"
    return f"{what} {names.get(entry, str(entry)) if entry != NIL else '(none)'} in {currency}"


def _measures_text(measures: tuple | None, kind: str, currency: str) -> str:
    if measures is None:
        return "nothing"
    purchases, converted, cents, home, warranty_cents, warranty_home = measures
    if kind in WARRANTY_KINDS:
        return f"{purchases} warranty(ies)"
    if kind == PurchaseSummary.NAME:  # prices in several currencies: no one sum of them
        return f"{purchases} purchase(s), {converted} converted, exact home sum {home}"
    price = Decimal(cents).scaleb(-2)
    text = f"{purchases} purchase(s) for {price} {currency}, {converted} converted, exact home sum {home}"
    if kind == PurchaseSummary.MONTH:
        text += f", warranties costing {Decimal(warranty_cents).scaleb(-2)} {currency} (exact home sum {warranty_home})"
    return text


def summaries_differences(household_id) -> list[str]:
    """Where the household's summaries differ from its purchases, one plain sentence per summary key (empty: none).
    Reads both in one transaction."""

    with transaction.atomic():
        stored, expected = summaries_stored(household_id), summaries_expected(household_id)
    keys = sorted((key for key in stored.keys() | expected.keys() if stored.get(key) != expected.get(key)), key=str)
    if not keys:
        return []
    ids = {key[5] for key in keys} | {key[6] for key in keys}
    names = dict(Retailer.objects.filter(pk__in=ids).values_list("pk", "name"))
    names.update(Brand.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [
        f"{_describe(key, names)}: the summaries say {_measures_text(stored.get(key), key[1], key[4])}; "
        f"the purchases say {_measures_text(expected.get(key), key[1], key[4])}"
        for key in keys
    ]
