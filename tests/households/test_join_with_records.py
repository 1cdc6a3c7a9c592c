"""Joining with one's records (#20): the purchases mover registered by `purchases` moves them all or nothing, with
their warranties and attachments, reports what moved and what looks like a duplicate, and the household's totals
add up at once for every member."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from attachments.models import Attachment
from households import registry
from households.models import Household, Membership
from purchases.models import Purchase
from tests.conftest import token_client
from tests.factories import PurchaseFactory, UserFactory, WarrantyFactory, household_of, member
from warranties.models import Warranty

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 3, 1)


def _invite(client, role="EDITOR") -> str:
    response = client.post("/api/household/invites", {"role": role}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["code"]


def _join(client, code, bring_data=True):
    return client.post("/api/household/join", {"code": code, "bring_data": bring_data}, format="json")


def _total(client) -> Decimal:
    summary = client.get("/api/analytics/summary?currency=USD")
    assert summary.status_code == 200, summary.content
    return Decimal(summary.json()["total_spent"])


@pytest.fixture
def pair():
    """Olivia's household with a purchase; Jack alone in his, with two purchases (one with a warranty and a receipt)."""
    olivia, jack = UserFactory(username="olivia"), UserFactory(username="jack")
    PurchaseFactory(owner=olivia, product_name="Fridge", price=Decimal("500.00"), currency_code="USD")
    kettle = PurchaseFactory(owner=jack, product_name="Kettle", price=Decimal("30.00"), currency_code="USD")
    WarrantyFactory(purchase=kettle)
    PurchaseFactory(owner=jack, product_name="Lamp", price=Decimal("20.25"), currency_code="USD")
    olivia_client, jack_client = token_client(olivia), token_client(jack)
    upload = jack_client.post(
        f"/api/purchases/{kettle.pk}/attachments", {"file": _receipt(), "kind": "RECEIPT"}, format="multipart"
    )
    assert upload.status_code == 201, upload.content
    return olivia, jack, olivia_client, jack_client


def _receipt():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("receipt.txt", b"paid 30.00", content_type="text/plain")


def test_join_with_records_moves_them_and_every_member_sees_the_sum(pair):
    olivia, jack, olivia_client, jack_client = pair
    assert _total(olivia_client) == Decimal("500.00")  # cached now: the move must still show
    old_household = household_of(jack)

    response = _join(jack_client, _invite(olivia_client))

    assert response.status_code == 200, response.content
    assert response.json()["moved"] == {"purchases": 2, "warranties": 1, "attachments": 1, "duplicates": []}
    shared = household_of(olivia)
    assert household_of(jack) == shared
    assert set(Purchase.objects.filter(household_id=shared).values_list("product_name", flat=True)) == {
        "Fridge",
        "Kettle",
        "Lamp",
    }
    assert Purchase.objects.get(product_name="Kettle").created_by == jack  # who added it is kept
    assert not Household.objects.filter(pk=old_household).exists()  # empty and memberless: gone
    assert _total(olivia_client) == _total(jack_client) == Decimal("550.25")
    for client in (olivia_client, jack_client):
        listed = client.get("/api/purchases").json()
        assert listed["total"] == 3
    kettle = Purchase.objects.get(product_name="Kettle")
    assert Warranty.objects.get(purchase=kettle) and Attachment.objects.filter(purchase=kettle).count() == 1
    assert olivia_client.get(f"/api/purchases/{kettle.pk}/attachments").json()["total"] == 1


def test_join_without_records_leaves_them_behind(pair):
    olivia, jack, olivia_client, jack_client = pair
    old_household = household_of(jack)

    response = _join(jack_client, _invite(olivia_client), bring_data=False)

    assert response.status_code == 200, response.content
    assert response.json()["moved"] == {}
    assert Purchase.objects.filter(household_id=old_household).count() == 2  # kept, with the household
    assert Household.objects.filter(pk=old_household).exists()
    assert jack_client.get("/api/purchases").json()["total"] == 1  # Olivia's fridge only
    assert _total(jack_client) == Decimal("500.00")


def test_a_member_who_is_not_the_last_brings_only_what_they_added(pair):
    olivia, jack, olivia_client, jack_client = pair
    flatmate = member(Membership.objects.get(user=jack).household, role="OWNER", username="flatmate")
    PurchaseFactory(owner=flatmate, product_name="Flatmate's desk")
    old_household = household_of(jack)

    response = _join(jack_client, _invite(olivia_client))

    assert response.status_code == 200, response.content
    assert response.json()["moved"]["purchases"] == 2
    assert list(Purchase.objects.filter(household_id=old_household).values_list("product_name", flat=True)) == [
        "Flatmate's desk"
    ]


def test_records_that_look_like_the_households_own_move_and_are_listed(pair):
    olivia, jack, olivia_client, jack_client = pair
    twin = PurchaseFactory(
        owner=jack,
        product_name="FRIDGE",
        price=Decimal("500.00"),
        currency_code="USD",
        purchase_date=Purchase.objects.get(product_name="Fridge").purchase_date,
    )

    response = _join(jack_client, _invite(olivia_client))

    assert response.status_code == 200, response.content
    assert response.json()["moved"]["duplicates"] == [str(twin.pk)]
    assert response.json()["moved"]["purchases"] == 3
    assert Purchase.objects.filter(household_id=household_of(olivia), product_name__iexact="fridge").count() == 2


def test_a_move_is_all_or_nothing(pair):
    olivia, jack, olivia_client, jack_client = pair
    old_household = household_of(jack)
    before = sorted(Purchase.objects.values_list("pk", "household_id"))

    def refuse(**kwargs):
        raise ValidationError("A later mover refuses.")

    code = _invite(olivia_client)
    with registry.registered("zz-refuses", mover=refuse):
        response = _join(jack_client, code)

    assert response.status_code == 400, response.content
    assert sorted(Purchase.objects.values_list("pk", "household_id")) == before
    assert household_of(jack) == old_household
    assert _join(jack_client, code).status_code == 200  # the invite was not used up by the failed join
