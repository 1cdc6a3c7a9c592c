"""Return windows (API.md § Version 2): return_by, return_days on write, RETURNED with returned_on, ?returnable=,
and the database constraints behind them."""

import datetime
from datetime import UTC

import pytest
import time_machine
from django.db import IntegrityError, transaction

from purchases.choices import PurchaseStatus
from purchases.models import Purchase
from tests.assertions import assert_error
from tests.factories import PurchaseFactory

pytestmark = pytest.mark.django_db

URL = "/api/purchases"
TODAY = datetime.date(2025, 6, 15)


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(datetime.datetime(2025, 6, 15, 23, 30, tzinfo=UTC), tick=False):
        yield


def payload(**overrides):
    return {"product_name": "Kettle", "price": "20.00", "purchase_date": "2025-06-01", **overrides}


def test_new_purchase_has_no_window_and_is_not_returned(owner_client):
    body = owner_client.post(URL, payload(), format="json").json()
    assert body["return_by"] is None
    assert body["returned_on"] is None
    assert "return_days" not in body


def test_return_days_sets_return_by_from_the_purchase_date(owner_client):
    response = owner_client.post(URL, payload(return_days=30), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["return_by"] == "2025-07-01"
    assert Purchase.objects.get().return_by == datetime.date(2025, 7, 1)


def test_return_by_can_be_given_as_a_date(owner_client):
    body = owner_client.post(URL, payload(return_by="2025-06-20"), format="json").json()
    assert body["return_by"] == "2025-06-20"


def test_return_by_and_return_days_together_are_400_and_nothing_is_written(owner_client):
    response = owner_client.post(URL, payload(return_by="2025-06-20", return_days=3), format="json")
    assert_error(response, 400, "validation_error", {"return_days"})
    assert not Purchase.objects.exists()


@pytest.mark.parametrize("days", [-1, 3651, "x", 1.5])
def test_return_days_out_of_range_is_400(owner_client, days):
    response = owner_client.post(URL, payload(return_days=days), format="json")
    assert_error(response, 400, "validation_error", {"return_days"})
    assert not Purchase.objects.exists()


def test_return_days_past_the_last_date_is_400_not_500(owner_client):
    response = owner_client.post(URL, payload(purchase_date="9999-12-01", return_days=3650), format="json")
    assert_error(response, 400, "validation_error", {"return_days"})
    assert not Purchase.objects.exists()


def test_return_by_before_the_purchase_is_400(owner_client):
    response = owner_client.post(URL, payload(return_by="2025-05-31"), format="json")
    assert_error(response, 400, "validation_error", {"return_by"})
    assert not Purchase.objects.exists()


def test_return_days_is_applied_at_write_time_only(owner_client, owner):
    purchase = PurchaseFactory(owner=owner, purchase_date=datetime.date(2025, 6, 1))
    url = f"{URL}/{purchase.pk}"
    assert owner_client.patch(url, {"return_days": 14}, format="json").json()["return_by"] == "2025-06-15"
    # A new purchase date alone leaves the window where it was...
    body = owner_client.patch(url, {"purchase_date": "2025-06-05"}, format="json").json()
    assert body["return_by"] == "2025-06-15"
    # ...and moves it when return_days is given again, from the date written with it.
    body = owner_client.patch(url, {"purchase_date": "2025-06-10", "return_days": 14}, format="json").json()
    assert body["return_by"] == "2025-06-24"


def test_put_without_return_by_clears_the_window(owner_client, owner):
    purchase = PurchaseFactory(owner=owner, return_by=datetime.date(2025, 7, 1))
    body = owner_client.put(f"{URL}/{purchase.pk}", payload(), format="json").json()
    assert body["return_by"] is None


def test_returned_without_a_date_is_returned_today(owner_client, owner):
    purchase = PurchaseFactory(owner=owner, return_by=datetime.date(2025, 7, 1))
    response = owner_client.patch(f"{URL}/{purchase.pk}", {"status": "RETURNED"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "RETURNED"
    assert response.json()["returned_on"] == TODAY.isoformat()
    purchase.refresh_from_db()
    assert (purchase.status, purchase.returned_on) == (PurchaseStatus.RETURNED, TODAY)


def test_returned_with_a_date_keeps_it_and_a_put_keeps_it(owner_client, owner):
    body = owner_client.post(URL, payload(status="RETURNED", returned_on="2025-06-03"), format="json").json()
    assert body["returned_on"] == "2025-06-03"
    body = owner_client.put(f"{URL}/{body['id']}", payload(status="RETURNED"), format="json").json()
    assert body["returned_on"] == "2025-06-03"


def test_returned_on_with_another_status_is_400(owner_client, owner):
    response = owner_client.post(URL, payload(status="RECEIVED", returned_on="2025-06-03"), format="json")
    assert_error(response, 400, "validation_error", {"returned_on"})
    purchase = PurchaseFactory(owner=owner)
    response = owner_client.patch(f"{URL}/{purchase.pk}", {"returned_on": "2025-06-03"}, format="json")
    assert_error(response, 400, "validation_error", {"returned_on"})
    purchase.refresh_from_db()
    assert purchase.returned_on is None
    assert Purchase.objects.count() == 1


def test_returned_before_the_purchase_is_400(owner_client):
    response = owner_client.post(URL, payload(status="RETURNED", returned_on="2025-05-01"), format="json")
    assert_error(response, 400, "validation_error", {"returned_on"})
    assert not Purchase.objects.exists()


def test_unreturning_clears_the_return_date(owner_client, owner):
    purchase = PurchaseFactory(owner=owner, status=PurchaseStatus.RETURNED, returned_on=datetime.date(2025, 6, 2))
    body = owner_client.patch(f"{URL}/{purchase.pk}", {"status": "RECEIVED"}, format="json").json()
    assert (body["status"], body["returned_on"]) == ("RECEIVED", None)


def _ids(response):
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def test_returnable_filter(owner_client, owner, other_user):
    day = datetime.timedelta(days=1)
    open_today = PurchaseFactory(owner=owner, return_by=TODAY)
    open_later = PurchaseFactory(owner=owner, return_by=TODAY + 10 * day)
    closed = PurchaseFactory(owner=owner, return_by=TODAY - day)
    no_window = PurchaseFactory(owner=owner)
    returned = PurchaseFactory(
        owner=owner, return_by=TODAY + day, status=PurchaseStatus.RETURNED, returned_on=TODAY - day
    )
    PurchaseFactory(owner=other_user, return_by=TODAY + day)
    assert _ids(owner_client.get(URL, {"returnable": "true"})) == {str(open_today.pk), str(open_later.pk)}
    rest = {str(p.pk) for p in (closed, no_window, returned)}
    assert _ids(owner_client.get(URL, {"returnable": "false"})) == rest
    assert len(_ids(owner_client.get(URL))) == 5


@pytest.mark.parametrize("value", ["2", "1x", "maybe"])
def test_returnable_bad_value_is_400(owner_client, value):
    assert_error(owner_client.get(URL, {"returnable": value}), 400, "validation_error", {"returnable"})


def test_status_filter_returned(owner_client, owner):
    returned = PurchaseFactory(owner=owner, status=PurchaseStatus.RETURNED, returned_on=datetime.date(2025, 2, 1))
    PurchaseFactory(owner=owner)
    assert _ids(owner_client.get(URL, {"status": "RETURNED"})) == {str(returned.pk)}


@pytest.mark.parametrize(
    "fields",
    [
        {"status": PurchaseStatus.RETURNED},  # RETURNED without its date
        {"status": PurchaseStatus.RECEIVED, "returned_on": datetime.date(2025, 2, 1)},  # a date without RETURNED
        {"status": PurchaseStatus.RETURNED, "returned_on": datetime.date(2025, 1, 1)},  # returned before bought
        {"return_by": datetime.date(2025, 1, 14)},  # window ends before the purchase
    ],
)
def test_database_refuses_an_inconsistent_return_window(owner, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        PurchaseFactory(owner=owner, purchase_date=datetime.date(2025, 1, 15), **fields)
