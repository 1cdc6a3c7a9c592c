"""The move of Attachment from purchases to attachments (#19): a database holding attachments under the previous schema
(purchases/0004) is migrated forward, and every row is still there and readable through the new model; the content
type (and so the permissions granted on attachments) follows the model."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from attachments.models import Attachment
from purchases import selectors
from tests.factories import household_of

BEFORE_THE_MOVE = [("purchases", "0004_search_owner_trigram_indexes")]
KINDS = ["RECEIPT", "WARRANTY", "MANUAL", "PHOTO", "OTHER"]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return executor.loader.project_state(targets).apps


def _old_schema_rows(apps):
    """An owner, two purchases and 7 attachments written with the historical models of purchases/0004, and a
    permission on attachments granted through the content type purchases.attachment (auth and contenttypes are at
    their latest migrations, so their current models are used). Returns the rows as written and the owner's id."""
    user = get_user_model().objects.create(username="keeps-files")
    ContentType.objects.filter(app_label="attachments").delete()  # as before the move: only purchases.attachment
    old_type, _ = ContentType.objects.get_or_create(app_label="purchases", model="attachment")
    permission, _ = Permission.objects.get_or_create(
        content_type=old_type, codename="view_attachment", defaults={"name": "Can view attachment"}
    )
    user.user_permissions.add(permission)
    purchase_model, attachment_model = (
        apps.get_model("purchases", "Purchase"),
        apps.get_model("purchases", "Attachment"),
    )
    purchases = [
        purchase_model.objects.create(
            owner_id=user.pk,
            product_name=f"Thing {n}",
            price="9.99",
            currency_code="EUR",
            purchase_date=datetime.date(2026, 1, n),
        )
        for n in (1, 2)
    ]
    written = {}
    for n in range(7):
        row = attachment_model.objects.create(
            purchase=purchases[n % 2],
            kind=KINDS[n % len(KINDS)],
            filename=f"file {n}.pdf",
            content_type="application/pdf",
            size=1000 + n,
            sha256=f"{n:064x}",
            available=n != 3,
        )
        written[row.pk] = (
            row.purchase_id,
            row.kind,
            row.filename,
            row.content_type,
            row.size,
            row.sha256,
            row.available,
        )
    return written, user.pk


@pytest.mark.django_db(transaction=True)
def test_attachments_written_under_the_previous_schema_are_all_readable_after_the_move():
    old_apps = _migrate(BEFORE_THE_MOVE)
    with pytest.raises(LookupError):
        old_apps.get_model("attachments", "Attachment")  # the previous schema: only purchases.Attachment
    written, owner_id = _old_schema_rows(old_apps)

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    rows = Attachment.objects.all()
    read = {a.pk: (a.purchase_id, a.kind, a.filename, a.content_type, a.size, a.sha256, a.available) for a in rows}
    assert read == written  # every row, every value
    owner = get_user_model().objects.get(pk=owner_id)
    counts = sorted(
        selectors.purchase_list(household_id=household_of(owner)).values_list("attachment_count", flat=True)
    )
    assert counts == [3, 4]  # the purchase list's attachment count reads the same table
    assert Attachment._meta.db_table == "purchases_attachment"
    assert list(ContentType.objects.filter(model="attachment").values_list("app_label", flat=True)) == ["attachments"]
    assert owner.has_perm("attachments.view_attachment")  # the permission followed its content type
