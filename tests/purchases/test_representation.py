"""The fast read path of PurchaseSerializer equals DRF's generic output for every kind of row (#10).

`purchase_read_representation` builds the purchase object directly for rows of `selectors.purchase_list`; DRF's own
`to_representation` (fields walked one by one) is the reference. Both are compared as JSON text, so key order,
types (str vs number vs null) and formatting all count."""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.db.models import Count
from rest_framework import serializers

from households.models import Household
from purchases import selectors
from purchases.api import serializers as purchase_serializers
from purchases.api.serializers import PurchaseSerializer
from purchases.choices import PurchaseStatus
from purchases.models import Purchase
from spends.clock import today
from tests.factories import BrandFactory, PurchaseFactory, RetailerFactory, WarrantyFactory, household_of, member
from warranties.choices import WarrantyStatus, WarrantyType

pytestmark = pytest.mark.django_db


def _generic(instance) -> dict:
    """DRF's field-by-field representation, bypassing the fast path."""
    serializer = PurchaseSerializer()
    # The override sets the chosen warranty's effective status first; the generic walk then reads it.
    warranty = getattr(instance, "warranty", None)
    if warranty is not None:
        warranty.purchase = instance
        warranty.effective_status = instance.warranty_effective_status
        warranty.days_remaining = instance.warranty_days_remaining
        warranty.claim_count = instance.warranty_claim_count
    return serializers.ModelSerializer.to_representation(serializer, instance)


def _exported(obj: dict) -> dict:
    """The API's object as the version-2 JSON export writes it: each coverage with its claims (none here)."""
    return {**obj, "warranties": [{**warranty, "claims": []} for warranty in obj["warranties"]]}


def _as_json(data) -> str:
    return json.dumps(data, ensure_ascii=False)


@pytest.fixture
def varied_purchases(owner):
    """Rows covering every branch of the representation: warranties in each state, missing catalog entries, prices
    at the edges, unicode and formula-looking text."""
    retailer = RetailerFactory(name="Über Shop")
    brand = BrandFactory(name="Ñandú & Co")
    now = today()
    rows = [
        PurchaseFactory(owner=owner, retailer=retailer, brand=brand, price=Decimal("0.00"), notes=""),
        PurchaseFactory(owner=owner, price=Decimal("0.10"), currency_code="EUR", status=PurchaseStatus.ORDERED),
        PurchaseFactory(
            owner=owner, price=Decimal("12345678.90"), currency_code="JPY", product_name="=cmd|' /C calc'!A0"
        ),
        PurchaseFactory(
            owner=owner, retailer=retailer, notes='line 1\nline "2", with comma', product_name="日本語 テレビ"
        ),
        PurchaseFactory(owner=owner, brand=brand, purchase_date=datetime.date(1999, 12, 31)),
    ]
    WarrantyFactory(purchase=rows[0])  # ACTIVE, ends in a year from 2025-01-15: expired by now or active
    WarrantyFactory(  # ACTIVE with days remaining
        purchase=rows[1],
        warranty_start=now - datetime.timedelta(days=10),
        warranty_end=now + datetime.timedelta(days=20),
        provider="Extended Care™",
        notes="@SUM(A1)",
    )
    WarrantyFactory(purchase=rows[2], warranty_type=WarrantyType.LIFETIME, warranty_end=None)
    # Two more coverages of the LIFETIME one's purchase, which stays its chosen `warranty`.
    WarrantyFactory(
        purchase=rows[2], cost=Decimal("79.99"), reference="POL-1", warranty_end=now - datetime.timedelta(days=3)
    )
    WarrantyFactory(purchase=rows[2], status=WarrantyStatus.VOIDED, cost=Decimal("0.00"))
    WarrantyFactory(purchase=rows[3], status=WarrantyStatus.VOIDED)
    WarrantyFactory(  # EXPIRED: ended yesterday
        purchase=rows[4],
        warranty_start=now - datetime.timedelta(days=400),
        warranty_end=now - datetime.timedelta(days=1),
    )
    PurchaseFactory(owner=owner, product_name="No warranty, no catalog")
    return rows


def test_fast_path_equals_drf_output_for_every_row(owner, varied_purchases):
    rows = list(selectors.purchase_list(household_id=household_of(owner)))
    assert len(rows) == 6
    statuses = set()
    for purchase in rows:
        fast = PurchaseSerializer(purchase).data
        assert _as_json(fast) == _as_json(_generic(purchase)), purchase.product_name
        statuses.add(fast["warranty"] and fast["warranty"]["status"])
    # The fixture really covers each effective status and the no-warranty case.
    assert statuses == {"ACTIVE", "EXPIRED", "VOIDED", None}


def test_fast_path_equals_drf_output_in_a_list(owner, varied_purchases):
    rows = selectors.purchase_list(household_id=household_of(owner))
    fast = PurchaseSerializer(rows, many=True).data
    assert _as_json(fast) == _as_json(
        [_generic(purchase) for purchase in selectors.purchase_list(household_id=household_of(owner))]
    )


def test_fast_path_values_and_types(owner, varied_purchases):
    purchase = selectors.purchase_list(household_id=household_of(owner)).get(pk=varied_purchases[1].pk)
    data = PurchaseSerializer(purchase).data
    assert data["price"] == "0.10"
    assert data["currency_code"] == "EUR"
    assert data["retailer_id"] is None and data["retailer_name"] is None
    assert data["attachment_count"] == 0
    assert data["warranty"]["status"] == "ACTIVE"
    assert data["warranty"]["days_remaining"] == 20
    assert data["warranty"]["purchase_id"] == str(purchase.pk)
    assert data["created_at"].endswith("Z") and len(data["created_at"]) == 20


def test_fast_path_is_used_for_selector_rows(owner, varied_purchases, monkeypatch):
    calls = []
    original = purchase_serializers.purchase_read_representation

    def spy(purchase, warranty, warranties):
        calls.append(purchase.pk)
        return original(purchase, warranty, warranties)

    monkeypatch.setattr(purchase_serializers, "purchase_read_representation", spy)
    PurchaseSerializer(selectors.purchase_list(household_id=household_of(owner)), many=True).data  # noqa: B018 - renders
    assert len(calls) == 6


def test_rows_without_the_selector_shape_take_drfs_path(owner, varied_purchases, monkeypatch):
    """A plain or differently annotated instance (no joins, no effective status) is rendered by DRF, unchanged."""
    monkeypatch.setattr(purchase_serializers, "purchase_read_representation", lambda *a: pytest.fail("fast path used"))
    plain = Purchase.objects.get(pk=varied_purchases[0].pk)
    data = PurchaseSerializer(plain).data
    assert data["retailer_name"] == "Über Shop"
    assert "attachment_count" not in data  # not annotated: DRF skips the read-only field, as before
    counted = Purchase.objects.annotate(attachment_count=Count("attachments")).get(pk=varied_purchases[0].pk)
    assert PurchaseSerializer(counted).data["attachment_count"] == 0


def test_detail_and_list_over_http_match_the_generic_output(owner, owner_client, varied_purchases):
    expected = {str(p.pk): _generic(p) for p in selectors.purchase_list(household_id=household_of(owner))}
    page = owner_client.get("/api/purchases?limit=100").json()
    assert {item["id"]: item for item in page["items"]} == expected
    for pk, item in expected.items():
        response = owner_client.get(f"/api/purchases/{pk}")
        assert response.status_code == 200
        assert _as_json(response.json()) == _as_json(item)


def test_the_json_export_renders_plain_rows_like_drf(owner, varied_purchases, other_user):
    """purchases_export_json builds its objects from plain rows (purchase_object); they equal DRF's output."""
    from transfer import services as transfer

    PurchaseFactory(owner=other_user, product_name="Not mine")
    document = json.loads("".join(transfer.purchases_export_json(household_id=household_of(owner))))
    expected = [_exported(_generic(p)) for p in selectors.purchase_list(household_id=household_of(owner))]
    assert len(document["purchases"]) == 6
    assert _as_json(document["purchases"]) == _as_json(expected)


def test_the_json_export_reports_progress_and_keeps_the_connection_usable(owner):
    from django.db import connection

    from transfer import exporting

    PurchaseFactory.create_batch(3, owner=owner)
    calls = []
    monkey_chunk = exporting.EXPORT_CHUNK_SIZE
    try:
        exporting.EXPORT_CHUNK_SIZE = 2
        text = "".join(
            exporting.purchases_export_json(
                household_id=household_of(owner), progress=lambda *a: calls.append(a), total=3
            )
        )
    finally:
        exporting.EXPORT_CHUNK_SIZE = monkey_chunk
    assert len(json.loads(text)["purchases"]) == 3
    assert calls == [("exporting", 2, 3)]
    with connection.cursor() as cursor:  # the streamed read is finished: the connection takes queries again
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_created_by_is_the_members_username_or_null_everywhere(owner, django_assert_num_queries):
    """created_by (version 2): the adding member's username, null once their account is gone; the fast path, DRF's
    walk, the JSON export and the CSV export agree, and reading it costs no query per row (created_by is joined)."""
    from transfer import services as transfer

    home = Household.objects.get(pk=household_of(owner))
    household = home.pk
    partner = member(home, username="partner")
    gone = member(home, username="gone")
    by_owner = PurchaseFactory(owner=owner, product_name="Owner's", purchase_date=datetime.date(2025, 1, 3))
    by_partner = PurchaseFactory(
        household=home, created_by=partner, product_name="Partner's", purchase_date=datetime.date(2025, 1, 2)
    )
    orphan = PurchaseFactory(
        household=home, created_by=gone, product_name="Orphan", purchase_date=datetime.date(2025, 1, 1)
    )
    gone.delete()  # SET_NULL: the purchase stays with the household
    with django_assert_num_queries(2):  # the page and its coverages (prefetched): none per row
        rows = list(selectors.purchase_list(household_id=household))
        fast = [PurchaseSerializer(purchase).data for purchase in rows]
    assert [(item["id"], item["created_by"]) for item in fast] == [
        (str(by_owner.pk), "owner"),
        (str(by_partner.pk), "partner"),
        (str(orphan.pk), None),
    ]
    assert _as_json(fast) == _as_json([_generic(purchase) for purchase in rows])
    document = json.loads("".join(transfer.purchases_export_json(household_id=household)))
    assert [obj["created_by"] for obj in document["purchases"]] == ["owner", "partner", None]
    text = "".join(transfer.purchases_export_csv(queryset=selectors.purchase_list(household_id=household)))
    assert [row["created_by"] for row in csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))] == [
        "owner",
        "partner",
        "",
    ]
