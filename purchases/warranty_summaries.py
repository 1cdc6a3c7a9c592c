"""The warranties' part of the purchase summaries (purchases.summaries, #24): what they hold of a purchase's
warranties (`Coverage`), their cost on its MONTH row, and the SQL that recomputes both from the rows. The warranties
app sits above this one: its model is reached through the purchase's reverse relation `warranties`, never imported.

- START, END and SHORT rows: the number of warranties (`purchases`) per household × warranty status × start day
  (`month`; START), × end day (`ends`, FOREVER for none; END), and × start day × end day of those lasting SHORT_DAYS
  or less (SHORT), over every purchase (RETURNED too: the warranty analytics count them all). A warranty is on one
  START and one END row (and one SHORT row when short): their number grows with the days (e.g. 16,600 rows for
  600,000 warranties over 10 years), not days × durations (36,600 rows per status × start × end before).
- MONTH rows' `warranty_cents` and `warranty_home_exact`: the sum of their purchases' warranty costs, in cents, and
  the exact SUM(cost × the purchase's rate) of the converted ones (unknown costs add nothing).
"""

import datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection

from purchases.models import Purchase, PurchaseSummary
from spends.money_sql import EXACT

# A SHORT warranty lasts at most this many days (end − start). The warranty timeline's "expiring soon" within N days
# after a day L subtracts the warranties starting after L and ending by L + N: they last under N days, so N must not
# exceed this (analytics.summarised checks).
SHORT_DAYS = 30


class Coverage(NamedTuple):
    """What the summaries hold of one of a purchase's warranties."""

    start: datetime.date
    end: datetime.date | None
    status: str
    cost: Decimal | None


def coverage_of(warranty) -> Coverage:
    """A warranty (warranties.models.Warranty, or anything with its fields) as the summaries hold it."""
    if isinstance(warranty, Coverage):
        return warranty
    cost = warranty.cost
    return Coverage(
        warranty.warranty_start, warranty.warranty_end, warranty.status, None if cost is None else Decimal(cost)
    )


def coverages_read(purchase_id) -> tuple[Coverage, ...]:
    """The purchase's warranties as stored (one query; the reverse relation, so no import of the warranties app). The
    caller holds the purchase row locked (an UPDATE of it or SELECT … FOR UPDATE): the warranty writes lock it too."""
    rows = _warranties().objects.filter(purchase_id=purchase_id).order_by()
    return tuple(Coverage(*row) for row in rows.values_list("warranty_start", "warranty_end", "status", "cost"))


def _warranties():
    """warranties.models.Warranty, through the purchase's reverse relation (no import of the app above)."""
    return Purchase.warranties.rel.related_model


def count_keys(coverage: Coverage, no_month: datetime.date, forever: datetime.date) -> list[tuple]:
    """The (kind, `month`, `ends`) of the rows that count `coverage`: START, END and, when it is short, SHORT."""
    ends = coverage.end or forever
    keys = [(PurchaseSummary.START, coverage.start, forever), (PurchaseSummary.END, no_month, ends)]
    if coverage.end is not None and coverage.end - coverage.start <= datetime.timedelta(days=SHORT_DAYS):
        keys.append((PurchaseSummary.SHORT, coverage.start, coverage.end))
    return keys


def cost_measures(coverages, rate: Decimal | None, sign: int) -> tuple[int, Decimal]:
    """(cents, exact home sum at `rate`: 0 without one) of the costs of `coverages`, times `sign`."""
    costs = [coverage.cost for coverage in coverages if coverage.cost is not None]
    cents = sum(int(cost.scaleb(2)) for cost in costs)
    home = Decimal(0)
    if rate is not None:
        for cost in costs:
            home = EXACT.add(home, EXACT.multiply(cost, rate))
    return sign * cents, home if sign > 0 else -home


def costs_join(product_sum: str, where: str) -> str:
    """The derived table `wc` (purchase_id, cents, home) of each purchase's warranty cost, over the purchases `q`
    that `where` (ending in AND) picks: the MONTH rows' recomputation LEFT JOINs it (one row per purchase, so their
    counts stay right). `product_sum`: the engine's exact SUM(a × b) template."""
    table, warranties = Purchase._meta.db_table, _warranties()._meta.db_table
    return (
        f"(SELECT w.purchase_id, SUM(CAST(ROUND(w.cost * 100) AS BIGINT)) AS cents, "  # noqa: S608
        f"{product_sum.format('w.cost', 'q.exchange_rate')} AS home FROM {warranties} w "
        f"JOIN {table} q ON q.id = w.purchase_id {where} w.cost IS NOT NULL GROUP BY w.purchase_id) wc"
    )


def counts_select(where: str) -> str:
    """The START, END and SHORT rows of the purchases `p` that `where` (ending in AND) picks, in
    purchases.summaries.COLUMNS' order: the warranties counted per household × status × start × end first (one pass
    over them), those groups then crossed with the three kinds (SHORT kept for the short ones only) and summed again
    (crossing every warranty instead took 5 times as long at 600,000). Its parameters: NO_MONTH, FOREVER, the nil
    UUID twice, FOREVER (prepared), then `where`'s."""
    table, warranties = Purchase._meta.db_table, _warranties()._meta.db_table
    start, end, short = PurchaseSummary.START, PurchaseSummary.END, PurchaseSummary.SHORT
    if connection.vendor == "postgresql":
        short_end = f"g.warranty_start + {SHORT_DAYS}"
    else:
        short_end = f"date(g.warranty_start, '+{SHORT_DAYS} days')"
    grouped = (
        f"SELECT p.household_id, w.status, w.warranty_start, COALESCE(w.warranty_end, %s) AS warranty_end, "  # noqa: S608
        f"COUNT(*) AS n FROM {warranties} w JOIN {table} p ON p.id = w.purchase_id {where} 1 = 1 GROUP BY 1, 2, 3, 4"
    )
    return (
        f"SELECT g.household_id, k.kind, CASE WHEN k.kind = '{end}' THEN %s ELSE g.warranty_start END, "  # noqa: S608
        f"CASE WHEN k.kind = '{start}' THEN %s ELSE g.warranty_end END, '', %s, %s, g.status, '', "
        f"CAST(SUM(g.n) AS BIGINT), 0, 0, 0, 0, 0 FROM ({grouped}) g "
        f"CROSS JOIN (SELECT '{start}' AS kind UNION ALL SELECT '{end}' UNION ALL SELECT '{short}') k "
        f"WHERE k.kind <> '{short}' OR g.warranty_end <= {short_end} GROUP BY 1, 2, 3, 4, 8"
    )
