import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.CreateModel(
            name="Household",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=100)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "ordering": ["name", "created_at"],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("name", ""), _negated=True), name="households_household_name_not_empty")
                ],
            },
        ),
        migrations.CreateModel(
            name="Membership",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "role",
                    models.CharField(
                        choices=[("OWNER", "Owner"), ("EDITOR", "Editor"), ("VIEWER", "Viewer")], default="OWNER", max_length=8
                    ),
                ),
                ("joined_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "household",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="memberships", to="households.household"),
                ),
                (
                    "user",
                    models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="membership", to=settings.AUTH_USER_MODEL),
                ),
            ],
            options={
                "ordering": ["joined_at", "id"],
                "indexes": [models.Index(fields=["household", "joined_at"], name="membership_household_joined")],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("role__in", ["OWNER", "EDITOR", "VIEWER"])), name="households_membership_role_valid")
                ],
            },
        ),
    ]
