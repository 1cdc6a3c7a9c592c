"""A small, varied dataset for the backup and move tests (also made in another process on the other engine:
`manage.py shell -c "from tests.backups.varied import make; make()"`): two households, a shared member, a group
(a many-to-many row), catalog entries, purchases with Unicode, decimals and time stamps with microseconds, coverages
with a claim, API tokens, and attachments whose files live in the storage."""

import datetime
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from attachments import services as attachments
from catalog.models import Brand, Retailer
from households.choices import Role
from households.models import Household
from purchases.models import Purchase
from tests.factories import PurchaseFactory, UserFactory, WarrantyFactory, household_of, member
from warranties.choices import WarrantyType
from warranties.claims_services import claim_create

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def make() -> None:
    alice = UserFactory(username="alice", first_name="Alïce", is_staff=True)
    bob = UserFactory(username="bob", email="bob@example.org")
    household = household_of(alice)
    carol = member(Household.objects.get(pk=household), role=Role.EDITOR, username="carol")
    group = Group.objects.create(name="Auditors")
    group.permissions.add(Permission.objects.get(codename="view_purchase"))
    alice.groups.add(group)
    retailer = Retailer.objects.create(name="Bäckerei Müller")
    brand = Brand.objects.create(url="https://sony.example", name="Sønderborg Audio")
    tv = PurchaseFactory(
        owner=alice,
        product_name="Télévision OLED 55″ — 日本",
        price=Decimal("1299.99"),
        currency_code="EUR",
        purchase_date=datetime.date(2024, 2, 29),
        retailer=retailer,
        brand=brand,
        notes='Line one\nline two, with "quotes" and a tab\t.',
    )
    cheap = PurchaseFactory(owner=alice, created_by=carol, product_name="Cable", price=Decimal("0.01"))
    PurchaseFactory(owner=bob, product_name="Bike", price=Decimal("99999999.99"), currency_code="GBP")
    warranty = WarrantyFactory(purchase=tv, warranty_end=datetime.date(2027, 2, 28), provider="Sony Europe")
    WarrantyFactory(purchase=cheap, warranty_type=WarrantyType.LIFETIME, warranty_end=None)
    claim_create(warranty=warranty, created_by=alice, opened_on=datetime.date(2025, 3, 1), issue="Dead pixel")
    Purchase.objects.filter(pk=tv.pk).update(
        created_at=datetime.datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=datetime.UTC)
    )
    for name, content in (("receipt.pdf", PDF), ("photo.png", PNG)):
        attachments.attachment_upload(purchase=tv, created_by=alice, uploaded_file=SimpleUploadedFile(name, content))
