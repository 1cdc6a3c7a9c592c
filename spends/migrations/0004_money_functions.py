"""#22: `spends_cents(price, rate)` on PostgreSQL: price × rate rounded half-even to cents (numeric is exact; its
round() goes half away from zero). SQLite gets the same function from Python on every connection
(spends.money_sql.install_sqlite_money_functions). Used by spends.money_sql.HomePrice."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION spends_cents(price numeric, rate numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
    SELECT CASE
        WHEN (price * rate * 100) - floor(price * rate * 100) = 0.5 AND mod(floor(price * rate * 100), 2) = 0
        THEN floor(price * rate * 100) / 100
        ELSE round(price * rate, 2)
    END
$$;
"""
DROP = "DROP FUNCTION IF EXISTS spends_cents(numeric, numeric);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("spends", "0003_data_version")]

    operations = [migrations.RunPython(create, drop)]
