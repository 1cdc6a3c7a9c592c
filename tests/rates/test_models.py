"""Constraints of Rate, checked by the database (both engines)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from rates.models import Rate

pytestmark = pytest.mark.django_db


def test_one_rate_per_currency_and_day(db):
    Rate.objects.create(currency="USD", day=date(2030, 1, 2), rate=Decimal("1.1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Rate.objects.create(currency="USD", day=date(2030, 1, 2), rate=Decimal("1.2"))


@pytest.mark.parametrize("value", [Decimal("0"), Decimal("-1.5")])
def test_a_rate_is_positive(db, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        Rate.objects.create(currency="USD", day=date(2030, 1, 3), rate=value)


def test_the_largest_and_finest_ecb_figures_are_stored_exactly(db):
    Rate.objects.create(currency="TRL", day=date(2030, 1, 4), rate=Decimal("1912400"))
    Rate.objects.create(currency="CYP", day=date(2030, 1, 4), rate=Decimal("0.585274"))
    assert Rate.objects.get(currency="TRL", day=date(2030, 1, 4)).rate == Decimal("1912400")
    assert Rate.objects.get(currency="CYP", day=date(2030, 1, 4)).rate == Decimal("0.585274")
