"""The lean GET path of purchases (issue #24, decision 3): the list and the detail, read as plain rows and rendered by
purchases.representation, answer exactly what DRF's generic path (model instances through PurchaseSerializer) answers,
with the same scoping, status codes and a fixed number of queries; the detail's compiled SQL binds the household and
the id on every request."""

import datetime
import json
import uuid
from decimal import Decimal

import pytest
import time_machine

from attachments.models import Attachment
from households.models import Role
from purchases import selectors
from purchases.api.views import PurchaseViewSet
from purchases.models import Purchase
from spends.prepared import PreparedRead
from tests.assertions import assert_error
from tests.factories import BrandFactory, PurchaseFactory, RetailerFactory, WarrantyFactory, household_of, member
from warranties.choices import WarrantyStatus, WarrantyType
from warranties.models import Claim

pytestmark = pytest.mark.django_db

URL = "/api/purchases"
NOW = datetime.datetime(2025, 6, 15, 12, tzinfo=datetime.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _fixed_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def varied(owner):
    """Every kind of row: no warranty, one, several (LIFETIME chosen), voided, expired, with claims, attachments,
    missing catalog entries, a manual rate, unicode and formula-looking text."""
    retailer, brand = RetailerFactory(name="Über Shop"), BrandFactory(name="Ñandú & Co")
    rows = [
        PurchaseFactory(owner=owner, retailer=retailer, brand=brand, price=Decimal("0.00"), notes=""),
        PurchaseFactory(owner=owner, price=Decimal("0.10"), currency_code="EUR", exchange_rate=Decimal("1.0845")),
        PurchaseFactory(owner=owner, price=Decimal("12345678.90"), currency_code="JPY", product_name="=cmd|'!A0"),
        PurchaseFactory(owner=owner, retailer=retailer, notes='line 1\nline "2"', product_name="日本語 テレビ"),
        PurchaseFactory(owner=owner, brand=brand, purchase_date=datetime.date(1999, 12, 31)),
        PurchaseFactory(owner=owner, product_name="No warranty", return_by=TODAY + datetime.timedelta(days=3)),
    ]
    WarrantyFactory(purchase=rows[0], warranty_start=TODAY, warranty_end=TODAY)  # ACTIVE, 0 days left
    chosen = WarrantyFactory(purchase=rows[1], warranty_type=WarrantyType.LIFETIME, warranty_end=None)
    WarrantyFactory(purchase=rows[1], cost=Decimal("79.99"), reference="P-1", warranty_end=TODAY)
    WarrantyFactory(purchase=rows[1], status=WarrantyStatus.VOIDED, warranty_end=TODAY)
    Claim.objects.create(warranty=chosen, opened_on=TODAY, issue="Broken")
    Claim.objects.create(warranty=chosen, opened_on=TODAY, issue="Again")
    WarrantyFactory(purchase=rows[2], status=WarrantyStatus.VOIDED, warranty_end=TODAY)
    WarrantyFactory(purchase=rows[3], warranty_start=TODAY.replace(year=2023), warranty_end=TODAY.replace(day=14))
    for name in ("a.pdf", "b.pdf"):
        Attachment.objects.create(purchase=rows[4], filename=name, content_type="application/pdf", size=1, sha256="0")
    return rows


def _generic(client, monkeypatch, *args, **kwargs):
    with monkeypatch.context() as patch:
        patch.setattr(PurchaseViewSet, "reader", None)
        return client.get(*args, **kwargs)


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 100},
        {"limit": 2, "skip": 3},
        {"ordering": "-price"},
        {"has_warranty": "true", "ordering": "product_name"},
        {"search": "shop"},
        {"warranty_status": "VOIDED"},
        {"currency_code": "usd", "date_from": "2000-01-01"},
        {"skip": 50},
        {"include_total": "false", "limit": 3},
    ],
)
def test_the_list_is_byte_for_byte_the_generic_one(owner_client, varied, monkeypatch, params):
    lean = owner_client.get(URL, params)
    generic = _generic(owner_client, monkeypatch, URL, params)
    assert lean.status_code == generic.status_code == 200
    assert lean.content == generic.content


def test_every_detail_is_byte_for_byte_the_generic_one(owner_client, varied, monkeypatch):
    statuses = set()
    for purchase in varied:
        lean = owner_client.get(f"{URL}/{purchase.pk}")
        assert lean.status_code == 200
        assert lean.content == _generic(owner_client, monkeypatch, f"{URL}/{purchase.pk}").content
        body = lean.json()
        statuses.add(body["warranty"] and body["warranty"]["status"])
    assert statuses == {"ACTIVE", "EXPIRED", "VOIDED", None}  # the rows cover every effective status
    several = owner_client.get(f"{URL}/{varied[1].pk}").json()
    assert sorted(w["status"] for w in several["warranties"]) == ["ACTIVE", "ACTIVE", "VOIDED"]
    assert several["warranties"][-1]["warranty_type"] == "LIFETIME"  # no end: last
    assert (several["warranty"]["warranty_type"], several["warranty"]["claim_count"]) == ("LIFETIME", 2)
    assert owner_client.get(f"{URL}/{varied[4].pk}").json()["attachment_count"] == 2


def test_the_detail_reads_in_a_fixed_number_of_queries(owner_client, varied, django_assert_num_queries):
    for purchase in (varied[1], varied[5]):  # three coverages; none
        with django_assert_num_queries(4):  # token, scope, the purchase, its coverages
            assert owner_client.get(f"{URL}/{purchase.pk}").status_code == 200
    with django_assert_num_queries(3):  # not found: no coverage query
        assert owner_client.get(f"{URL}/{uuid.uuid4()}").status_code == 404


def test_another_households_purchase_is_a_404_after_the_plan_is_compiled(owner_client, owner, other_user, varied):
    theirs = PurchaseFactory(owner=other_user, product_name="Theirs")
    mine = owner_client.get(f"{URL}/{varied[0].pk}")  # compiles the plan with the owner's household
    assert mine.status_code == 200
    assert_error(owner_client.get(f"{URL}/{theirs.pk}"), 404, "not_found")
    assert_error(owner_client.get(f"{URL}/{str(theirs.pk).replace('-', '')}"), 404, "not_found")
    assert theirs.pk not in [item["id"] for item in owner_client.get(URL, {"limit": 100}).json()["items"]]


def test_every_member_reads_and_nobody_else(owner, other_user, varied, anon_client):
    from tests.conftest import token_client

    viewer = member(household_of(owner), role=Role.VIEWER)
    viewer_client = token_client(viewer)
    body = viewer_client.get(f"{URL}/{varied[1].pk}").json()
    assert body["id"] == str(varied[1].pk)
    assert viewer_client.get(URL).json()["total"] == 6
    assert_error(anon_client.get(f"{URL}/{varied[1].pk}"), 401, "not_authenticated")
    assert_error(token_client(other_user).get(f"{URL}/{varied[1].pk}"), 404, "not_found")


def test_the_detail_follows_the_day(owner_client, varied):
    """The compiled SQL holds the day (effective status, days remaining): the next day gets its own."""
    url = f"{URL}/{varied[0].pk}"
    assert owner_client.get(url).json()["warranty"]["status"] == "ACTIVE"
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        assert owner_client.get(url).json()["warranty"]["status"] == "EXPIRED"
        items = {item["id"]: item for item in owner_client.get(URL, {"limit": 100}).json()["items"]}
        assert items[str(varied[0].pk)]["warranty"]["status"] == "EXPIRED"


def test_a_prepared_read_binds_its_ids_and_refuses_a_query_without_them(owner, other_user):
    mine, theirs = PurchaseFactory(owner=owner), PurchaseFactory(owner=other_user)

    def build(key, household_id, pk):
        return selectors.purchase_list(household_id=household_id).filter(pk=pk).values_list("pk", "product_name")

    read = PreparedRead(build, slots=("household_id", "pk"))
    assert read.rows("k", household_id=household_of(owner), pk=mine.pk) == [(mine.pk, mine.product_name)]
    assert read.rows("k", household_id=household_of(owner), pk=str(theirs.pk)) == []
    assert read.rows("k", household_id=household_of(other_user), pk=theirs.pk.hex) == [(theirs.pk, theirs.product_name)]
    with pytest.raises(ValueError, match="household_id"):
        PreparedRead(lambda key, household_id: Purchase.objects.values_list("pk"), slots=("household_id",)).rows(
            "k", household_id=household_of(owner)
        )
    with pytest.raises(ValueError):
        read.rows("k", household_id="not a uuid", pk=mine.pk)


def test_the_lean_objects_are_the_serializers_output(owner, varied):
    """The same objects as PurchaseSerializer gives for selector rows, compared as JSON text (types, order)."""
    from purchases.api import reads
    from purchases.api.serializers import PurchaseSerializer

    queryset = selectors.purchase_list(household_id=household_of(owner))
    lean = reads.render(list(reads.rows(queryset)))
    assert json.dumps(lean) == json.dumps(PurchaseSerializer(queryset, many=True).data)


def test_the_browsable_api_shows_the_lean_detail_and_list(client, owner, varied):
    client.force_login(owner)
    for url in (f"{URL}/{varied[3].pk}", URL):
        page = client.get(url, HTTP_ACCEPT="text/html")
        assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
        assert "日本語 テレビ" in page.content.decode()
    assert client.head(f"{URL}/{varied[3].pk}").status_code == 200
