"""The purchase summaries (models.PurchaseSummary), kept in the transaction of every write that changes purchases.

- A single purchase's write (create, update, delete) calls `apply(before=…, after=…)` with its values before and
  after (`values_of`): ONE statement, an INSERT … SELECT … FROM (VALUES …) GROUP BY … ON CONFLICT DO UPDATE that adds
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
from purchases.choices import PurchaseStatus
from purchases.models import Purchase, PurchaseSummary
from spends.money_sql import EXACT, exact

NIL = uuid.UUID(int=0)  # no retailer / brand
NO_MONTH = datetime.date(1, 1, 1)  # the rows of every kind but MONTH
TABLE = PurchaseSummary._meta.db_table
KEY = ("household_id", "kind", "month", "currency_code", "retailer_key", "brand_key", "status", "name_key")
MEASURES = ("purchases", "converted", "price_cents", "home_exact")
COLUMNS = KEY + MEASURES
CONFLICT = "household_id, kind, currency_code, month, status, retailer_key, brand_key, name_key"


class Values(NamedTuple):
    """What the summaries hold of one purchase."""

    household_id: uuid.UUID
    purchase_date: datetime.date
    currency_code: str
    retailer_id: uuid.UUID | None
    brand_id: uuid.UUID | None
    status: str
    product_name: str
    price: Decimal
    exchange_rate: Decimal | None


def values_of(purchase: Purchase) -> Values:
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
    )


def _rows(values: Values, sign: int) -> list[tuple]:
    converted = values.exchange_rate is not None
    home = EXACT.multiply(values.price, values.exchange_rate) if converted else Decimal(0)
    measures = (sign, sign * converted, sign * int(values.price.scaleb(2)), home if sign > 0 else -home)
    household, currency = values.household_id, values.currency_code
    month = values.purchase_date.replace(day=1)
    rows = [(household, PurchaseSummary.MONTH, month, currency, NIL, NIL, values.status, "", *measures)]
    if values.status != PurchaseStatus.RETURNED:
        rows += [
            (
                household,
                PurchaseSummary.RETAILER,
                NO_MONTH,
                currency,
                values.retailer_id or NIL,
                NIL,
                "",
                "",
                *measures,
            ),
            (household, PurchaseSummary.BRAND, NO_MONTH, currency, NIL, values.brand_id or NIL, "", "", *measures),
            (household, PurchaseSummary.PRODUCT, NO_MONTH, currency, NIL, NIL, "", values.product_name, *measures),
        ]
    return rows


def deltas(*, before: Values | None, after: Values | None) -> list[tuple]:
    """The rows `apply` adds: the after values' measures minus the before values', keys equal in Python merged, rows
    that add nothing left out."""
    merged: dict[tuple, list] = {}
    for values, sign in ((before, -1), (after, 1)):
        for row in _rows(values, sign) if values is not None else ():
            key, measures = row[: len(KEY)], row[len(KEY) :]
            total = merged.setdefault(key, [0, 0, 0, Decimal(0)])
            for index, measure in enumerate(measures):
                total[index] += measure
    return [key + tuple(measures) for key, measures in merged.items() if any(measures)]


def _vendor() -> dict:
    if connection.vendor == "postgresql":
        return {
            "casts": ("uuid", "text", "date", "text", "uuid", "uuid", "text", "text", "bigint", "bigint")
            + ("bigint", "numeric"),
            "exact_sum": "SUM({})",
            "exact_add": "{} + {}",
            "month": "CAST(date_trunc('month', p.purchase_date) AS date)",
            "product_sum": "SUM(p.price * p.exchange_rate)",
        }
    return {
        "casts": (None,) * len(COLUMNS),
        "exact_sum": "spends_exact_sum({})",
        "exact_add": "spends_exact_add({}, {})",
        "month": "date(p.purchase_date, 'start of month')",
        "product_sum": "spends_product_sum(p.price, p.exchange_rate)",
    }


def _prepared(row: tuple) -> list:
    fields = [PurchaseSummary._meta.get_field(name) for name in COLUMNS]
    return [field.get_db_prep_save(value, connection) for field, value in zip(fields, row, strict=True)]


def _upsert_sql(count: int) -> str:
    vendor = _vendor()
    placeholder = "(" + ", ".join("%s" if cast is None else f"CAST(%s AS {cast})" for cast in vendor["casts"]) + ")"
    column = [f"v.column{index + 1}" for index in range(len(COLUMNS))]
    keys = [*column[:7], f"LOWER(TRIM({column[7]}))"]
    sums = [f"SUM({column[8]})", f"SUM({column[9]})", f"SUM({column[10]})", vendor["exact_sum"].format(column[11])]
    updates = ", ".join(f"{name} = {TABLE}.{name} + excluded.{name}" for name in MEASURES[:3])
    home_add = vendor["exact_add"].format(f"{TABLE}.home_exact", "excluded.home_exact")
    return (
        f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) "  # noqa: S608 (our table and column names)
        f"SELECT {', '.join(keys + sums)} FROM (VALUES {', '.join([placeholder] * count)}) AS v "
        # ORDER BY: every transaction locks (or inserts) the rows it touches in one global order, so concurrent writes
        # of one household wait for each other instead of deadlocking (a hash aggregate's order is arbitrary).
        "WHERE 1 = 1 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8 "
        f"ON CONFLICT ({CONFLICT}) DO UPDATE SET {updates}, home_exact = {home_add}"
    )


def apply(*, before: Values | None = None, after: Values | None = None) -> None:
    """Change the summaries from a purchase's `before` values (None: it is new) to its `after` values (None: it is
    gone), inside the caller's transaction: one statement, or none when nothing they hold changed."""
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


def summary_select(household_ids=None, *, purchase_ids=None, conversions_only=False) -> tuple[str, list]:
    """The SELECT that computes the summary rows (columns in COLUMNS' order) from the purchases of `household_ids`
    (None: every household), or of the purchases `purchase_ids`. One pass per kind, grouped by the database.
    `conversions_only`: the measures a conversion adds (no purchases, no cents: the converted count and sum)."""
    vendor = _vendor()
    nil = PurchaseSummary._meta.get_field("retailer_key").get_db_prep_save(NIL, connection)
    no_month = PurchaseSummary._meta.get_field("month").get_db_prep_save(NO_MONTH, connection)
    where, params = "WHERE", []
    if household_ids is not None:
        params = _household_ids(household_ids)
        where = f"WHERE p.household_id IN ({', '.join(['%s'] * len(params))}) AND"
    elif purchase_ids is not None:
        pk = Purchase._meta.pk
        params = [pk.get_db_prep_save(value, connection) for value in purchase_ids] or [None]
        where = f"WHERE p.id IN ({', '.join(['%s'] * len(params))}) AND"
    counts = "0, COUNT(p.exchange_rate), 0" if conversions_only else "COUNT(*), COUNT(p.exchange_rate), "
    if not conversions_only:
        counts += "SUM(CAST(ROUND(p.price * 100) AS BIGINT))"
    measures = f"{counts}, COALESCE({vendor['product_sum']}, 0)"
    kept = f"p.status <> '{PurchaseStatus.RETURNED}'"
    table = Purchase._meta.db_table
    # One GROUP BY per kind: (month, currency, status) over every purchase; (currency, retailer), (currency, brand)
    # and (currency, product name) over those not RETURNED. Our table and column names only; values are parameters.
    parts = [
        (
            f"SELECT p.household_id, '{PurchaseSummary.MONTH}', {vendor['month']}, p.currency_code, %s, %s, "  # noqa: S608
            f"p.status, '', {measures} FROM {table} p {where} 1 = 1 GROUP BY 1, 3, 4, 7",
            [nil, nil],
        ),
        (
            f"SELECT p.household_id, '{PurchaseSummary.RETAILER}', %s, p.currency_code, COALESCE(p.retailer_id, %s), "  # noqa: S608
            f"%s, '', '', {measures} FROM {table} p {where} {kept} GROUP BY 1, 4, 5",
            [no_month, nil, nil],
        ),
        (
            f"SELECT p.household_id, '{PurchaseSummary.BRAND}', %s, p.currency_code, %s, COALESCE(p.brand_id, %s), "  # noqa: S608
            f"'', '', {measures} FROM {table} p {where} {kept} GROUP BY 1, 4, 6",
            [no_month, nil, nil],
        ),
        (
            f"SELECT p.household_id, '{PurchaseSummary.PRODUCT}', %s, p.currency_code, %s, %s, '', "  # noqa: S608
            f"LOWER(TRIM(p.product_name)), {measures} FROM {table} p {where} {kept} GROUP BY 1, 4, 8",
            [no_month, nil, nil],
        ),
    ]
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
    vendor = _vendor()
    updates = ", ".join(f"{name} = {TABLE}.{name} + excluded.{name}" for name in MEASURES[:3])
    home_add = vendor["exact_add"].format(f"{TABLE}.home_exact", "excluded.home_exact")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) SELECT * FROM ({select}) AS u WHERE 1 = 1 "  # noqa: S608
            f"ON CONFLICT ({CONFLICT}) DO UPDATE SET {updates}, home_exact = {home_add}",
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
            elif field.name == "home_exact":
                value = exact(value) if value is not None else Decimal(0)
            values.append(value)
        key, measures = tuple(values[: len(KEY)]), tuple(values[len(KEY) :])
        if measures[0]:
            found[key] = measures
    return found


def summaries_stored(household_id) -> dict[tuple, tuple]:
    """The household's summaries as kept, {key: (purchases, converted, price_cents, home_exact)}."""
    rows = PurchaseSummary.objects.filter(household_id=household_id).values_list(*COLUMNS)
    return _normalised(rows)


def summaries_expected(household_id) -> dict[tuple, tuple]:
    """The household's summaries as its purchases give them now (the recomputation's SELECT)."""
    select, params = summary_select([str(household_id)])
    with connection.cursor() as cursor:
        cursor.execute(select, params)
        return _normalised(cursor.fetchall())


def _describe(key: tuple, names: dict) -> str:
    _, kind, month, currency, retailer, brand, status, name_key = key
    if kind == PurchaseSummary.MONTH:
        return f"{month:%Y-%m}, {currency}, {status}"
    if kind == PurchaseSummary.PRODUCT:
        return f"product {name_key!r} in {currency}"
    entry = retailer if kind == PurchaseSummary.RETAILER else brand
    what = "retailer" if kind == PurchaseSummary.RETAILER else "brand"
    return f"{what} {names.get(entry, str(entry)) if entry != NIL else '(none)'} in {currency}"


def _measures_text(measures: tuple | None, currency: str) -> str:
    if measures is None:
        return "nothing"
    purchases, converted, cents, home = measures
    price = Decimal(cents).scaleb(-2)
    return f"{purchases} purchase(s) for {price} {currency}, {converted} converted, exact home sum {home}"


def summaries_differences(household_id) -> list[str]:
    """Where the household's summaries differ from its purchases, one plain sentence per summary key (empty: none).
    Reads both in one transaction."""

    with transaction.atomic():
        stored, expected = summaries_stored(household_id), summaries_expected(household_id)
    keys = sorted((key for key in stored.keys() | expected.keys() if stored.get(key) != expected.get(key)), key=str)
    if not keys:
        return []
    ids = {key[4] for key in keys} | {key[5] for key in keys}
    names = dict(Retailer.objects.filter(pk__in=ids).values_list("pk", "name"))
    names.update(Brand.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [
        f"{_describe(key, names)}: the summaries say {_measures_text(stored.get(key), key[3])}; "
        f"the purchases say {_measures_text(expected.get(key), key[3])}"
        for key in keys
    ]
