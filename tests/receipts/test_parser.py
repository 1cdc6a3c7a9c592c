"""The receipt parser's rules (receipts/parser.py), one by one. Accuracy on the evaluation set lives in
`python -m bench.receipts`, not here."""

import datetime
from decimal import Decimal

import pytest

from receipts.parser import Retailer, amounts, find_currency, find_date, find_product, find_retailer, find_total, parse

TODAY = datetime.date(2025, 6, 30)
CATALOG = [Retailer(id=1, name="MediaMarkt"), Retailer(id=2, name="Décathlon"), Retailer(id=3, name="Best Buy")]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("TOTAL 1,234.56", [Decimal("1234.56")]),
        ("SUMME 1.234,56 €", [Decimal("1234.56")]),
        ("TOTAL TTC 1 234,56 EUR", [Decimal("1234.56")]),
        ("Total TTC 1\u202f234,56 €", [Decimal("1234.56")]),
        ("Cable 12.99  Lamp 3,50", [Decimal("12.99"), Decimal("3.50")]),
        ("Total TTC 1: 152,22 EUR", [Decimal("1152.22")]),  # OCR read the thousands' space as ":"
        ("Datum: 14.03.2025 10:57", []),  # a date's parts are no amount
        ("Piles AA x8 471,74", [Decimal("471.74")]),  # "x8" is no thousands' group
        ("Qty 3", []),
    ],
)
def test_amounts_in_both_decimal_styles(line, expected):
    assert amounts(line) == expected


def test_total_is_the_total_line_not_the_larger_cash_line():
    lines = ["Subtotal $90.00", "Tax $7.43", "TOTAL $97.43", "Cash $100.00", "Change $2.57"]
    assert find_total(lines) == (Decimal("97.43"), 0.85)


@pytest.mark.parametrize(
    "label", ["AMOUNT DUE", "Grand Total", "TOTAL TTC", "Net à payer", "Zu zahlen", "Gesamtbetrag"]
)
def test_strong_total_words_win_over_a_plain_total(label):
    lines = ["Total items 3", "TOTAL 50.00", f"{label} 55.00", "Visa 55.00"]
    assert find_total(lines) == (Decimal("55.00"), 0.95)


@pytest.mark.parametrize("label", ["Zwischensumme", "Sous-total", "Subtotal", "Total HT", "MwSt 19%", "TVA 20%"])
def test_subtotals_and_taxes_are_never_the_total(label):
    assert find_total([f"{label} 999,00", "SUMME 10,00"])[0] == Decimal("10.00")


def test_total_amount_on_the_next_line():
    assert find_total(["TOTAL", "42.10", "Thank you"]) == (Decimal("42.10"), 0.85)


def test_without_a_total_line_the_largest_amount_with_low_confidence():
    assert find_total(["Lamp 12.00", "Cable 3.00", "Bag 0.10"]) == (Decimal("12.00"), 0.4)
    assert find_total(["no amounts here"]) == (None, 0.0)


@pytest.mark.parametrize(
    ("text", "code"),
    [("TOTAL $12.00", "USD"), ("SUMME 12,00 €", "EUR"), ("Total £3.00", "GBP"), ("TOTAL 12.00 CHF", "CHF")],
)
def test_currency_from_symbol_or_code(text, code):
    assert find_currency(text)[0] == code


def test_currency_most_seen_and_none_without_a_sign():
    assert find_currency("12,00 € 3,00 € 1 USD")[0] == "EUR"
    assert find_currency("TOTAL 12.00") == (None, 0.0)


@pytest.mark.parametrize(
    ("line", "currency", "expected"),
    [
        ("Date: 03/04/2025", "USD", datetime.date(2025, 3, 4)),  # month first in the United States
        ("Date: 03/04/2025", "EUR", datetime.date(2025, 4, 3)),  # day first elsewhere
        ("Date: 03/04/2025", "GBP", datetime.date(2025, 4, 3)),
        ("Date: 13/04/2025", "USD", datetime.date(2025, 4, 13)),  # only one order is a date
        ("Datum: 14.03.25 12:31", "EUR", datetime.date(2025, 3, 14)),
        ("2025-05-06", None, datetime.date(2025, 5, 6)),
        ("March 14, 2025", "USD", datetime.date(2025, 3, 14)),
        ("14. März 2025", "EUR", datetime.date(2025, 3, 14)),
        ("14 février 2025", "EUR", datetime.date(2025, 2, 14)),
    ],
)
def test_date_order_by_the_currency(line, currency, expected):
    assert find_date([line], currency, TODAY)[0] == expected


def test_date_never_in_the_future_and_the_first_plausible_one():
    lines = ["Valid until 01.01.2030", "Datum 02.01.2025", "Garantie bis 02.01.2027"]
    assert find_date(lines, "EUR", TODAY)[0] == datetime.date(2025, 1, 2)
    assert find_date(["31.02.2025", "99/99/2025"], "EUR", TODAY) == (None, 0.0)


def test_ambiguous_date_is_less_sure_than_an_unambiguous_one():
    assert find_date(["03/04/2025"], "EUR", TODAY)[1] < find_date(["13/04/2025"], "EUR", TODAY)[1]


@pytest.mark.parametrize("head", ["MEDIAMARKT", "Media-Markt Berlin", "mediamarkt"])
def test_retailer_from_the_catalog_ignoring_case_and_accents(head):
    retailer, name, confidence = find_retailer([head, "Hauptstr. 1"], CATALOG)
    assert (retailer.id, name) == (1, "MediaMarkt") and confidence >= 0.8


def test_retailer_accents_ignored_and_only_in_the_first_lines():
    assert find_retailer(["DECATHLON", "x"], CATALOG)[1] == "Décathlon"
    lines = ["Joe's Hardware", *["line"] * 8, "Best Buy gift card 10.00"]
    retailer, name, confidence = find_retailer(lines, CATALOG)
    assert (retailer, name, confidence) == (None, "Joe's Hardware", 0.3)  # not in the catalog: a low-confidence name


def test_product_is_the_longest_item_line():
    lines = ["SHOP", "1 x USB cable 2m 9.99", "Samsung Galaxy Tab S9 899.00", "TOTAL 908.99", "Visa card 908.99"]
    assert find_product(lines, skip={0}) == ("Samsung Galaxy Tab S9", 0.4)
    assert find_product(["TOTAL 5.00"], skip=set()) == (None, 0.0)


def test_parse_gives_every_field_a_confidence():
    text = "BEST BUY\n03/14/2025\nSony WH-1000XM5 Headphones $349.99\nTAX $28.87\nAMOUNT DUE $378.86\n"
    suggestion = parse(text, retailers=CATALOG, today=TODAY)
    assert (suggestion.price, suggestion.currency_code, suggestion.purchase_date) == (
        Decimal("378.86"),
        "USD",
        datetime.date(2025, 3, 14),
    )
    assert (suggestion.retailer_id, suggestion.retailer_name, suggestion.product_name) == (
        3,
        "Best Buy",
        "Sony WH-1000XM5 Headphones",
    )
    assert set(suggestion.confidence) == {
        "product_name", "price", "currency_code", "purchase_date", "retailer_id", "retailer_name"
    }  # fmt: skip
    assert all(0 <= value <= 1 for value in suggestion.confidence.values())


def test_parse_of_nothing_is_all_null():
    suggestion = parse("", retailers=CATALOG, today=TODAY)
    assert (suggestion.price, suggestion.purchase_date, suggestion.retailer_name) == (None, None, None)
    assert set(suggestion.confidence.values()) == {0.0}
