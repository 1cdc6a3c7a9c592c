"""The warranties' part of the purchase summaries (purchases.summaries, #24): what they hold of a purchase's
warranties (`Coverage`), their cost on its MONTH row, and the SQL that recomputes both from the rows. The warranties
app sits above this one: its model is reached through the purchase's reverse relation `warranties`, never imported.

- WARRANTY rows: per household × warranty status × start day (`month`) × end day (`ends`, FOREVER for none), the
  number of warranties (`purchases`), over every purchase (RETURNED too: the warranty analytics count them all).
- MONTH rows' `warranty_cents` and `warranty_home_exact`: the sum of their purchases' warranty costs, in cents, and
  the exact SUM(cost × the purchase's rate) of the converted ones (unknown costs add nothing).
"""

import datetime
from decimal import Decimal
from typing import NamedTuple

from purchases.models import Purchase, PurchaseSummary
from spends.money_sql import EXACT


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
    """The WARRANTY rows of the purchases `p` that `where` (ending in AND) picks, in purchases.summaries.COLUMNS'
    order; its three parameters: FOREVER, the nil UUID twice (prepared), then `where`'s."""
    table, warranties = Purchase._meta.db_table, _warranties()._meta.db_table
    return (
        f"SELECT p.household_id, '{PurchaseSummary.WARRANTY}', w.warranty_start, "  # noqa: S608
        f"COALESCE(w.warranty_end, %s), '', %s, %s, w.status, '', COUNT(*), 0, 0, 0, 0, 0 "
        f"FROM {warranties} w JOIN {table} p ON p.id = w.purchase_id {where} 1 = 1 GROUP BY 1, 3, 4, 8"
    )
