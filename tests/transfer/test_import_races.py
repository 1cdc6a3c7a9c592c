"""What another writer changes while an import runs (#18 item 5). Rows are read and checked outside any transaction,
then written in one short one: a change made in between (here by another connection, at the exact moment) must still
end correct. The change is made either when the rows have been validated, or after the import decided what to do with
them, just before its write transaction begins."""

import threading

import pytest
from django.db import connection

from catalog.models import Retailer
from purchases.models import Purchase
from spends import data_versions
from tests.factories import PurchaseFactory, RetailerFactory, household_of
from tests.transfer.conftest import import_file
from transfer import importing
from transfer import services as transfer

pytestmark = pytest.mark.django_db(transaction=True)


def elsewhere(change):
    """Runs `change` on another thread, so on another database connection, and waits for it (committed)."""
    failures = []

    def run():
        try:
            change()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not failures, failures


@pytest.fixture
def before_the_write(monkeypatch):
    """Makes `change` happen after the import decided (outside any transaction), before its write transaction."""

    def install(change):
        fresh_ids = importing.fresh_ids

        def then_change(count):
            elsewhere(change)
            return fresh_ids(count)

        monkeypatch.setattr(importing, "fresh_ids", then_change)

    return install


def _document(*purchases):
    return {"format": "spends-tracker", "version": 1, "purchases": list(purchases)}


def test_a_catalog_entry_deleted_meanwhile_is_a_row_error_not_a_500(owner_client, owner, before_the_write):
    shop = RetailerFactory(name="Gone Shop")
    before_the_write(lambda: Retailer.objects.filter(pk=shop.pk).delete())
    row = {"product_name": "Lamp", "price": "1.00", "purchase_date": "2025-01-01", "retailer_id": str(shop.pk)}
    response = import_file(owner_client, "json", _document(row))
    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(1, "retailer_id")]
    assert not Purchase.objects.filter(household__memberships__user=owner).exists()


def test_a_catalog_name_created_meanwhile_is_used_not_created_twice(owner):
    def create_when_validated(stage, done, total):
        if stage == "validating" and total:
            elsewhere(lambda: RetailerFactory(name="new shop"))

    table = transfer.parse_csv(b"product_name,price,purchase_date,retailer\r\nLamp,1,2025-01-01,New Shop\r\n")
    report = transfer.purchases_import(
        household_id=household_of(owner), created_by=owner, table=table, progress=create_when_validated
    )
    assert (report["created"], report["errors"], report["warnings"]) == (1, [], [])  # not created by the import
    assert Retailer.objects.filter(name__iexact="new shop").count() == 1
    assert Purchase.objects.get(household__memberships__user=owner).retailer.name == "new shop"


def test_a_purchase_deleted_before_its_update_is_created_again(owner_client, owner, before_the_write):
    purchase = PurchaseFactory(owner=owner, product_name="Old name")
    before_the_write(lambda: Purchase.objects.filter(pk=purchase.pk).delete())
    content = f"id,product_name,price,purchase_date\r\n{purchase.pk},New name,3.00,2025-01-01\r\n"
    response = import_file(owner_client, "csv", content, on_duplicate="update")
    assert response.status_code == 200, response.json()
    assert (response.json()["created"], response.json()["updated"]) == (1, 0)
    created = Purchase.objects.get(household__memberships__user=owner)
    assert (created.product_name, created.pk != purchase.pk) == ("New name", True)


def test_an_update_keeps_what_another_writer_changed_meanwhile(owner_client, owner, before_the_write):
    purchase = PurchaseFactory(owner=owner, product_name="Old name", notes="")

    def edit():
        other = Purchase.objects.get(pk=purchase.pk)
        other.notes = "edited meanwhile"
        other.save()  # as every write of a purchase does, this sets updated_at

    before_the_write(edit)
    content = (
        f"id,product_name,price,purchase_date\r\n{purchase.pk},New name,{purchase.price},{purchase.purchase_date}\r\n"
    )
    response = import_file(owner_client, "csv", content, on_duplicate="update")
    assert response.status_code == 200, response.json()
    assert response.json()["updated"] == 1
    purchase.refresh_from_db()
    assert (purchase.product_name, purchase.notes) == ("New name", "edited meanwhile")


def test_a_duplicate_created_meanwhile_is_skipped(owner_client, owner, before_the_write):
    def create_the_same():
        PurchaseFactory(owner=owner, product_name="lamp", price="1.00", currency_code="USD", purchase_date="2025-01-01")

    before_the_write(create_the_same)
    response = import_file(
        owner_client, "csv", "product_name,price,currency_code,purchase_date\r\nLamp,1,USD,2025-01-01\r\n"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["created"], response.json()["skipped"]) == (0, 1)
    assert Purchase.objects.filter(household__memberships__user=owner).count() == 1


def test_a_dry_run_and_a_refused_import_open_no_write_transaction(owner_client, owner, monkeypatch):
    """On SQLite every transaction takes the write lock: a dry run and a file with errors (no partial) need none."""
    good = "product_name,price,purchase_date\r\nLamp,1,2025-01-01\r\n"
    # Once first, so that modules imported lazily on the way apply their @transaction.atomic decorators before the
    # spy is in place: it must count transactions opened, not functions decorated.
    assert import_file(owner_client, "csv", good, dry_run="true").status_code == 200
    data_versions.bump(
        data_versions.household_scope(household_of(owner))
    )  # its first bump adds a savepoint; count one transaction
    opened = []
    atomic = importing.transaction.atomic
    monkeypatch.setattr(importing.transaction, "atomic", lambda *a, **k: opened.append(1) or atomic(*a, **k))
    assert import_file(owner_client, "csv", good, dry_run="true").status_code == 200
    assert import_file(owner_client, "csv", good + "Desk,-1,2025-01-01\r\n").status_code == 400
    assert opened == []
    assert import_file(owner_client, "csv", good).status_code == 200
    assert opened == [1]
