"""rate_on / rates_for against the shipped ECB history and hand-made days: nearest earlier day (at most 7 back, both
currencies on the same day), cross rates through the euro in Decimal, exact to the documented precision."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from rates.models import Rate
from rates.selectors import CROSS_RATE_SIGNIFICANT_DIGITS, cross_rate, last_publication_day, rate_on, rates_for

pytestmark = pytest.mark.django_db


def test_the_migration_loaded_the_shipped_history(shipped_rates):
    # The ECB's published figure for 15 March 2024: 1 EUR = 1.0892 USD (eurofxref-hist.csv).
    assert Rate.objects.get(currency="USD", day=date(2024, 3, 15)).rate == Decimal("1.0892")
    assert Rate.objects.get(currency="JPY", day=date(1999, 1, 4)).rate == Decimal("133.73")
    assert Rate.objects.count() == 221_702
    assert last_publication_day() == date(2026, 10, 30)
    assert not Rate.objects.filter(currency="EUR").exists()
    assert not Rate.objects.filter(currency="USD", day=date(2024, 3, 16)).exists()  # a Saturday: no publication


def test_a_known_day_against_the_euro_is_the_ecbs_figure_exactly(shipped_rates):
    assert rate_on(currency="EUR", home_currency="USD", day=date(2024, 3, 15)) == (Decimal("1.0892"), date(2024, 3, 15))
    # USD → EUR is the inverse, at 10 significant digits, half-even: 1 / 1.0892 = 0.91810503121557...
    assert rate_on(currency="USD", home_currency="EUR", day=date(2024, 3, 15)) == (
        Decimal("0.9181050312"),
        date(2024, 3, 15),
    )


def test_a_sunday_uses_fridays_rate(shipped_rates):
    assert rate_on(currency="EUR", home_currency="USD", day=date(2024, 3, 17)) == (Decimal("1.0892"), date(2024, 3, 15))


def test_1998_has_no_rate(shipped_rates):
    assert rate_on(currency="USD", home_currency="EUR", day=date(1998, 6, 1)) == (None, None)
    # The first days of 1999 bridge back only to 4 January, the first publication.
    assert rate_on(currency="USD", home_currency="EUR", day=date(1999, 1, 3)) == (None, None)


def test_gbp_to_jpy_goes_through_the_euro_exact_to_the_decimal(shipped_rates):
    # 15 March 2024: 1 EUR = 162.03 JPY = 0.8541 GBP, so 1 GBP = 162.03 / 0.8541 = 189.70846505093... JPY.
    rate, day = rate_on(currency="GBP", home_currency="JPY", day=date(2024, 3, 15))
    assert (rate, day) == (Decimal("189.7084651"), date(2024, 3, 15))
    assert len(rate.as_tuple().digits) == CROSS_RATE_SIGNIFICANT_DIGITS
    assert rate_on(currency="JPY", home_currency="GBP", day=date(2024, 3, 15)) == (
        Decimal("0.005271246066"),  # 0.8541 / 162.03 = 0.00527124606554341...
        date(2024, 3, 15),
    )


def test_cross_rates_round_half_even_at_the_last_significant_digit():
    # Ties at the 11th significant digit go to the even 10th digit (half-up would give ...001 and ...003).
    assert cross_rate(per_euro_home=Decimal("1.0000000005"), per_euro_currency=Decimal("1")) == Decimal("1")
    assert cross_rate(per_euro_home=Decimal("1.0000000015"), per_euro_currency=Decimal("1")) == Decimal("1.000000002")
    assert cross_rate(per_euro_home=Decimal("1.0000000025"), per_euro_currency=Decimal("1")) == Decimal("1.000000002")
    assert cross_rate(per_euro_home=Decimal("2"), per_euro_currency=Decimal("3")) == Decimal("0.6666666667")
    # Exact quotients keep their shortest form (no padding zeros): the ECB's own figure comes out as published.
    assert str(cross_rate(per_euro_home=Decimal("1.089200"), per_euro_currency=Decimal("1"))) == "1.0892"


def test_the_same_currency_is_one_without_a_publication():
    assert rate_on(currency="JPY", home_currency="JPY", day=date(1998, 1, 1)) == (Decimal("1"), date(1998, 1, 1))
    assert rate_on(currency="EUR", home_currency="EUR", day=date(2024, 3, 16)) == (Decimal("1"), date(2024, 3, 16))


def test_a_currency_the_ecb_does_not_publish_has_no_rate(shipped_rates):
    assert rate_on(currency="VND", home_currency="EUR", day=date(2024, 3, 15)) == (None, None)
    assert rate_on(currency="USD", home_currency="VND", day=date(2024, 3, 15)) == (None, None)


def test_the_nearest_earlier_day_goes_back_seven_days_at_most(db):
    Rate.objects.create(currency="USD", day=date(2027, 2, 1), rate=Decimal("1.2"))
    assert rate_on(currency="EUR", home_currency="USD", day=date(2027, 2, 8)) == (Decimal("1.2"), date(2027, 2, 1))
    assert rate_on(currency="EUR", home_currency="USD", day=date(2027, 2, 9)) == (None, None)  # 8 days: too far
    assert rate_on(currency="EUR", home_currency="USD", day=date(2027, 1, 31)) == (None, None)  # nothing earlier


def test_a_gap_of_more_than_seven_days_in_the_shipped_history_has_no_rate(shipped_rates):
    # The ECB stopped publishing the rouble after 1 March 2022.
    assert Rate.objects.filter(currency="RUB").latest("day").day == date(2022, 3, 1)
    assert rate_on(currency="RUB", home_currency="EUR", day=date(2022, 3, 8))[1] == date(2022, 3, 1)
    assert rate_on(currency="RUB", home_currency="EUR", day=date(2022, 3, 9)) == (None, None)


def test_both_currencies_come_from_the_same_publication_day(db):
    Rate.objects.create(currency="USD", day=date(2027, 1, 8), rate=Decimal("1.1"))  # Friday: USD only
    Rate.objects.create(currency="USD", day=date(2027, 1, 7), rate=Decimal("1.0"))
    Rate.objects.create(currency="GBP", day=date(2027, 1, 7), rate=Decimal("0.8"))
    assert rate_on(currency="GBP", home_currency="USD", day=date(2027, 1, 10)) == (Decimal("1.25"), date(2027, 1, 7))
    assert rate_on(currency="EUR", home_currency="USD", day=date(2027, 1, 10)) == (Decimal("1.1"), date(2027, 1, 8))


def test_rates_for_answers_every_pair_in_one_query(shipped_rates, django_assert_num_queries):
    days = [date(2024, 3, 15) + timedelta(days=n) for n in range(-30, 30)] + [date(1998, 1, 1)]
    with django_assert_num_queries(1):
        found = rates_for(currencies=["GBP", "USD", "JPY", "VND"], home_currency="JPY", days=days)
    assert len(found) == 4 * len(days)
    for (currency, day), answer in found.items():
        assert answer == rate_on(currency=currency, home_currency="JPY", day=day)
    assert found[("GBP", date(2024, 3, 15))] == (Decimal("189.7084651"), date(2024, 3, 15))
    assert found[("JPY", date(1998, 1, 1))] == (Decimal("1"), date(1998, 1, 1))
    assert found[("USD", date(1998, 1, 1))] == (None, None)


def test_rate_on_is_one_query(shipped_rates, django_assert_num_queries):
    with django_assert_num_queries(1):
        rate_on(currency="GBP", home_currency="USD", day=date(2024, 3, 17))
