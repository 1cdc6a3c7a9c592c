"""Every user of the previous release gets a personal household, as its owner (their records move in with the
purchases migration that follows)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import migrations


def forwards(apps, schema_editor):
    user_model = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    username_field = get_user_model().USERNAME_FIELD  # historical models do not carry it
    Household = apps.get_model("households", "Household")
    Membership = apps.get_model("households", "Membership")
    for user in user_model.objects.filter(membership__isnull=True).order_by("pk").iterator():
        name = f"{getattr(user, username_field)}'s household"[:100]
        household = Household.objects.create(name=name)
        Membership.objects.create(user=user, household=household, role="OWNER", joined_at=user.date_joined)


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
