"""The search SQL the ORM writes can use the household trigram indexes of purchases/0007 (PostgreSQL only).

If Django or our filter changed how `icontains` compiles (another expression than UPPER(col::text)), the indexes
would silently stop matching and a search at 1M rows would scan all of the household's rows again (bench/RESULTS.md).
The table here holds 20,000 rows (statistics gathered), and plain index scans are off; what is checked is
that the indexes serve the query, not the planner's choice at 1M rows (that is `make bench`'s job)."""

from datetime import date

import pytest
from django.db import connection
from django.http import QueryDict

from purchases import selectors
from purchases.filters import PurchaseFilterSet
from purchases.models import Purchase
from tests.factories import PurchaseFactory, household_of

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only"),
]


def _plan(queryset) -> str:
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    with connection.cursor() as cursor:
        # What is checked is that the trigram indexes CAN serve the search. The household's btree indexes would
        # serve it too (a bitmap scan of all the household's rows, then a filter), and which one the planner picks
        # on a small table depends on its statistics and bloat: they are dropped for this EXPLAIN only (DDL in the
        # test's transaction, rolled back with it).
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'purchases_purchase' "
            "AND indexdef NOT LIKE '%%gin_trgm_ops%%' AND indexname NOT LIKE '%%_pkey'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # leaves bitmap scans: what GIN indexes offer
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_household_trigram_indexes_exist_with_their_statistics_target():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attstattarget FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
            "WHERE c.relname LIKE 'purchase_search_%%' AND a.attnum = 2 ORDER BY c.relname"
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'purchase_search_%%'")
        names = {name for (name,) in cursor.fetchall()}
    assert rows == [
        ("purchase_search_household_name_trgm_idx", 1000),
        ("purchase_search_household_notes_trgm_idx", 1000),
    ]
    assert names == {"purchase_search_household_name_trgm_idx", "purchase_search_household_notes_trgm_idx"}


def test_search_count_and_page_can_use_the_household_trigram_indexes(owner):
    PurchaseFactory.create_batch(5, owner=owner, product_name="Espresso machine", notes="descale monthly")
    filler = "kettle descaling tips " * 20  # wide rows: the household's rows span many pages, as at scale
    household = household_of(owner)
    Purchase.objects.bulk_create(
        (
            Purchase(
                household_id=household,
                created_by=owner,
                product_name=f"Kettle {n}",
                notes=filler,
                price=1,
                purchase_date=date(2025, 1, 1),
            )
            for n in range(20_000)
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute('ANALYZE "purchases_purchase"')
    queryset = PurchaseFilterSet(
        QueryDict("search=espresso"), queryset=selectors.purchase_list(household_id=household)
    ).qs
    assert queryset.count() == 5
    for plan in (_plan(queryset.order_by().values("pk")), _plan(queryset[:20])):
        assert "purchase_search_household_name_trgm_idx" in plan, plan
        assert "purchase_search_household_notes_trgm_idx" in plan, plan
