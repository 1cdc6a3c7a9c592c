"""rates_import: the ECB's history file (CSV or zip) adds the (currency, day) rates not stored yet, idempotently;
a malformed file raises a plain ValidationError and writes nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from rates.ecb import shipped_history_bytes
from rates.models import Rate
from rates.services import rates_import
from tests.rates.conftest import NEWER, SHIPPED_ROWS, ecb_csv, zipped

pytestmark = pytest.mark.django_db


def test_import_adds_newer_days_and_a_second_import_adds_nothing(shipped_rates):
    first = rates_import(NEWER)
    assert first == {"days_added": 2, "rates_added": 5, "last_day": date(2027, 1, 8)}  # JPY "N/A" on 7 January
    assert Rate.objects.get(currency="GBP", day=date(2027, 1, 7)).rate == Decimal("0.8590")
    assert not Rate.objects.filter(currency="JPY", day=date(2027, 1, 7)).exists()
    second = rates_import(NEWER)
    assert second == {"days_added": 0, "rates_added": 0, "last_day": date(2027, 1, 8)}
    assert Rate.objects.count() == SHIPPED_ROWS + 5


def test_importing_the_shipped_history_again_adds_nothing(shipped_rates):
    assert rates_import(shipped_history_bytes()) == {"days_added": 0, "rates_added": 0, "last_day": date(2026, 10, 30)}
    assert Rate.objects.count() == SHIPPED_ROWS


def test_a_zip_imports_like_its_csv(db):
    assert rates_import(zipped(NEWER))["rates_added"] == 5


def test_a_stored_rate_is_kept_and_a_new_currency_on_a_known_day_is_added_without_a_new_day(db):
    Rate.objects.create(currency="USD", day=date(2027, 1, 8), rate=Decimal("1.2345"))
    report = rates_import(NEWER)
    assert report == {"days_added": 1, "rates_added": 4, "last_day": date(2027, 1, 8)}
    assert Rate.objects.get(currency="USD", day=date(2027, 1, 8)).rate == Decimal("1.2345")


def test_a_file_object_and_a_bom_are_read(db, tmp_path):
    path = tmp_path / "eurofxref-hist.csv"
    path.write_bytes(b"\xef\xbb\xbf" + NEWER.replace(b"\n", b"\r\n"))
    with path.open("rb") as handle:
        assert rates_import(handle)["rates_added"] == 5


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "first column"),
        (b"\xff\xfe\x00", "UTF-8"),
        (b"Day,USD\n2027-01-08,1.1\n", "first column"),
        (ecb_csv(header="Date,usd,"), "usd"),
        (ecb_csv(header="Date,EUR,"), "EUR"),
        (ecb_csv(header="Date,USD,USD,"), "each currency once"),
        (ecb_csv(header="Date,"), "each currency once"),
        (ecb_csv(), "no rates"),
        (ecb_csv("2027-01-08,N/A,,N/A,"), "no rates"),
        (ecb_csv("08/01/2027,1.1,170,0.86,"), "Line 2"),
        (ecb_csv("2027-02-30,1.1,170,0.86,"), "not a date"),
        (ecb_csv("2027-01-08,1.1,170,0.86,", "2027-01-08,1.1,170,0.86,"), "appears twice"),
        (ecb_csv("2027-01-08,1.1,abc,0.86,"), "Line 2, JPY"),
        (ecb_csv("2027-01-08,1.1,-170,0.86,"), "positive"),
        (ecb_csv("2027-01-08,0,170,0.86,"), "positive"),
        (ecb_csv("2027-01-08,1.1234567,170,0.86,"), "decimals"),
        (ecb_csv("2027-01-08,NaN,170,0.86,"), "positive"),
        (ecb_csv("2027-01-08,1.1,170,0.86,9,"), "without a currency"),
        (b"PK\x03\x04 not really a zip", "zip file cannot be read"),
        (zipped(b"x", name="readme.txt"), "exactly one CSV"),
    ],
)
def test_a_malformed_file_writes_nothing(shipped_rates, content, message):
    with pytest.raises(ValidationError) as caught:
        rates_import(content)
    assert message in " ".join(caught.value.messages)
    assert Rate.objects.count() == SHIPPED_ROWS


def test_a_bad_line_at_the_end_writes_nothing_of_the_good_ones(db):
    content = ecb_csv("2027-01-08,1.1,170,0.86,", "2027-01-07,1.1,170,0.86,", "2027-01-06,1.1,170,x,")
    with pytest.raises(ValidationError, match="Line 4, GBP"):
        rates_import(content)
    assert not Rate.objects.filter(day__gte=date(2027, 1, 1)).exists()
