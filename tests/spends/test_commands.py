"""manage.py seed_data and the seeded catalog."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from catalog.models import Brand, Retailer
from purchases.models import Purchase
from warranties.models import Warranty

pytestmark = pytest.mark.django_db


def test_default_retailers_and_brands_are_seeded_by_migration():
    assert Retailer.objects.count() >= 12 and Brand.objects.count() >= 12
    assert Retailer.objects.filter(name="Amazon").exists()
    assert Brand.objects.filter(name="Apple").exists()


def test_seed_data_prints_a_working_login_and_token(capsys, client):
    call_command("seed_data", "--purchases", "25", "--seed", "7")
    out = capsys.readouterr().out
    user = get_user_model().objects.get(username="demo")
    token = Token.objects.get(user=user)
    assert "username: demo" in out and "password: spends-demo-2026" in out and token.key in out
    assert user.check_password("spends-demo-2026") and user.is_staff
    assert client.login(username="demo", password="spends-demo-2026")
    assert client.get("/admin/").status_code == 200


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
