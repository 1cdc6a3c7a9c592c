"""Exact money arithmetic in SQL, the same on both engines (API.md § Currencies: a converted total is the sum of
price × rate, rounded half-even to 2 decimals at the end).

PostgreSQL's numeric is exact, but its round() goes half away from zero. SQLite keeps decimals as 8-byte floats, so
`price * rate` and SUM() there are binary approximations, and a total could round the other way at a half cent. So:

- `HomePrice(price, rate)`, for UPDATEs: price × rate rounded half-even to cents, by the function `spends_cents`.
  PostgreSQL: a SQL function (spends' migration 0004), exact numeric with the half-even tie handled in SQL. SQLite:
  registered on every connection, it computes it in Python's Decimal from the stored values (a float of at most 15
  significant digits gives back its decimal exactly through repr(); prices have at most 10 digits and rates at most
  10 significant ones).
- `ProductSum(price, rate)`, an aggregate: the exact SUM(price × rate), unrounded (PostgreSQL: numeric; SQLite: the
  aggregate `spends_product_sum`, in Decimal, handed back as text). `half_even_cents()` rounds it at the end.

`product_cents()` is the same rounding in Python, for single writes: both paths give the same Decimal.
"""

from decimal import ROUND_HALF_EVEN, Context, Decimal

from django.db import models

CENT = Decimal("0.01")
# Exact for every product and sum here: 10-digit prices × 30-digit rates, summed over billions of rows.
EXACT = Context(prec=80)


def exact(value) -> Decimal | None:
    """A stored number as the Decimal it was written as (SQLite hands back floats; repr() is their shortest form)."""
    if value is None:
        return None
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def half_even_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN, context=EXACT)


def product_cents(price: Decimal, rate: Decimal) -> Decimal:
    """price × rate, rounded half-even to cents."""
    return half_even_cents(EXACT.multiply(price, rate))


def _sqlite_cents(price, rate):
    if price is None or rate is None:
        return None
    return str(product_cents(exact(price), exact(rate)))


class _SqliteProductSum:
    def __init__(self):
        self.total = None

    def step(self, price, rate):
        if price is not None and rate is not None:
            product = EXACT.multiply(exact(price), exact(rate))
            self.total = product if self.total is None else EXACT.add(self.total, product)

    def finalize(self):
        return None if self.total is None else str(self.total)


class _SqliteExactSum:
    def __init__(self):
        self.total = None

    def step(self, value):
        if value is not None:
            self.total = exact(value) if self.total is None else EXACT.add(self.total, exact(value))

    def finalize(self):
        return None if self.total is None else str(self.total)


def _sqlite_exact_add(left, right):
    return str(EXACT.add(exact(left or 0), exact(right or 0)))


def install_sqlite_money_functions(sender, connection, **kwargs):
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_function("spends_cents", 2, _sqlite_cents, deterministic=True)
    raw.create_aggregate("spends_product_sum", 2, _SqliteProductSum)
    # Exact numbers kept as text (ExactDecimalField): their sum and the upsert's addition, in Decimal.
    raw.create_aggregate("spends_exact_sum", 1, _SqliteExactSum)
    raw.create_function("spends_exact_add", 2, _sqlite_exact_add, deterministic=True)


class HomePrice(models.Func):
    """price × rate rounded half-even to cents, computed by the database; NULL when either is NULL. The function
    `spends_cents` is created by spends' migration 0004 on PostgreSQL and registered on every SQLite connection."""

    function = "spends_cents"
    arity = 2
    output_field = models.DecimalField(max_digits=24, decimal_places=2)


class _ExactNumber(models.Field):
    """What ProductSum hands back: numeric (PostgreSQL) or its text (SQLite), read as an exact Decimal."""

    def get_internal_type(self):
        return "TextField"  # no backend converter (SQLite's would take a float)

    def from_db_value(self, value, expression, connection):
        return exact(value)


class ProductSum(models.Aggregate):
    """The exact SUM(price × rate) of the rows where both are known (NULL when none): round it with half_even_cents."""

    function = "SUM"
    arity = 2
    arg_joiner = " * "
    output_field = _ExactNumber()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="spends_product_sum", arg_joiner=", ", **extra_context)


class ExactDecimalField(models.Field):
    """An exact number of any size and scale: PostgreSQL `numeric` (unconstrained), SQLite text (its REAL would round;
    add with `spends_exact_add`, sum with ExactSum). Read and written as Decimal. Holds the exact SUM(price × rate) of
    the purchase summaries, rounded to cents only when an answer is made."""

    def db_type(self, connection):
        return "numeric" if connection.vendor == "postgresql" else "text"

    def get_internal_type(self):
        return "ExactDecimalField"

    def from_db_value(self, value, expression, connection):
        return exact(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        value = exact(value)
        return value if connection.vendor == "postgresql" else str(value)


class ExactSum(models.Aggregate):
    """The exact SUM of an ExactDecimalField (NULL over no rows): round it with half_even_cents."""

    function = "SUM"
    output_field = _ExactNumber()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="spends_exact_sum", **extra_context)


class ExactForOrder(models.Func):
    """An ExactDecimalField's value usable in ORDER BY: the column itself on PostgreSQL (an index on it serves the
    order); on SQLite a float of its text (for ordering only, never an answer's figure)."""

    template = "%(expressions)s"
    output_field = models.FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="CAST(%(expressions)s AS REAL)", **extra_context)


class ExactSumForOrder(models.Aggregate):
    """SUM of an ExactDecimalField usable in ORDER BY: exact on PostgreSQL; on SQLite a float of the text values (for
    ordering only, as SQLite's SUM of price × rate always was; never an answer's figure)."""

    function = "SUM"
    output_field = models.FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="SUM(CAST(%(expressions)s AS REAL))", **extra_context)
