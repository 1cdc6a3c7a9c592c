"""Old backups stay restorable (#26): the archive (format version 1), JSON and CSV exports that the first release
(commit a3f8374) wrote of a small, varied dataset (tests/fixtures/first-release/README.md says how) restore and import
into this version, every row checked by value. On PostgreSQL the archive's SQLite database is migrated in a
temporary copy and loaded through the portable path (backups.converting)."""

import datetime
import hashlib
import uuid
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage

from attachments.models import Attachment
from backups import restore
from catalog.models import Brand, Retailer
from households.models import Household, Membership
from purchases.models import Purchase
from reminders.models import ReminderSettings
from tests.factories import UserFactory, household_of
from transfer import services as transfer
from warranties.models import Warranty

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "first-release"
STAMP = datetime.datetime(2025, 11, 20, 8, 30, 15, 123456, tzinfo=datetime.UTC)
TV, CABLE, KETTLE, BIKE = (uuid.UUID(int=n) for n in (11, 12, 13, 14))
RETAILER, BRAND = uuid.UUID(int=1), uuid.UUID(int=2)
NOTES = 'Line one\nline two, "quoted", a comma'
# id → (product, price, currency, status, date, retailer, brand, notes)
PURCHASES = {
    TV: (
        "Télévision OLED 55″ — 日本",
        "1299.99",
        "EUR",
        "RECEIVED",
        "2024-02-29",
        "Bäckerei Müller",
        "Sønderborg Audio",
        NOTES,
    ),
    CABLE: ("Cable", "0.01", "USD", "ORDERED", "2025-01-15", None, None, ""),
    KETTLE: ("Kettle", "0.00", "GBP", "RECEIVED", "2023-12-31", "Bäckerei Müller", None, "=1+1 stays text"),
    BIKE: ("Bike", "99999999.99", "CHF", "RECEIVED", "2025-06-01", None, "Sønderborg Audio", ""),
}
# purchase → (start, end, type, status, provider, notes)
WARRANTIES = {
    TV: ("2024-02-29", "2027-02-28", "EXTENDED", "ACTIVE", "Sony Europe", "Two more years"),
    CABLE: ("2025-01-15", None, "LIFETIME", "ACTIVE", "", ""),
    BIKE: ("2025-06-01", "2025-07-01", "LIMITED", "VOIDED", "Velo AG", ""),
}
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def day(text):
    return datetime.date.fromisoformat(text) if text else None


def purchase_values(purchase) -> tuple:
    return (
        purchase.product_name,
        str(purchase.price),
        purchase.currency_code,
        purchase.status,
        purchase.purchase_date.isoformat(),
        purchase.retailer.name if purchase.retailer else None,
        purchase.brand.name if purchase.brand else None,
        purchase.notes,
    )


def warranty_values(warranty) -> tuple:
    return (
        warranty.warranty_start.isoformat(),
        warranty.warranty_end.isoformat() if warranty.warranty_end else None,
        warranty.warranty_type,
        warranty.status,
        warranty.provider,
        warranty.notes,
    )


def test_the_first_release_archive_restores_into_this_schema_row_by_row(settings):
    UserFactory(username="someone-else")  # replaced by the archive's data
    report = restore.backup_restore(
        path=FIXTURES / "backup-v1.zip",
        restored_from="backup-v1.zip",
        allow_foreign=True,  # unsigned: v1
    )
    assert report["integrity"] == {"ok": True, "problems": []}, report
    assert report["files_restored"] == 2

    users = {u.username: u for u in get_user_model().objects.all()}
    assert set(users) == {"alice", "bob"}
    alice, bob = users["alice"], users["bob"]
    assert (alice.email, alice.first_name, alice.date_joined) == ("alice@example.com", "Alïce", STAMP)
    assert (bob.email, bob.first_name, bob.date_joined) == ("bob@example.org", "", STAMP)
    # The release's production hasher (the tests' settings use a fast one only).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    assert alice.check_password("first-release-password") and bob.check_password("first-release-password")
    # The households migration gave each user a personal household owning what the user owned.
    assert {m.user.username: m.role for m in Membership.objects.select_related("user")} == {
        "alice": "OWNER",
        "bob": "OWNER",
    }
    homes = {name: household_of(user) for name, user in users.items()}
    assert homes["alice"] != homes["bob"]

    assert {(r.pk, r.name, r.url, r.created_at) for r in Retailer.objects.filter(pk=RETAILER)} == {
        (RETAILER, "Bäckerei Müller", "https://baeckerei.example", STAMP)
    }
    assert {(b.pk, b.name, b.url, b.created_at) for b in Brand.objects.filter(pk=BRAND)} == {
        (BRAND, "Sønderborg Audio", "", STAMP)
    }

    purchases = {p.pk: p for p in Purchase.objects.select_related("retailer", "brand")}
    assert set(purchases) == set(PURCHASES)
    for pk, expected in PURCHASES.items():
        purchase = purchases[pk]
        assert purchase_values(purchase) == expected, pk
        owner = bob if pk == BIKE else alice
        assert (purchase.household_id, purchase.created_by_id) == (homes[owner.username], owner.pk)
        assert (purchase.created_at, purchase.updated_at) == (STAMP, STAMP)
        assert (purchase.return_by, purchase.returned_on) == (None, None)
        # The currency migration converted every purchase into its household's home currency (USD): the ECB's rate
        # of its day, rounded half-even to the cent.
        home = Household.objects.get(pk=purchase.household_id).home_currency
        if purchase.currency_code == home:
            assert (purchase.exchange_rate, purchase.rate_source, purchase.home_price) == (1, None, purchase.price)
        else:
            assert purchase.rate_source == "ECB" and purchase.exchange_rate > 0, pk
            exact = purchase.price * purchase.exchange_rate
            assert purchase.home_price == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)

    warranties = {w.purchase_id: w for w in Warranty.objects.all()}
    assert set(warranties) == set(WARRANTIES)
    for pk, expected in WARRANTIES.items():
        warranty = warranties[pk]
        assert warranty_values(warranty) == expected, pk
        assert warranty.pk == uuid.UUID(int={TV: 21, CABLE: 22, BIKE: 23}[pk])
        assert (warranty.created_at, warranty.updated_at) == (STAMP, STAMP)
        assert (warranty.cost, warranty.reference) == (None, "")

    files = {a.filename: a for a in Attachment.objects.all()}
    assert set(files) == {"receipt.pdf", "photo.png"}
    for name, content, kind, content_type in (
        ("receipt.pdf", PDF, "RECEIPT", "application/pdf"),
        ("photo.png", PNG, "PHOTO", "image/png"),
    ):
        attachment = files[name]
        digest = hashlib.sha256(content).hexdigest()
        assert (attachment.purchase_id, attachment.kind, attachment.content_type) == (TV, kind, content_type)
        assert (attachment.size, attachment.sha256, attachment.available) == (len(content), digest, True)
        assert attachment.created_at == STAMP
        with default_storage.open(f"uploads/{digest[:2]}/{digest[2:4]}/{digest}", "rb") as handle:
            assert handle.read() == content

    settings_row = ReminderSettings.objects.get()
    assert (settings_row.user_id, settings_row.email, settings_row.lead_days, settings_row.digest) == (
        alice.pk,
        "reminders@example.com",
        [30, 7],
        False,
    )


def imported(owner, **source) -> dict:
    report = transfer.purchases_import(household_id=household_of(owner), created_by=owner, **source)
    assert report["errors"] == [] and report["created"] == 3, report
    return {p.product_name: p for p in Purchase.objects.select_related("retailer", "brand", "created_by")}


def check_imported(purchases: dict, owner) -> None:
    """Alice's three purchases, every value, in the importing user's household."""
    expected = {values[0]: (pk, values) for pk, values in PURCHASES.items() if pk != BIKE}
    assert set(purchases) == set(expected)
    for name, (pk, values) in expected.items():
        purchase = purchases[name]
        assert purchase_values(purchase) == values, name
        assert purchase.household_id == household_of(owner) and purchase.created_by == owner
        coverage = purchase.warranties.first()
        assert (warranty_values(coverage) if coverage else None) == WARRANTIES.get(pk)


def test_the_first_release_json_export_imports_row_by_row():
    owner = UserFactory(username="mover")
    document = transfer.parse_json((FIXTURES / "alice.json").read_bytes())
    purchases = imported(owner, document=document)
    check_imported(purchases, owner)
    # The JSON export carries the catalog's urls, which an import keeps for entries it creates.
    assert Retailer.objects.get(name="Bäckerei Müller").url == "https://baeckerei.example"


def test_the_first_release_csv_export_imports_row_by_row():
    owner = UserFactory(username="mover")
    with open(FIXTURES / "alice.csv", "rb") as handle:
        purchases = imported(owner, table=transfer.parse_csv(handle))
    check_imported(purchases, owner)
