"""Seed the default retailers and brands. Idempotent: existing names (any case) are left alone."""

from django.db import migrations
from django.db.models.functions import Lower


def seed(apps, schema_editor):
    from catalog.defaults import BRANDS, RETAILERS

    for model_name, entries in (("Retailer", RETAILERS), ("Brand", BRANDS)):
        model = apps.get_model("catalog", model_name)
        existing = set(model.objects.annotate(key=Lower("name")).values_list("key", flat=True))
        model.objects.bulk_create(
            [model(name=name, url=url) for name, url in entries if name.lower() not in existing]
        )


def unseed(apps, schema_editor):
    from catalog.defaults import BRANDS, RETAILERS

    for model_name, entries in (("Retailer", RETAILERS), ("Brand", BRANDS)):
        model = apps.get_model("catalog", model_name)
        model.objects.filter(name__in=[name for name, _ in entries], purchases__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial"), ("purchases", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
