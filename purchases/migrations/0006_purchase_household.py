"""Households (#20), step 1 of 2: a purchase gains `household` and `created_by` (nullable for now), filled from its
owner: the owner's household (households/0002 gave every user a personal one) and the owner as `created_by`.

One UPDATE with a correlated subquery, not a loop per row (30k+ rows migrate in seconds). The warranties and
attachments migrations fill their `created_by` from the owner next; purchases/0007 then removes `owner`.
"""

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def _ensure_memberships(apps):
    """A personal household for an owner without a membership (a user created by a raw load after households/0002)."""
    user_model = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    username_field = get_user_model().USERNAME_FIELD  # historical models do not carry it
    Household = apps.get_model("households", "Household")
    Membership = apps.get_model("households", "Membership")
    Purchase = apps.get_model("purchases", "Purchase")
    owners = Purchase.objects.order_by().values("owner_id").distinct()
    for user in user_model.objects.filter(pk__in=owners, membership__isnull=True).order_by("pk"):
        name = f"{getattr(user, username_field)}'s household"[:100]
        household = Household.objects.create(name=name)
        Membership.objects.create(user=user, household=household, role="OWNER", joined_at=user.date_joined)


def fill_household(apps, schema_editor):
    _ensure_memberships(apps)
    Membership = apps.get_model("households", "Membership")
    Purchase = apps.get_model("purchases", "Purchase")
    household = Membership.objects.filter(user_id=OuterRef("owner_id")).values("household_id")[:1]
    Purchase.objects.update(household_id=Subquery(household), created_by_id=F("owner_id"))


def fill_owner(apps, schema_editor):
    """Backwards: the owner is who created the purchase, else an owner of its household."""
    Membership = apps.get_model("households", "Membership")
    Purchase = apps.get_model("purchases", "Purchase")
    Purchase.objects.filter(created_by__isnull=False).update(owner_id=F("created_by_id"))
    first_owner = (
        Membership.objects.filter(household_id=OuterRef("household_id"))
        .order_by(models.Case(models.When(role="OWNER", then=0), default=1), "joined_at", "pk")
        .values("user_id")[:1]
    )
    Purchase.objects.filter(owner__isnull=True).update(owner_id=Subquery(first_owner))


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0002_personal_households"),
        ("purchases", "0005_move_attachment_to_attachments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="purchase",
            name="household",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="purchases",
                to="households.household",
            ),
        ),
        migrations.AddField(
            model_name="purchase",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        # Nullable while both exist, so that going backwards can add it again before filling it.
        migrations.AlterField(
            model_name="purchase",
            name="owner",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="purchases",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(fill_household, fill_owner),
    ]
