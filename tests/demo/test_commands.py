"""manage.py seed_data: the demo login, its token and the demo purchases."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

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
