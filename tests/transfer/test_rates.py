"""Import and export of a purchase's conversion (API.md § Currencies; #22): exports carry exchange_rate, rate_source
and home_price; an import keeps a MANUAL rate and works every other one out from the reference rates of the importing
household's home currency, in Python before the write (one query of reference rates per currency, #24)."""

import datetime
import json
from decimal import ROUND_HALF_EVEN, Context, Decimal

import pytest

from households.models import Household
from purchases import conversion
from purchases.choices import RateSource
from purchases.models import Purchase
from tests.factories import household_of
from tests.transfer.conftest import csv_rows, csv_text, export_csv, export_json, import_file
from transfer import services as transfer

pytestmark = pytest.mark.usefixtures("shipped_rates")

DAY = "2024-03-15"  # ECB: 1 EUR = 1.0892 USD = 0.8541 GBP = 162.03 JPY
SUNDAY = "2024-03-17"  # Friday's rates
GBP_IN_USD = Context(prec=10, rounding=ROUND_HALF_EVEN).divide(Decimal("1.0892"), Decimal("0.8541"))
USD_IN_EUR = Context(prec=10, rounding=ROUND_HALF_EVEN).divide(Decimal("1"), Decimal("1.0892"))
HEADER = "product_name,price,currency_code,purchase_date"
RATE_HEADER = HEADER + ",exchange_rate,rate_source"


def conversions(user) -> dict[str, tuple]:
    """product_name → (exchange_rate, rate_source, home_price) of the user's household's purchases."""
    rows = Purchase.objects.filter(household_id=household_of(user))
    return {
        name: (None if rate is None else rate.normalize(), source, home)
        for name, rate, source, home in rows.values_list("product_name", "exchange_rate", "rate_source", "home_price")
    }


def home_currency(user, code: str) -> None:
    Household.objects.filter(pk=household_of(user)).update(home_currency=code)


def as_file(kind: str, rows: list[dict]):
    """The rows as an import file of `kind`: a CSV with the rows' keys as columns, or a version-2 JSON document."""
    if kind == "json":
        return {"format": "spends-tracker", "version": 2, "purchases": rows}
    keys = list(rows[0])
    return csv_text(*(",".join(str(row.get(key) or "") for key in keys) for row in rows), header=",".join(keys))


def row(name, price, currency, day=DAY, **rates) -> dict:
    return {"product_name": name, "price": price, "currency_code": currency, "purchase_date": day, **rates}


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_an_import_without_rates_computes_them_from_the_reference_rates(owner, owner_client, kind):
    rows = [
        row("Euro", "100.00", "EUR"),
        row("Pound on a Sunday", "50.00", "GBP", SUNDAY),
        row("Dollar", "10.00", "USD"),
        row("Peso", "10.00", "ARS"),  # the ECB does not publish it
        row("Old", "10.00", "EUR", "1998-06-01"),  # before the euro
    ]
    response = import_file(owner_client, kind, as_file(kind, rows))
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 5
    assert conversions(owner) == {
        "Euro": (Decimal("1.0892"), RateSource.ECB, Decimal("108.92")),
        "Pound on a Sunday": (GBP_IN_USD, RateSource.ECB, (Decimal("50") * GBP_IN_USD).quantize(Decimal("0.01"))),
        "Dollar": (Decimal("1"), None, Decimal("10.00")),
        "Peso": (None, None, None),
        "Old": (None, None, None),
    }


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_a_rate_the_file_took_from_the_ecb_is_recomputed_never_trusted(owner, owner_client, kind):
    # An export of a household whose home currency is the euro: its USD purchase's rate is to EUR.
    rows = [
        row("Dollar", "100.00", "USD", exchange_rate=str(USD_IN_EUR), rate_source="ECB"),
        row("Euro", "100.00", "EUR", exchange_rate="1", rate_source=""),
        row("Wrong", "100.00", "EUR", exchange_rate="7.5", rate_source="ECB"),
    ]
    response = import_file(owner_client, kind, as_file(kind, rows))
    assert response.status_code == 200, response.json()
    assert conversions(owner) == {
        "Dollar": (Decimal("1"), None, Decimal("100.00")),
        "Euro": (Decimal("1.0892"), RateSource.ECB, Decimal("108.92")),
        "Wrong": (Decimal("1.0892"), RateSource.ECB, Decimal("108.92")),
    }


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_a_manual_rate_round_trips_into_a_fresh_household(owner_client, other_user, other_client, kind):
    created = owner_client.post(
        "/api/purchases",
        {
            "product_name": "Set by hand",
            "price": "33.33",
            "currency_code": "EUR",
            "purchase_date": DAY,
            "exchange_rate": "1.115",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    owner_client.post(
        "/api/purchases",
        {"product_name": "Reference", "price": "10.00", "currency_code": "GBP", "purchase_date": DAY},
        format="json",
    )
    if kind == "json":
        document = export_json(owner_client)
        exported = {obj["product_name"]: obj for obj in document["purchases"]}
        content = json.dumps(document)
    else:
        content = export_csv(owner_client)
        exported = {cells["product_name"]: cells for cells in csv_rows(content)}
        content = content.encode("utf-8")
    assert (exported["Set by hand"]["exchange_rate"], exported["Set by hand"]["rate_source"]) == ("1.115", "MANUAL")
    # 33.33 × 1.115 = 37.16295: half-even to cents.
    assert exported["Set by hand"]["home_price"] == "37.16"
    assert exported["Reference"]["rate_source"] == "ECB"
    assert exported["Reference"]["exchange_rate"] == f"{GBP_IN_USD:f}"

    response = import_file(other_client, kind, content)
    assert response.status_code == 200, response.json()
    assert conversions(other_user) == {
        "Set by hand": (Decimal("1.115"), RateSource.MANUAL, Decimal("37.16")),
        "Reference": (GBP_IN_USD, RateSource.ECB, (Decimal("10") * GBP_IN_USD).quantize(Decimal("0.01"))),
    }


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_ecb_rates_of_an_export_are_recomputed_for_the_importing_households_home_currency(
    owner_client, other_user, other_client, kind
):
    for currency in ("USD", "EUR", "JPY"):
        owner_client.post(
            "/api/purchases",
            {"product_name": currency, "price": "1000.00", "currency_code": currency, "purchase_date": DAY},
            format="json",
        )
    content = json.dumps(export_json(owner_client)) if kind == "json" else export_csv(owner_client).encode("utf-8")
    home_currency(other_user, "EUR")
    response = import_file(other_client, kind, content)
    assert response.status_code == 200, response.json()
    jpy_in_eur = Context(prec=10, rounding=ROUND_HALF_EVEN).divide(Decimal("1"), Decimal("162.03"))
    assert conversions(other_user) == {
        "USD": (USD_IN_EUR, RateSource.ECB, (Decimal("1000") * USD_IN_EUR).quantize(Decimal("0.01"))),
        "EUR": (Decimal("1"), None, Decimal("1000.00")),
        "JPY": (jpy_in_eur, RateSource.ECB, (Decimal("1000") * jpy_in_eur).quantize(Decimal("0.01"))),
    }


def test_an_exchange_rate_without_any_rate_source_is_a_manual_rate(owner, owner_client):
    content = csv_text("Hand made,20.00,GBP,2024-03-15,1.25", header=HEADER + ",exchange_rate")
    response = import_file(owner_client, "csv", content)
    assert response.status_code == 200, response.json()
    assert conversions(owner) == {"Hand made": (Decimal("1.25"), RateSource.MANUAL, Decimal("25.00"))}


@pytest.mark.parametrize(
    ("cells", "field", "message"),
    [
        ("1.2,SOMEONE", "rate_source", "Must be ECB, MANUAL or empty."),
        (",MANUAL", "exchange_rate", "A MANUAL rate source needs its exchange rate."),
        ("0,MANUAL", "exchange_rate", "An exchange rate must be greater than 0."),
        ("1.00000000001,MANUAL", "exchange_rate", "An exchange rate has at most 10 significant digits."),
    ],
)
def test_a_bad_rate_is_the_rows_error_and_nothing_is_written(owner, owner_client, cells, field, message):
    content = csv_text("Fine,1.00,EUR,2024-03-15,,", f"Bad,1.00,EUR,2024-03-15,{cells}", header=RATE_HEADER)
    response = import_file(owner_client, "csv", content)
    assert response.status_code == 400, response.json()
    assert response.json()["errors"] == [{"row": 2, "line": 3, "field": field, "message": message}]
    assert conversions(owner) == {}


def test_a_manual_rate_in_the_home_currency_must_be_one(owner, owner_client):
    content = csv_text("Home,1.00,USD,2024-03-15,1.5,MANUAL", "One,2.00,USD,2024-03-15,1,MANUAL", header=RATE_HEADER)
    response = import_file(owner_client, "csv", content)
    assert response.status_code == 400, response.json()
    assert response.json()["errors"] == [
        {
            "row": 1,
            "line": 2,
            "field": "exchange_rate",
            "message": "A purchase in the home currency (USD) has the exchange rate 1; leave it out or send 1.",
        }
    ]
    assert conversions(owner) == {}


def _update(owner, content: str, header: str = HEADER + ",notes") -> dict:
    return transfer.purchases_import(
        household_id=household_of(owner),
        created_by=owner,
        table=transfer.parse_csv(csv_text(content, header=header).encode("utf-8")),
        on_duplicate="update",
    )


def _one(owner) -> Purchase:
    return Purchase.objects.get(household_id=household_of(owner))


def test_an_update_that_changes_the_price_date_or_currency_reconverts(owner, owner_client):
    created = owner_client.post(
        "/api/purchases",
        {"product_name": "Lamp", "price": "100.00", "currency_code": "EUR", "purchase_date": DAY},
        format="json",
    ).json()
    header = "id," + HEADER
    assert _update(owner, f"{created['id']},Lamp,200.00,EUR,{DAY}", header)["updated"] == 1
    assert conversions(owner)["Lamp"] == (Decimal("1.0892"), RateSource.ECB, Decimal("217.84"))
    assert _update(owner, f"{created['id']},Lamp,200.00,GBP,{SUNDAY}", header)["updated"] == 1
    expected = (GBP_IN_USD, RateSource.ECB, (Decimal("200") * GBP_IN_USD).quantize(Decimal("0.01")))
    assert conversions(owner)["Lamp"] == expected
    assert _update(owner, f"{created['id']},Lamp,200.00,GBP,1998-01-05", header)["updated"] == 1
    assert conversions(owner)["Lamp"] == (None, None, None)


def test_an_update_keeps_a_manual_rate_unless_the_file_or_the_currency_changes_it(owner, owner_client):
    created = owner_client.post(
        "/api/purchases",
        {
            "product_name": "Lamp",
            "price": "100.00",
            "currency_code": "EUR",
            "purchase_date": DAY,
            "exchange_rate": "1.5",
        },
        format="json",
    ).json()
    pid = created["id"]
    # A version-1 file (no rate columns): the rate set by hand stays, the home price follows the price.
    assert _update(owner, f"{pid},Lamp,10.00,EUR,{DAY},new notes", "id," + HEADER + ",notes")["updated"] == 1
    assert conversions(owner)["Lamp"] == (Decimal("1.5"), RateSource.MANUAL, Decimal("15.00"))
    # The same MANUAL rate in the file: nothing to change.
    assert _update(owner, f"{pid},Lamp,10.00,EUR,{DAY},1.5,MANUAL", "id," + RATE_HEADER)["skipped"] == 1
    # Another MANUAL rate.
    assert _update(owner, f"{pid},Lamp,10.00,EUR,{DAY},1.25,MANUAL", "id," + RATE_HEADER)["updated"] == 1
    assert conversions(owner)["Lamp"] == (Decimal("1.25"), RateSource.MANUAL, Decimal("12.50"))
    # The currency changes (no rate columns): the hand-set rate was for the other currency.
    assert _update(owner, f"{pid},Lamp,10.00,GBP,{DAY}", "id," + HEADER)["updated"] == 1
    assert conversions(owner)["Lamp"][1:] == (RateSource.ECB, (Decimal("10") * GBP_IN_USD).quantize(Decimal("0.01")))
    # Set by hand again, then a file that says ECB: the reference rate applies.
    assert _update(owner, f"{pid},Lamp,10.00,GBP,{DAY},2,MANUAL", "id," + RATE_HEADER)["updated"] == 1
    assert conversions(owner)["Lamp"] == (Decimal("2"), RateSource.MANUAL, Decimal("20.00"))
    assert _update(owner, f"{pid},Lamp,10.00,GBP,{DAY},2,ECB", "id," + RATE_HEADER)["updated"] == 1
    assert conversions(owner)["Lamp"][:2] == (GBP_IN_USD, RateSource.ECB)


def test_only_the_written_rows_are_converted(owner, owner_client):
    """The import's re-conversion covers the rows it wrote: a purchase it does not touch keeps what it has."""
    owner_client.post(
        "/api/purchases",
        {"product_name": "Before", "price": "10.00", "currency_code": "EUR", "purchase_date": DAY},
        format="json",
    )
    Purchase.objects.filter(product_name="Before").update(exchange_rate=Decimal("3"), home_price=Decimal("30.00"))
    response = import_file(owner_client, "csv", csv_text(f"New,10.00,EUR,{DAY}", header=HEADER))
    assert response.status_code == 200, response.json()
    assert conversions(owner) == {
        "Before": (Decimal("3"), RateSource.ECB, Decimal("30.00")),
        "New": (Decimal("1.0892"), RateSource.ECB, Decimal("10.89")),
    }


def test_a_dry_run_writes_no_rate(owner, owner_client):
    response = import_file(owner_client, "csv", csv_text(f"New,10.00,EUR,{DAY}", header=HEADER), dry_run="true")
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 1
    assert conversions(owner) == {}


def test_the_day_is_a_date_of_the_file(owner, owner_client):
    # The purchase date decides, not the import's day.
    response = import_file(owner_client, "csv", csv_text("Old Sunday,10.00,EUR,2024-03-17", header=HEADER))
    assert response.status_code == 200
    purchase = _one(owner)
    assert purchase.purchase_date == datetime.date(2024, 3, 17)
    assert purchase.exchange_rate.normalize() == Decimal("1.0892")


def _import_queries(user, rows: list[str]) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    table = transfer.parse_csv(csv_text(*rows, header=HEADER).encode("utf-8"))
    with CaptureQueriesContext(connection) as queries:
        report = transfer.purchases_import(household_id=household_of(user), created_by=user, table=table)
    assert report["created"] == len(rows)
    return [query["sql"] for query in queries.captured_queries]


def test_the_conversion_is_a_fixed_number_of_statements_whatever_the_rows(owner, other_user):
    """Rows are converted in Python before they are written (#24): no UPDATE after the insert; the reads are the home
    currency and one query of reference rates per foreign currency of the file, never a query per row."""
    few = ["A,1.00,EUR,2024-03-15", "B,2.00,GBP,2024-03-18", "C,3.00,USD,2024-03-19"]
    days = [datetime.date(2024, 1, 1) + datetime.timedelta(days=n) for n in range(150)]
    many = [f"N{n},{n}.50,{('EUR', 'GBP', 'USD')[n % 3]},{days[n % 150]}" for n in range(600)]
    small, big = _import_queries(owner, few), _import_queries(other_user, many)
    assert len(small) == len(big)
    assert not [sql for sql in big if sql.startswith('UPDATE "purchases_purchase"')]
    rate_reads = [sql for sql in big if 'FROM "rates_rate"' in sql]
    assert len(rate_reads) == 2  # EUR needs none of its own; GBP and USD (the home currency: rate 1) one each
    assert conversions(other_user)["N1"][1] == RateSource.ECB


def test_rows_converted_in_python_equal_the_conversion_of_one_purchase(owner, owner_client):
    """Every imported row's rate, source and home price are what purchases.conversion.complete gives the same
    purchase: the reference rate of its day or the nearest earlier one, none (no rate known), the home currency's 1,
    and a MANUAL rate of the file; home prices rounded half-even to cents."""
    rows = [
        "Home,19.99,USD,2024-03-15,,",
        "Euro,10.05,EUR,2024-03-15,,",
        "Weekend,10.00,EUR,2024-03-17,,",
        "Pound,0.05,GBP,2024-03-18,,",
        "Unpublished,5.00,XOF,2024-03-18,,",
        "Early,5.00,EUR,1990-01-01,,",
        "Manual,12.34,EUR,2024-03-18,1.234567891,MANUAL",
        "Zero,0.00,JPY,2024-03-18,,",
    ]
    header = "product_name,price,currency_code,purchase_date,exchange_rate,rate_source"
    response = import_file(owner_client, "csv", csv_text(*rows, header=header))
    assert response.status_code == 200, response.json()["errors"]
    assert response.json()["created"] == len(rows)
    for purchase in Purchase.objects.filter(household_id=household_of(owner)):
        expected = Purchase(
            household_id=purchase.household_id,
            price=purchase.price,
            currency_code=purchase.currency_code,
            purchase_date=purchase.purchase_date,
            exchange_rate=purchase.exchange_rate if purchase.rate_source == RateSource.MANUAL else None,
            rate_source=purchase.rate_source if purchase.rate_source == RateSource.MANUAL else None,
        )
        conversion.complete(expected)
        got = (purchase.exchange_rate, purchase.rate_source, purchase.home_price)
        assert got == (expected.exchange_rate, expected.rate_source, expected.home_price), purchase.product_name
    stored = conversions(owner)
    assert stored["Home"] == (Decimal("1"), None, Decimal("19.99"))
    assert stored["Unpublished"] == (None, None, None)
    assert stored["Early"] == (None, None, None)
    assert stored["Manual"][1] == RateSource.MANUAL
    assert stored["Pound"][1] == RateSource.ECB
