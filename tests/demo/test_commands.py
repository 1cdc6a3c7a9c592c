"""manage.py seed_data: the demo login, its token, the read-only viewer and the demo purchases."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from households.choices import Role
from households.models import Household, Membership
from purchases.models import Purchase
from warranties.models import Warranty

pytestmark = pytest.mark.django_db


def _printed(out: str, label: str) -> str:
    return re.search(rf"^\s+{label}: (\S+)", out, re.MULTILINE).group(1)


def _api_status(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/purchases").status_code


def test_seed_data_prints_a_working_login_and_token(capsys, client, settings):
    settings.DEMO_PASSWORD = "kept-in-dot-env-0123"
    call_command("seed_data", "--purchases", "25", "--seed", "7")
    out = capsys.readouterr().out
    user = get_user_model().objects.get(username="demo")
    assert "username: demo" in out and _printed(out, "password") == "kept-in-dot-env-0123"
    assert user.check_password("kept-in-dot-env-0123") and user.is_staff
    credentials = {"username": "demo", "password": "kept-in-dot-env-0123", "next": "/admin/"}
    signed_in = client.post("/admin/login/", credentials)
    assert signed_in.status_code == 302 and client.get("/admin/").status_code == 200
    key = _printed(out, "API token")
    assert _api_status(key) == 200
    assert not user.api_tokens.filter(digest=key).exists()  # stored hashed, never in clear

    call_command("seed_data", "--purchases", "25")  # each run prints a fresh working token; the last one is revoked
    again = _printed(capsys.readouterr().out, "API token")
    assert again != key and _api_status(again) == 200 and _api_status(key) == 401
    assert list(user.api_tokens.values_list("name", flat=True)) == ["demo"]


def test_seed_data_without_a_configured_password_generates_one(capsys, settings):
    settings.DEMO_PASSWORD = ""
    call_command("seed_data", "--purchases", "0")
    out = capsys.readouterr().out
    password = _printed(out, "password")
    assert len(password) >= 16 and "spends-demo" not in password
    assert get_user_model().objects.get(username="demo").check_password(password)
    assert "set DEMO_PASSWORD" in out


def test_seed_data_is_idempotent_and_tops_up():
    call_command("seed_data", "--purchases", "20", "--seed", "1")
    call_command("seed_data", "--purchases", "20", "--seed", "1")
    assert Purchase.objects.count() == 20
    call_command("seed_data", "--purchases", "30", "--seed", "1")
    assert Purchase.objects.count() == 30
    assert get_user_model().objects.filter(username="demo").count() == 1


def test_seed_data_is_deterministic_with_a_seed():
    call_command("seed_data", "--purchases", "15", "--seed", "42")
    first = sorted(Purchase.objects.values_list("product_name", "price", "currency_code"))
    Purchase.objects.all().delete()
    call_command("seed_data", "--purchases", "15", "--seed", "42")
    assert sorted(Purchase.objects.values_list("product_name", "price", "currency_code")) == first


def test_seed_data_spreads_purchases_and_adds_warranties():
    call_command("seed_data", "--purchases", "200", "--seed", "3")
    dates = Purchase.objects.values_list("purchase_date", flat=True)
    assert (max(dates) - min(dates)).days > 365
    assert 0 < Warranty.objects.count() < 200
    assert Purchase.objects.filter(price__lt=0).count() == 0


VIEWER_LINE = re.compile(r"^\s+viewer login \(read-only\): username (\S+), password (\S+)$", re.MULTILINE)


def _token(username: str, password: str) -> str:
    response = APIClient().post(
        "/api/auth/token", {"username": username, "password": password, "name": "test"}, format="json"
    )
    assert response.status_code in (200, 201), response.content
    return response.json()["token"]


def test_seed_data_adds_a_read_only_viewer_to_the_demo_household(capsys, settings):
    settings.DEMO_PASSWORD = "kept-in-dot-env-0123"
    settings.DEMO_VIEWER_PASSWORD = "viewer-in-dot-env-4567"
    call_command("seed_data", "--purchases", "5", "--seed", "2")
    out = capsys.readouterr().out
    assert VIEWER_LINE.search(out).groups() == ("viewer", "viewer-in-dot-env-4567")
    assert out.index("username: demo") < out.index("viewer login")
    viewer = get_user_model().objects.get(username="viewer")
    assert not viewer.is_staff and not viewer.is_superuser
    demo = get_user_model().objects.get(username="demo")
    assert (viewer.membership.household_id, viewer.membership.role) == (demo.membership.household_id, Role.VIEWER)
    assert Household.objects.count() == 1  # the viewer's personal household was left empty, and is gone

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {_token('viewer', 'viewer-in-dot-env-4567')}")
    assert client.get("/api/purchases").json()["total"] == 5  # the demo household's purchases
    household = client.get("/api/household").json()
    assert household["my_role"] == "VIEWER"
    assert [(m["username"], m["role"]) for m in household["members"]] == [("demo", "OWNER"), ("viewer", "VIEWER")]
    refused = client.post("/api/purchases", {"product_name": "X", "price": "1", "purchase_date": "2025-01-01"})
    assert refused.status_code == 403 and Purchase.objects.count() == 5


def test_seed_data_keeps_the_viewer_in_the_demo_household_on_re_runs(capsys, settings):
    settings.DEMO_VIEWER_PASSWORD = ""
    call_command("seed_data", "--purchases", "3", "--seed", "1")
    first = VIEWER_LINE.search(capsys.readouterr().out).group(2)
    assert len(first) >= 16
    viewer = get_user_model().objects.get(username="viewer")
    household_id = viewer.membership.household_id
    # An owner made the viewer an editor meanwhile: a re-run gives the read-only login it prints.
    Membership.objects.filter(user=viewer).update(role=Role.EDITOR)
    call_command("seed_data", "--purchases", "3", "--seed", "1")
    out = capsys.readouterr().out
    assert "set DEMO_VIEWER_PASSWORD" in out
    second = VIEWER_LINE.search(out).group(2)
    viewer.refresh_from_db()
    assert viewer.check_password(second) and not viewer.check_password(first)
    membership = Membership.objects.get(user=viewer)
    assert (membership.household_id, membership.role) == (household_id, Role.VIEWER)
    assert get_user_model().objects.filter(username="viewer").count() == 1
    assert Household.objects.count() == 1 and Purchase.objects.count() == 3


def test_seed_data_brings_an_existing_viewer_account_into_the_demo_household(settings):
    settings.DEMO_VIEWER_PASSWORD = "viewer-in-dot-env-4567"
    viewer = get_user_model().objects.create_user(username="viewer", password="old")
    own = Purchase.objects.create(
        household_id=viewer.membership.household_id,
        created_by=viewer,
        product_name="Own",
        price="1.00",
        currency_code="USD",
        purchase_date="2025-01-01",
    )
    call_command("seed_data", "--purchases", "2", "--seed", "1")
    viewer.refresh_from_db()
    demo = get_user_model().objects.get(username="demo")
    assert viewer.membership.household_id == demo.membership.household_id
    own.refresh_from_db()
    assert own.household_id != demo.membership.household_id  # joined without its records: they stay behind
    assert viewer.check_password("viewer-in-dot-env-4567")


def test_seed_data_refuses_the_same_name_for_both_logins():
    with pytest.raises(CommandError, match="must differ"):
        call_command("seed_data", "--viewer-username", "demo")


def test_seed_data_buys_in_three_currencies_converted_at_the_reference_rate_of_their_day(shipped_rates):
    from purchases.choices import RateSource
    from rates.selectors import last_publication_day, rate_on
    from spends.money_sql import product_cents

    call_command("seed_data", "--purchases", "120", "--seed", "5")
    purchases = list(Purchase.objects.all())
    assert {purchase.currency_code for purchase in purchases} == {"USD", "EUR", "GBP"}  # USD: DEFAULT_CURRENCY
    last = last_publication_day()
    converted = 0
    for purchase in purchases:
        if purchase.currency_code == "USD":
            assert (purchase.exchange_rate, purchase.rate_source, purchase.home_price) == (1, None, purchase.price)
            continue
        expected, _day = rate_on(currency=purchase.currency_code, home_currency="USD", day=purchase.purchase_date)
        assert purchase.exchange_rate == expected
        if expected is None:  # after the last publication day stored (the shipped history ends there)
            assert purchase.purchase_date > last and (purchase.rate_source, purchase.home_price) == (None, None)
        else:
            assert purchase.rate_source == RateSource.ECB
            assert purchase.home_price == product_cents(purchase.price, expected)
            converted += 1
    assert converted >= 20
