"""Small fixed datasets for the analytics tests; every expected number in the tests is worked out by hand."""

import datetime
from decimal import Decimal

import pytest

from purchases.choices import PurchaseStatus
from tests.factories import BrandFactory, PurchaseFactory, RetailerFactory, WarrantyFactory
from warranties.choices import WarrantyStatus, WarrantyType

D = datetime.date
UTC = datetime.UTC


# Every analytics endpoint under /api/analytics/ (the cache-outage tests in tests/spends use this list too).
ENDPOINTS = [
    "spending",
    "spending/by-period",
    "summary",
    "warranties/timeline",
    "warranties/summary",
    "retailers",
    "brands",
    "top-products",
    "recent-purchases",
    "recent-warranties",
    "dashboard",
]


def buy(owner, day, price, currency="USD", *, name="Thing", status=PurchaseStatus.RECEIVED, **fields):
    return PurchaseFactory(
        owner=owner,
        purchase_date=day,
        price=Decimal(price),
        currency_code=currency,
        product_name=name,
        status=status,
        **fields,
    )


def warranty(owner, start, end, *, status=WarrantyStatus.ACTIVE, kind=WarrantyType.LIMITED):
    return WarrantyFactory(
        purchase=buy(owner, start, "1.00", name="Covered"),
        warranty_start=start,
        warranty_end=end,
        status=status,
        warranty_type=kind,
    )


@pytest.fixture
def spending_data(owner, other_user):
    """Today is 2024-03-15 (2024 is a leap year). USD: 7 purchases, 193.50 in all; EUR: 999.00 on Feb 29."""
    buy(owner, D(2023, 3, 31), "50.00")  # one month before a 12-month window
    buy(owner, D(2023, 4, 1), "7.00")  # first day of the 12-month window
    buy(owner, D(2024, 1, 31), "9.99")  # last day of January
    buy(owner, D(2024, 2, 1), "20.50")  # first day of February
    buy(owner, D(2024, 2, 29), "100.00")  # leap day
    buy(owner, D(2024, 3, 1), "5.01", status=PurchaseStatus.ORDERED)
    buy(owner, D(2024, 3, 31), "1.00", status=PurchaseStatus.ORDERED)  # later this month
    buy(owner, D(2024, 2, 29), "999.00", "EUR")
    buy(other_user, D(2024, 2, 29), "500.00")  # never counted for owner
    buy(other_user, D(2024, 3, 2), "3.00", "GBP")


@pytest.fixture
def warranty_data(owner, other_user):
    """Today is 2025-03-10; months Jan (last day 01-31), Feb (02-28), Mar (today, 03-10)."""
    return {
        "w1": warranty(owner, D(2024, 6, 1), D(2025, 2, 15)),
        "w2": warranty(owner, D(2025, 1, 10), D(2025, 3, 5)),
        "w3": warranty(owner, D(2025, 2, 1), None, kind=WarrantyType.LIFETIME),
        "w4": warranty(owner, D(2024, 1, 1), D(2025, 2, 20), status=WarrantyStatus.VOIDED),
        "w5": warranty(owner, D(2024, 1, 1), D(2025, 3, 31)),
        "w6": warranty(owner, D(2025, 1, 1), D(2025, 1, 31)),  # ends on the last day of January
        "w8": warranty(owner, D(2025, 1, 1), D(2025, 4, 9)),  # today + 30
        "w9": warranty(owner, D(2025, 1, 1), D(2025, 4, 10)),  # today + 31
        "other": warranty(other_user, D(2025, 1, 1), D(2025, 3, 20)),
    }


@pytest.fixture
def catalog_data(owner, other_user):
    """USD: Alpha Store 3 (60.00), no retailer 2 (3.00), beta store 1 (5.00), Gamma 1 (7.50); EUR: Gamma 1."""
    alpha = RetailerFactory(name="Alpha Store")
    beta = RetailerFactory(name="beta store")
    gamma = RetailerFactory(name="Gamma")
    xeno = BrandFactory(name="Xeno Brand")
    day = D(2025, 1, 10)
    buy(owner, day, "10.00", retailer=alpha, brand=xeno)
    buy(owner, day, "20.00", retailer=alpha, brand=xeno)
    buy(owner, day, "30.00", retailer=alpha)
    buy(owner, day, "1.00")
    buy(owner, day, "2.00")
    buy(owner, day, "5.00", retailer=beta)
    buy(owner, day, "7.50", retailer=gamma)
    buy(owner, day, "80.00", "EUR", retailer=gamma)
    buy(other_user, day, "1000.00", retailer=alpha, brand=xeno)
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "xeno": xeno}


@pytest.fixture
def product_data(owner, other_user):
    """Names grouped case-insensitively and trimmed; named by the most recent spelling."""
    buy(owner, D(2025, 1, 1), "12.00", name="Coffee Beans")
    buy(owner, D(2025, 2, 1), "13.00", name="  coffee beans ")  # the newest spelling, untrimmed in the row
    buy(owner, D(2025, 1, 15), "11.00", name="COFFEE BEANS")
    buy(owner, D(2025, 1, 1), "0.01", name="Cable")
    buy(owner, D(2025, 1, 2), "0.02", name="cable")  # 0.03 / 2 = 0.015: rounds half up to 0.02
    buy(owner, D(2025, 1, 3), "5.00", name="Zeta")
    buy(owner, D(2025, 1, 3), "5.00", name="Alpha")
    buy(owner, D(2025, 1, 3), "40.00", name="Mouse")
    buy(owner, D(2025, 1, 3), "99.00", "EUR", name="Mouse")
    buy(other_user, D(2025, 1, 3), "9.00", name="Coffee Beans")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The users' passwords play no part here; the default PBKDF2 hasher costs ~0.25 s per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
