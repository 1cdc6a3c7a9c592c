"""Households (#20): an attachment records who added it: its purchase's owner, read before purchases/0007 removes the
owner. One UPDATE with a correlated subquery. Its household is its purchase's (not stored)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_created_by(apps, schema_editor):
    Purchase = apps.get_model("purchases", "Purchase")
    Attachment = apps.get_model("attachments", "Attachment")
    owner = Purchase.objects.filter(pk=OuterRef("purchase_id")).values("owner_id")[:1]
    Attachment.objects.update(created_by_id=Subquery(owner))


class Migration(migrations.Migration):
    dependencies = [
        ("attachments", "0001_initial"),
        ("purchases", "0006_purchase_household"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(fill_created_by, migrations.RunPython.noop),
    ]
