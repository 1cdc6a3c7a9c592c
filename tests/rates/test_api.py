"""GET /api/rates and POST /api/rates/import (API.md § Version 2 → Currencies): shapes, errors, permissions, and
what is in the database afterwards."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rates.models import Rate
from tests.conftest import token_client
from tests.factories import UserFactory
from tests.rates.conftest import NEWER, SHIPPED_ROWS, zipped

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(db):
    return token_client(UserFactory(username="root", is_staff=True, is_superuser=True))


def test_get_answers_the_cross_rate_of_the_day(owner_client, shipped_rates):
    response = owner_client.get("/api/rates", {"currency": "gbp", "date": "2024-03-17", "home": "JPY"})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "currency": "GBP",
        "home_currency": "JPY",
        "date": "2024-03-15",  # the publication day used (Friday for a Sunday)
        "rate": "189.7084651",
        "source": "ECB",
    }


def test_get_defaults_home_to_the_default_currency(owner_client, shipped_rates, settings):
    settings.DEFAULT_CURRENCY = "USD"
    response = owner_client.get("/api/rates/", {"currency": "EUR", "date": "2024-03-15"})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "currency": "EUR",
        "home_currency": "USD",
        "date": "2024-03-15",
        "rate": "1.0892",
        "source": "ECB",
    }


def test_get_without_a_date_asks_for_today(owner_client, shipped_rates, time_machine):
    time_machine.move_to("2024-03-16T12:00:00Z", tick=False)
    response = owner_client.get("/api/rates", {"currency": "EUR", "home": "USD"})
    assert response.json()["date"] == "2024-03-15"
    assert response.json()["rate"] == "1.0892"


def test_small_rates_are_plain_decimal_strings_at_ten_significant_digits(owner_client, shipped_rates):
    # 15 March 2024: 1 EUR = 17011.02 IDR = 0.8541 GBP; 0.8541 / 17011.02 = 0.0000502086294587...
    response = owner_client.get("/api/rates", {"currency": "IDR", "date": "2024-03-15", "home": "GBP"})
    assert response.json()["rate"] == "0.00005020862946"


def test_codes_the_code_list_no_longer_has_are_400_like_everywhere_else(owner_client, shipped_rates):
    # The ECB's history holds the lira (TRL) and the lev (BGN, euro since 2026), the app's code list does not.
    response = owner_client.get("/api/rates", {"currency": "TRL", "date": "2001-01-03", "home": "GBP"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["currency"]


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ({"currency": "USD", "date": "1998-06-01", "home": "EUR"}, {"date": None, "rate": None, "source": None}),
        ({"currency": "VND", "date": "2024-03-15", "home": "EUR"}, {"date": None, "rate": None, "source": None}),
        ({"currency": "JPY", "date": "1998-06-01", "home": "JPY"}, {"date": "1998-06-01", "rate": "1", "source": None}),
        ({"currency": "USD", "date": "0001-01-02", "home": "EUR"}, {"date": None, "rate": None, "source": None}),
        ({"currency": "USD", "date": "9999-12-31", "home": "EUR"}, {"date": None, "rate": None, "source": None}),
    ],
)
def test_get_without_an_ecb_rate(owner_client, shipped_rates, query, body):
    response = owner_client.get("/api/rates", query)
    assert response.status_code == 200, response.content
    assert response.json() == {"currency": query["currency"], "home_currency": query["home"], **body}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "US"}, "currency"),
        ({"currency": "USD", "date": "2024-02-30"}, "date"),
        ({"currency": "USD", "date": "15.03.2024"}, "date"),
        ({"currency": "USD", "home": "EURO"}, "home"),
    ],
)
def test_get_with_a_bad_parameter_is_400_on_that_parameter(owner_client, query, field):
    response = owner_client.get("/api/rates", query)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["errors"]) == [field]


def test_get_needs_a_sign_in(anon_client):
    response = anon_client.get("/api/rates", {"currency": "USD"})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def _upload(content: bytes, name="eurofxref-hist.csv"):
    return {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")}


def test_import_answers_the_counts_and_stores_the_rates(superuser_client, shipped_rates):
    response = superuser_client.post(
        "/api/rates/import", _upload(zipped(NEWER), "eurofxref-hist.zip"), format="multipart"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"days_added": 2, "rates_added": 5, "last_day": "2027-01-08"}
    assert Rate.objects.get(currency="JPY", day=date(2027, 1, 8)).rate == Decimal("170")
    again = superuser_client.post("/api/rates/import/", _upload(NEWER), format="multipart")
    assert again.status_code == 200, again.content
    assert again.json() == {"days_added": 0, "rates_added": 0, "last_day": "2027-01-08"}
    assert Rate.objects.count() == SHIPPED_ROWS + 5


def test_import_of_a_malformed_file_is_400_and_writes_nothing(superuser_client, shipped_rates):
    content = NEWER + b"2027-01-06,1.1,oops,0.86,\n"
    response = superuser_client.post("/api/rates/import", _upload(content), format="multipart")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert "JPY" in body["errors"]["file"][0]
    assert Rate.objects.count() == SHIPPED_ROWS


def test_import_without_a_file_is_400(superuser_client):
    response = superuser_client.post("/api/rates/import", {"other": "x"}, format="multipart")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["file"]


def test_import_over_the_size_limit_is_413(superuser_client, shipped_rates, settings):
    settings.IMPORT_MAX_UPLOAD_SIZE = 64
    response = superuser_client.post("/api/rates/import", _upload(NEWER), format="multipart")
    assert response.status_code == 413, response.content
    assert response.json()["code"] == "payload_too_large"
    assert Rate.objects.count() == SHIPPED_ROWS


@pytest.mark.parametrize("kind", ["user", "staff"])
def test_import_needs_a_superuser(kind, shipped_rates):
    client = token_client(UserFactory(username=kind, is_staff=kind == "staff"))
    response = client.post("/api/rates/import", _upload(NEWER), format="multipart")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Rate.objects.count() == SHIPPED_ROWS
