"""Search indexes keyed by owner: (owner_id, UPPER(text) gin_trgm_ops) GIN indexes replace 0003's.

Every search is scoped to one owner. With 0003's indexes on the text alone, PostgreSQL had to AND the trigram
bitmap with a bitmap of all the owner's rows (1,000,000 entries for the bench user: ~22 ms of a ~60 ms count).
A two-column GIN index (btree_gin supplies the operator class for owner_id) finds the owner's matches inside the
index. The expression columns get a statistics target of 1000: with the default 100 the planner misjudged how
many rows a common term matches and switched, at 1M rows, to walking all the owner's rows (~0.7 s instead of
~45 ms; bench/RESULTS.md). PostgreSQL only; a no-op on SQLite. pg_trgm and btree_gin are trusted extensions
(PostgreSQL 13+), so the database owner can create them.
"""

from django.db import migrations

OLD_INDEXES = {
    "purchase_search_name_trgm_idx": "product_name",
    "purchase_search_notes_trgm_idx": "notes",
}
NEW_INDEXES = {
    "purchase_search_owner_name_trgm_idx": "product_name",
    "purchase_search_owner_notes_trgm_idx": "notes",
}
STATISTICS_TARGET = 1000


def create_owner_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    for name, column in NEW_INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "purchases_purchase" '
            f'USING gin ("owner_id", (UPPER("{column}"::text)) gin_trgm_ops)'
        )
        schema_editor.execute(f'ALTER INDEX "{name}" ALTER COLUMN 2 SET STATISTICS {STATISTICS_TARGET}')
    for name in OLD_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    schema_editor.execute('ANALYZE "purchases_purchase"')  # the new statistics target applies from now on


def restore_text_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in OLD_INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "purchases_purchase" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )
    for name in NEW_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("purchases", "0003_search_trigram_indexes"),
    ]

    operations = [
        migrations.RunPython(create_owner_indexes, restore_text_indexes),
    ]
