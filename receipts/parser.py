"""Reading a receipt's text (issue #27): total, currency, date, retailer and product name, each with a confidence
0..1. Pure: no I/O, no database, no clock (the caller passes `today` and the catalog's retailers).

Rules:
- total: the amount on the line that says TOTAL, AMOUNT DUE, SUMME, TOTAL TTC and the like (sub-totals, tax lines,
  cash and change never), else the largest amount; amounts in `1.234,56`, `1,234.56` and `1 234,56` forms are read
  by price-parser;
- currency: the symbol or ISO code seen most often;
- date: the first plausible date (not before 1990, never after `today`), day-first or month-first by the currency's
  locale when the numbers allow both;
- retailer: the catalog's names matched against the first lines, ignoring case and accents (else the first line,
  as a low-confidence name);
- product name: the longest item line (a line with an amount that is no total, tax or payment line).
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from price_parser import Price

HEAD_LINES = 6  # the retailer's name is looked for in the first lines only
MIN_YEAR = 1990
MONTH_FIRST_CURRENCIES = {"USD"}  # the United States write 03/14/2024; EUR, GBP, CHF, ... day first

# An amount with two decimals: thousands grouped by "." "," or a (narrow/no-break) space, then the decimal mark.
# OCR reads a "," as ":" or ";" at times, and puts spaces around the marks. Not a date's parts (14.03.2025).
AMOUNT_RE = re.compile(
    r"(?<![\w.,:;/-])(-?\d{1,3}(?:[.,:;'\u00a0\u202f ]\s?\d{3})+|-?\d+)\s?([.,])\s?(\d{2})(?![\d])(?![./-]\d)"
)

STRONG_TOTAL = ("amount due", "balance due", "grand total", "total due", "total ttc", "net a payer", "zu zahlen",
                "gesamtbetrag", "total eur", "total usd", "total gbp", "a payer", "montant ttc")  # fmt: skip
TOTAL_WORDS = ("total", "summe", "gesamt", "betrag", "montant", "amount")
# Word starts of sub-total, tax, payment, change and discount lines (folded: no accents, lower case).
NOT_TOTAL = ("subtotal", "sub total", "zwischensumme", "sous total", "total ht", "net ", "mwst", "ust ", "vat ", "tax",
             "tva", "steuer", "cash", "bar ", "gegeben", "change", "ruckgeld", "rendu", "especes", "card", "karte",
             "carte", "ec ", "visa", "tip ", "items", "articles", "artikel", "saving", "remise", "rabatt", "discount",
             "paid", "tendered")  # fmt: skip
CURRENCY_SYMBOLS = {"€": "EUR", "£": "GBP", "$": "USD", "¥": "JPY"}
CURRENCY_CODES = ("EUR", "USD", "GBP", "CHF", "CAD", "AUD", "JPY", "SEK", "NOK", "DKK", "PLN", "CZK")
CODE_RE = re.compile(r"\b(" + "|".join(CURRENCY_CODES) + r")\b")

MONTHS = {
    **dict.fromkeys(("january", "jan", "januar", "janvier", "janv", "janner"), 1),
    **dict.fromkeys(("february", "feb", "februar", "fevrier", "fevr", "fev"), 2),
    **dict.fromkeys(("march", "mar", "marz", "maerz", "mars"), 3),
    **dict.fromkeys(("april", "apr", "avril", "avr"), 4),
    **dict.fromkeys(("may", "mai"), 5),
    **dict.fromkeys(("june", "jun", "juni", "juin"), 6),
    **dict.fromkeys(("july", "jul", "juli", "juillet", "juil"), 7),
    **dict.fromkeys(("august", "aug", "aout"), 8),
    **dict.fromkeys(("september", "sep", "sept", "septembre"), 9),
    **dict.fromkeys(("october", "oct", "oktober", "okt", "octobre"), 10),
    **dict.fromkeys(("november", "nov", "novembre"), 11),
    **dict.fromkeys(("december", "dec", "dezember", "dez", "decembre"), 12),
}
_MONTH = r"([a-z]{3,9})\.?"
ISO_DATE_RE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
NUMERIC_DATE_RE = re.compile(r"(?<![\d.,])(\d{1,2})\s?([./-])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?![\d])")
DAY_MONTH_RE = re.compile(r"(?<!\d)(\d{1,2})\.?\s+" + _MONTH + r"\s+(\d{4})(?!\d)")
MONTH_DAY_RE = re.compile(r"(?<![a-z])" + _MONTH + r"\s+(\d{1,2}),?\s+(\d{4})(?!\d)")
QUANTITY_RE = re.compile(r"^[\W_]*(?:\d+\s*[.,]?\s*[x×*]\s+)?|\s+\d+\s*[x×*@]\s*$", re.IGNORECASE)


@dataclass
class Retailer:
    id: object
    name: str


@dataclass
class Suggestion:
    product_name: str | None = None
    price: Decimal | None = None
    currency_code: str | None = None
    purchase_date: datetime.date | None = None
    retailer_id: object = None
    retailer_name: str | None = None
    confidence: dict = field(default_factory=dict)


def fold(text: str) -> str:
    """Lower case without accents, every run of other characters than letters and digits one space."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def _without_accents(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in text if not unicodedata.combining(char))


def amounts(line: str) -> list[Decimal]:
    """The amounts with two decimals on a line, read by price-parser with the decimal mark the line uses."""
    found = []
    for match in AMOUNT_RE.finditer(line):
        whole, mark, cents = match.groups()
        whole = re.sub(r"[^\d-]", "", whole)  # the thousands' separators, whatever OCR made of them
        price = Price.fromstring(f"{whole}{mark}{cents}", decimal_separator=mark)
        if price.amount is not None:
            found.append(-price.amount if whole.startswith("-") and price.amount > 0 else price.amount)
    return found


def _total_rank(line: str) -> int:
    """2 for a strong total line (AMOUNT DUE, TOTAL TTC, ...), 1 for TOTAL/SUMME, 0 for anything else."""
    plain = " " + fold(line) + " "
    if any(f" {word} " in plain for word in STRONG_TOTAL):
        return 2
    if _is_payment_line(line):
        return 0
    return 1 if any(f" {word} " in plain for word in TOTAL_WORDS) else 0


def find_total(lines: list[str]) -> tuple[Decimal | None, float]:
    best: tuple[int, Decimal] | None = None
    for index, line in enumerate(lines):
        rank = _total_rank(line)
        if not rank:
            continue
        found = amounts(line)
        if not found and index + 1 < len(lines) and not _total_rank(lines[index + 1]):
            found = amounts(lines[index + 1])  # the amount on the next line (a layout split in two)
        positive = [amount for amount in found if amount > 0]
        if positive and (best is None or (rank, positive[-1]) > best):
            best = (rank, positive[-1])
    if best is not None:
        return best[1], 0.95 if best[0] == 2 else 0.85
    every = [amount for line in lines for amount in amounts(line) if amount > 0]
    return (max(every), 0.4) if every else (None, 0.0)


def find_currency(text: str) -> tuple[str | None, float]:
    counts: dict[str, int] = {}
    for symbol, code in CURRENCY_SYMBOLS.items():
        if symbol in text:
            counts[code] = counts.get(code, 0) + text.count(symbol)
    for match in CODE_RE.finditer(text.upper()):
        counts[match.group(1)] = counts.get(match.group(1), 0) + 1
    if not counts:
        return None, 0.0
    code = max(counts, key=lambda key: (counts[key], key != "USD"))  # "$" is also CAD, AUD: a code wins a tie
    return code, 0.9 if len(counts) == 1 else 0.6


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _make_date(year: int, month: int, day: int, today: datetime.date) -> datetime.date | None:
    try:
        value = datetime.date(year, month, day)
    except ValueError:
        return None
    return value if datetime.date(MIN_YEAR, 1, 1) <= value <= today else None


def _numeric_date(match, month_first: bool, today) -> tuple[datetime.date | None, float]:
    first, second, year = int(match.group(1)), int(match.group(3)), _year(match.group(4))
    day_first = _make_date(year, second, first, today)
    month_first_date = _make_date(year, first, second, today)
    if day_first and month_first_date and day_first != month_first_date:
        return (month_first_date, 0.7) if month_first else (day_first, 0.7)
    chosen = day_first or month_first_date
    return chosen, 0.9


def _dates_on_line(line: str, month_first: bool, today) -> list[tuple[int, datetime.date, float]]:
    folded = _without_accents(line)
    found = []
    for match in ISO_DATE_RE.finditer(folded):
        value = _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), today)
        found.append((match.start(), value, 0.95))
    for match in NUMERIC_DATE_RE.finditer(folded):
        value, confidence = _numeric_date(match, month_first, today)
        found.append((match.start(), value, confidence))
    for match in DAY_MONTH_RE.finditer(folded):
        month = MONTHS.get(match.group(2))
        value = month and _make_date(int(match.group(3)), month, int(match.group(1)), today)
        found.append((match.start(), value, 0.95))
    for match in MONTH_DAY_RE.finditer(folded):
        month = MONTHS.get(match.group(1))
        value = month and _make_date(int(match.group(3)), month, int(match.group(2)), today)
        found.append((match.start(), value, 0.95))
    return sorted((item for item in found if item[1]), key=lambda item: item[0])


def find_date(lines: list[str], currency: str | None, today: datetime.date) -> tuple[datetime.date | None, float]:
    month_first = currency in MONTH_FIRST_CURRENCIES
    for line in lines:
        found = _dates_on_line(line, month_first, today)
        if found:
            _, value, confidence = found[0]
            return value, confidence if currency or confidence != 0.7 else 0.5
    return None, 0.0


def _names(line: str, name: str) -> bool:
    """Whether consecutive whole words of the (folded) line spell the (folded) name, spaces aside: "Media Markt",
    "MEDIA-MARKT" and "MediaMarkt" are one name; "Otto" is not in "Lotto"."""
    squashed, words = name.replace(" ", ""), line.split()
    for start in range(len(words)):
        joined = ""
        for word in words[start:]:
            joined += word
            if joined == squashed:
                return True
            if not squashed.startswith(joined):
                break
    return False


def find_retailer(lines: list[str], retailers: list[Retailer]) -> tuple[Retailer | None, str | None, float]:
    head = [fold(line) for line in lines[:HEAD_LINES]]
    best = None
    for retailer in retailers:
        name = fold(retailer.name)
        if not name:
            continue
        for position, line in enumerate(head):
            if _names(line, name):
                score = (line == name, len(name), -position)
                if best is None or score > best[0]:
                    best = (score, retailer)
                break
    if best is not None:
        return best[1], best[1].name, 0.95 if best[0][0] else 0.8
    for line in lines[:HEAD_LINES]:
        if sum(char.isalpha() for char in line) >= 3:
            return None, line.strip()[:100], 0.3
    return None, None, 0.0


def find_product(lines: list[str], skip: set[int]) -> tuple[str | None, float]:
    candidates = []
    for index, line in enumerate(lines):
        if index in skip or not amounts(line) or _total_rank(line) or _is_payment_line(line):
            continue
        name = AMOUNT_RE.sub(" ", line)
        name = re.sub(r"[€£$¥]|\b(?:" + "|".join(CURRENCY_CODES) + r")\b", " ", name)
        name = QUANTITY_RE.sub(" ", name)
        name = " ".join(name.split()).strip(" .:-*")
        if sum(char.isalpha() for char in name) >= 3:
            candidates.append(name)
    if not candidates:
        return None, 0.0
    return max(candidates, key=len)[:200], 0.6 if len(candidates) == 1 else 0.4


def _is_payment_line(line: str) -> bool:
    """A sub-total, tax, payment, change or discount line (its words start a word of the line)."""
    plain = " " + fold(line) + " "
    return any(f" {word}" in plain for word in NOT_TOTAL)


def parse(text: str, *, retailers: list[Retailer], today: datetime.date) -> Suggestion:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    suggestion = Suggestion()
    suggestion.price, price_confidence = find_total(lines)
    suggestion.currency_code, currency_confidence = find_currency(text or "")
    suggestion.purchase_date, date_confidence = find_date(lines, suggestion.currency_code, today)
    retailer, suggestion.retailer_name, retailer_confidence = find_retailer(lines, retailers)
    suggestion.retailer_id = retailer.id if retailer else None
    # The shop's name line is no item, whatever amount-like number it holds.
    suggestion.product_name, product_confidence = find_product(lines, skip={0} if suggestion.retailer_name else set())
    suggestion.confidence = {
        "product_name": product_confidence,
        "price": price_confidence,
        "currency_code": currency_confidence,
        "purchase_date": date_confidence,
        "retailer_id": retailer_confidence if retailer else 0.0,
        "retailer_name": retailer_confidence,
    }
    return suggestion
