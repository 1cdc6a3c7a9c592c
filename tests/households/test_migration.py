"""The move of records from users to households (#20): a database of the previous release (no households app;
purchases owned by a user) with three users and their purchases, warranties and attachments is migrated forward, and
each user then sees exactly what they owned before, in a personal household of their own, with `created_by` = them."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from attachments.models import Attachment
from households.choices import Role
from households.models import Membership
from purchases import selectors
from purchases.models import Purchase
from warranties.models import Warranty

# The previous release: every app at its last migration before households existed.
PREVIOUS_RELEASE = [
    ("households", None),
    ("purchases", "0005_move_attachment_to_attachments"),
    ("warranties", "0001_initial"),
    ("attachments", "0001_initial"),
    ("reminders", "0001_initial"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    executor.loader.build_graph()  # the applied migrations changed
    return executor.loader.project_state([target for target in targets if target[1] is not None]).apps


def _old_rows(apps) -> dict:
    """Three users with purchases (some with a warranty, some with attachments), written with the historical models
    (so no household signal runs). Returns {username: {purchase id: (name, price, has warranty, attachment count)}}."""
    user_model = apps.get_model("auth", "User")
    purchase_model = apps.get_model("purchases", "Purchase")
    warranty_model = apps.get_model("warranties", "Warranty")
    attachment_model = apps.get_model("attachments", "Attachment")
    owned = {}
    for index, username in enumerate(["ann", "ben", "cat"]):
        user = user_model.objects.create(username=username, email=f"{username}@example.com")
        owned[username] = {}
        for n in range(index + 2):  # 2, 3 and 4 purchases
            purchase = purchase_model.objects.create(
                owner_id=user.pk,
                product_name=f"{username} thing {n}",
                price=Decimal(f"{index + 1}{n}.50"),
                currency_code="EUR",
                purchase_date=datetime.date(2025, 1 + n, 1 + index),
            )
            has_warranty = n % 2 == 0
            if has_warranty:
                warranty_model.objects.create(
                    purchase=purchase,
                    warranty_start=purchase.purchase_date,
                    warranty_end=purchase.purchase_date + datetime.timedelta(days=365),
                )
            for a in range(n):
                attachment_model.objects.create(
                    purchase=purchase,
                    filename=f"{a}.pdf",
                    content_type="application/pdf",
                    size=10,
                    sha256=f"{index}{n}{a}".ljust(64, "0"),
                )
            owned[username][purchase.pk] = (purchase.product_name, purchase.price, has_warranty, n)
    return owned


@pytest.mark.django_db(transaction=True)
def test_each_user_sees_exactly_what_they_owned_before_in_a_household_of_their_own():
    old_apps = _migrate(PREVIOUS_RELEASE)
    with pytest.raises(LookupError):
        old_apps.get_model("households", "Household")  # the previous schema: no households
    assert "owner" in {field.name for field in old_apps.get_model("purchases", "Purchase")._meta.fields}
    owned = _old_rows(old_apps)

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    memberships = {m.user.username: m for m in Membership.objects.select_related("user")}
    assert set(memberships) == {"ann", "ben", "cat"}
    assert len({m.household_id for m in memberships.values()}) == 3  # one personal household each
    for username, expected in owned.items():
        membership = memberships[username]
        assert membership.role == Role.OWNER
        rows = selectors.purchase_list(household_id=membership.household_id)
        seen = {
            p.pk: (p.product_name, p.price, p.warranty_effective_status is not None, p.attachment_count) for p in rows
        }
        assert seen == expected, username
        assert set(rows.values_list("created_by__username", flat=True)) == {username}
        ids = list(expected)
        assert set(Warranty.objects.filter(purchase__in=ids).values_list("created_by__username", flat=True)) == {
            username
        }
        assert set(Attachment.objects.filter(purchase__in=ids).values_list("created_by__username", flat=True)) == {
            username
        }
    assert Purchase.objects.count() == 9


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_every_row_with_one_statement_per_table(shipped_rates):
    """A bulk UPDATE with a subquery, not a loop per row: the number of statements does not grow with the rows."""
    from django.test.utils import CaptureQueriesContext

    old_apps = _migrate(PREVIOUS_RELEASE)
    user = old_apps.get_model("auth", "User").objects.create(username="many")
    purchase_model = old_apps.get_model("purchases", "Purchase")
    purchase_model.objects.bulk_create(
        purchase_model(
            owner_id=user.pk,
            product_name=f"p{n}",
            price=1,
            currency_code="EUR",
            purchase_date=datetime.date(2025, 1, 1),
        )
        for n in range(500)
    )
    with CaptureQueriesContext(connection) as queries:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    purchase_updates = [sql for sql in updates if '"purchases_purchase"' in sql.split("SET")[0]]
    household_updates = [
        sql for sql in purchase_updates if sql.split("SET", 1)[1].lstrip().startswith('"household_id"')
    ]
    assert len(household_updates) == 1
    # #22's conversion of the same rows (EUR into the default USD): one UPDATE for the currency, whatever the number
    # of rows.
    assert len(purchase_updates) == 2
    household = Membership.objects.get(user__username="many").household_id
    assert Purchase.objects.filter(household_id=household, created_by__username="many").count() == 500
    assert not Purchase.objects.filter(household_id=household, rate_source__isnull=True).exists()
