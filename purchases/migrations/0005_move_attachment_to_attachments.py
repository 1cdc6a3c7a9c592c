"""The Attachment model moved to the attachments app (#19). State only: the table `purchases_attachment` and its rows
stay where they are; attachments/0001 takes the model over (with `db_table`) right after this migration."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("purchases", "0004_search_owner_trigram_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Attachment")],
            database_operations=[],
        ),
    ]
