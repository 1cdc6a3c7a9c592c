"""Households (#20), step 2 of 2: `household` becomes required, `owner` goes, and every index keyed by owner is
re-created keyed by household (the same columns after it, matching names), including 0004's PostgreSQL-only
(household_id, UPPER(text) gin_trgm_ops) search indexes. Runs after the warranties and attachments migrations that
read the owner to fill their `created_by`.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OWNER_TRGM = {
    "purchase_search_owner_name_trgm_idx": "product_name",
    "purchase_search_owner_notes_trgm_idx": "notes",
}
HOUSEHOLD_TRGM = {
    "purchase_search_household_name_trgm_idx": "product_name",
    "purchase_search_household_notes_trgm_idx": "notes",
}
STATISTICS_TARGET = 1000  # as in 0004: the planner's estimate of how many rows a common term matches

OWNER_INDEXES = {
    "purchase_owner_date_idx": ["owner", "-purchase_date", "-created_at"],
    "purchase_owner_status_idx": ["owner", "status"],
    "purchase_owner_cur_date_idx": ["owner", "currency_code", "purchase_date"],
    "purchase_owner_price_idx": ["owner", "price"],
    "purchase_owner_created_idx": ["owner", "created_at"],
    "purchase_owner_retailer_idx": ["owner", "retailer"],
    "purchase_owner_brand_idx": ["owner", "brand"],
}
HOUSEHOLD_INDEXES = {
    "purchase_household_date_idx": ["household", "-purchase_date", "-created_at"],
    "purchase_household_status_idx": ["household", "status"],
    "purchase_household_curdate_idx": ["household", "currency_code", "purchase_date"],
    "purchase_household_price_idx": ["household", "price"],
    "purchase_household_created_idx": ["household", "created_at"],
    "purchase_household_retail_idx": ["household", "retailer"],
    "purchase_household_brand_idx": ["household", "brand"],
}


def _trgm(schema_editor, create: dict, drop: dict, column: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    for name in drop:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    for name, text in create.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "purchases_purchase" '
            f'USING gin ("{column}", (UPPER("{text}"::text)) gin_trgm_ops)'
        )
        schema_editor.execute(f'ALTER INDEX "{name}" ALTER COLUMN 2 SET STATISTICS {STATISTICS_TARGET}')
    schema_editor.execute('ANALYZE "purchases_purchase"')


def drop_owner_trgm(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in OWNER_TRGM:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create_owner_trgm(apps, schema_editor):
    _trgm(schema_editor, OWNER_TRGM, HOUSEHOLD_TRGM, "owner_id")


def create_household_trgm(apps, schema_editor):
    _trgm(schema_editor, HOUSEHOLD_TRGM, OWNER_TRGM, "household_id")


def drop_household_trgm(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in HOUSEHOLD_TRGM:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("purchases", "0006_purchase_household"),
        ("warranties", "0002_warranty_created_by"),
        ("attachments", "0002_attachment_created_by"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_owner_trgm, create_owner_trgm),
        *[migrations.RemoveIndex(model_name="purchase", name=name) for name in OWNER_INDEXES],
        migrations.AlterField(
            model_name="purchase",
            name="household",
            field=models.ForeignKey(
                db_index=False,  # every household index below starts with it; a lone FK index would be redundant
                on_delete=django.db.models.deletion.PROTECT,
                related_name="purchases",
                to="households.household",
            ),
        ),
        migrations.RemoveField(model_name="purchase", name="owner"),
        *[
            migrations.AddIndex(model_name="purchase", index=models.Index(fields=fields, name=name))
            for name, fields in HOUSEHOLD_INDEXES.items()
        ],
        migrations.RunPython(create_household_trgm, drop_household_trgm),
    ]
