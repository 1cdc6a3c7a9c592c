"""`python -m bench.make_receipts [--out DIR] [--count N]`: the receipts evaluation set (issue #27), generated
deterministically (fixed seed): half text PDFs (fpdf2, DejaVu fonts embedded), half images drawn with Pillow in three
fonts at 150-300 dpi, some rotated 1-3° or noisy, as PNG, JPEG, WebP and (every tenth) HEIC. English (USD, GBP),
German and French (EUR) layouts, both decimal styles. Each receipt `NN-kind.ext` has its ground truth in
`NN-kind.json`: total, currency, date, retailer (and whether the retailer is in CATALOG, the catalog the bench gives
the parser) and the longest item's name as printed.
"""

import argparse
import datetime
import io
import json
import random
from decimal import Decimal
from pathlib import Path

from receipts.parser import fold

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "receipts"
FONTS = Path("/usr/share/fonts/truetype/dejavu")
IMAGE_FONTS = ("DejaVuSansMono.ttf", "DejaVuSans.ttf", "DejaVuSerif.ttf")
SEED = 27
TODAY = datetime.date(2026, 1, 15)  # the dates are before it; the bench parses with this `today`

# The catalog the bench gives the parser (as the shared catalog would hold them), and the names on the receipts.
CATALOG = ["MediaMarkt", "Saturn", "Fnac", "Darty", "Boulanger", "Currys", "Argos", "Best Buy", "Müller",
           "Galeries Lafayette", "John Lewis", "Home Depot", "Bauhaus", "Leroy Merlin", "Cdiscount", "Décathlon",
           "Otto", "Target", "Walmart"]  # fmt: skip
RETAILERS = {
    "en-US": ["BEST BUY", "Home Depot", "TARGET", "Walmart", "Joe's Hardware"],
    "en-GB": ["CURRYS", "Argos", "John Lewis", "Ryman Stationers"],
    "de": ["MEDIAMARKT", "Saturn", "MÜLLER", "BAUHAUS", "Otto", "Elektro Krause"],
    "fr": ["FNAC", "DARTY", "Boulanger", "LEROY MERLIN", "DECATHLON", "Galeries Lafayette", "Quincaillerie Dupont"],
}
ITEMS = {
    "en": ["Sony WH-1000XM5 Wireless Headphones", "USB-C Cable 2m", "Cordless Drill 18V Kit", "LED Desk Lamp",
           "Samsung 55in QLED Television", "HDMI Adapter", "Dyson V15 Detect Vacuum", "AA Batteries 8pk",
           "Instant Pot Duo 6qt", "Screen Protector", "Logitech MX Master 3S Mouse", "Phone Case"],
    "de": ["Bosch Serie 6 Waschmaschine", "USB-C Kabel 2m", "Akkuschrauber 18V Set", "Schreibtischlampe LED",
           "Samsung Galaxy Tab S9 128GB", "HDMI Adapter", "Kaffeevollautomat Siemens EQ.6", "Batterien AA 8er",
           "Staubsauger Miele Complete C3", "Displayschutzfolie", "Philips Airfryer XXL", "Handyhülle"],
    "fr": ["Lave-linge Samsung 9 kg", "Câble USB-C 2 m", "Perceuse sans fil 18 V", "Lampe de bureau LED",
           "Téléviseur LG OLED 55 pouces", "Adaptateur HDMI", "Aspirateur Dyson V12 Detect", "Piles AA x8",
           "Machine à café De'Longhi Magnifica", "Protection écran", "Robot cuiseur Moulinex", "Coque téléphone"],
}  # fmt: skip
LOCALES = {
    "en-US": {"currency": "USD", "lang": "en", "tax": 0.0825},
    "en-GB": {"currency": "GBP", "lang": "en", "tax": 0.2},
    "de": {"currency": "EUR", "lang": "de", "tax": 0.19},
    "fr": {"currency": "EUR", "lang": "fr", "tax": 0.2},
}
# Rows after the items start with one of these (sub-total, tax, total, payment, change, thanks).
LABEL_STARTS = ("Subtotal", "Tax", "TOTAL", "AMOUNT DUE", "Total", "Cash", "Change", "Zwischensumme", "MwSt",
                "SUMME", "Summe", "Gesamtbetrag", "Bar", "Rückgeld", "Sous-total", "TVA", "NET A PAYER", "Espèces",
                "Rendu")  # fmt: skip
MONTH_NAMES = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November",
           "Dezember"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
           "décembre"],
}  # fmt: skip


def money(value: Decimal, locale: str) -> str:
    """1,234.56 (en), 1.234,56 (de), 1 234,56 (fr); small amounts without grouping."""
    whole, cents = f"{value:.2f}".split(".")
    groups = f"{int(whole):,}"
    if locale.startswith("en"):
        return f"{groups}.{cents}"
    if locale == "de":
        return f"{groups.replace(',', '.')},{cents}"
    return f"{groups.replace(',', ' ')},{cents}"


def with_currency(text: str, locale: str, rng: random.Random) -> str:
    currency = LOCALES[locale]["currency"]
    if locale == "en-US":
        return f"${text}"
    if locale == "en-GB":
        return f"£{text}" if rng.random() < 0.7 else f"{text} GBP"
    return f"{text} €" if rng.random() < 0.7 else f"{text} {currency}"


def date_text(day: datetime.date, locale: str, rng: random.Random) -> str:
    style = rng.random()
    lang = LOCALES[locale]["lang"]
    if style < 0.2:
        month = MONTH_NAMES[lang][day.month - 1]
        return f"{month} {day.day}, {day.year}" if locale == "en-US" else f"{day.day} {month} {day.year}"
    if locale == "en-US":
        return day.strftime("%m/%d/%Y") if style < 0.8 else day.strftime("%m/%d/%y")
    if locale == "de":
        return day.strftime("%d.%m.%Y") if style < 0.8 else day.strftime("%d.%m.%y")
    return day.strftime("%d/%m/%Y")


def receipt(index: int, rng: random.Random) -> tuple[list[tuple[str, str]], dict]:
    """The rows (left, right) of one receipt and its ground truth."""
    locale = rng.choice(list(LOCALES))
    meta = LOCALES[locale]
    lang = meta["lang"]
    retailer = rng.choice(RETAILERS[locale])
    day = TODAY - datetime.timedelta(days=rng.randint(1, 900))
    items = rng.sample(ITEMS[lang], rng.randint(1, 4))
    prices = [Decimal(rng.choice([rng.randint(199, 4999), rng.randint(5000, 189999)])) / 100 for _ in items]
    total = sum(prices, Decimal("0.00"))
    tax = (total * Decimal(str(meta["tax"])) / (1 + Decimal(str(meta["tax"])))).quantize(Decimal("0.01"))
    labels = {
        "en": ("Subtotal", "Tax", rng.choice(["TOTAL", "AMOUNT DUE", "Total"]), "Cash", "Change", "Date", "Thank you!"),
        "de": ("Zwischensumme", "MwSt 19%", rng.choice(["SUMME", "Summe EUR", "Gesamtbetrag"]), "Bar", "Rückgeld",
               "Datum", "Vielen Dank für Ihren Einkauf"),
        "fr": ("Sous-total", "TVA 20%", rng.choice(["TOTAL TTC", "Total TTC", "NET A PAYER"]), "Espèces", "Rendu",
               "Date", "Merci de votre visite"),
    }[lang]  # fmt: skip
    fmt = lambda value: with_currency(money(value, locale), locale, rng)  # noqa: E731
    rows = [(retailer, ""), (f"{rng.randint(1, 250)} {rng.choice(['Main St', 'Hauptstr.', 'rue de Paris'])}", "")]
    rows.append((f"{labels[5]}: {date_text(day, locale, rng)}  {rng.randint(8, 20)}:{rng.randint(0, 59):02d}", ""))
    rows += [
        (f"{rng.choice(['', '1 x '])}{name}" if lang != "en" else name, fmt(price))
        for name, price in zip(items, prices, strict=True)
    ]
    rows += [(labels[0], fmt(total)), (labels[1], fmt(tax)), (labels[2], fmt(total))]
    if rng.random() < 0.5:
        paid = (total / 10).to_integral_value(rounding="ROUND_CEILING") * 10 + 20
        rows += [(labels[3], fmt(paid)), (labels[4], fmt(paid - total))]
    rows.append((labels[6], ""))
    truth = {
        "locale": locale,
        "currency": meta["currency"],
        "total": f"{total:.2f}",
        "date": day.isoformat(),
        "retailer": retailer,
        "retailer_in_catalog": fold(retailer) in {fold(name) for name in CATALOG},
    }  # fmt: skip
    return rows, truth


def fit(text: str, room: float, width) -> str:
    """`text` cut (whole words first) until `width(text)` fits in `room`: what a narrow till roll prints."""
    while width(text) > room and " " in text.strip():
        text = text.rsplit(" ", 1)[0]
    while width(text) > room:
        text = text[:-1]
    return text


def printed_product(rows) -> str:
    """The longest item name as printed (a "1 x " quantity is not part of it)."""
    items = [left.removeprefix("1 x ") for left, right in rows[3:] if right and not left.startswith(LABEL_STARTS)]
    return max(items, key=len)


def write_pdf(rows, path: Path, rng: random.Random) -> dict:
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format=(80, 30 + 6 * len(rows)))
    pdf.set_creation_date(datetime.datetime(2026, 1, 15, tzinfo=datetime.UTC))  # the same bytes every run
    pdf.set_auto_page_break(False)
    pdf.set_margins(4, 6, 4)
    pdf.add_page()
    font = rng.choice(["DejaVuSansMono", "DejaVuSans"])
    pdf.add_font("receipt", fname=str(FONTS / f"{font}.ttf"))
    pdf.set_font("receipt", size=8)
    printed = []
    for number, (left, right) in enumerate(rows):
        if right:
            left = fit(left, 70 - pdf.get_string_width(right) - 3, pdf.get_string_width)
            pdf.cell(72 - 25, 5, left)
            pdf.cell(25, 5, right, align="R")
        else:
            pdf.cell(72, 5, left, align="C" if number == 0 else "L")
        printed.append((left, right))
        pdf.ln()
    path.write_bytes(bytes(pdf.output()))
    return {"font": font, "product_name": printed_product(printed)}


def write_image(rows, path_stem: Path, rng: random.Random, heic: bool = False) -> tuple[Path, dict]:
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    dpi = rng.choice([150, 200, 300])
    font_name = rng.choice(IMAGE_FONTS)
    font = ImageFont.truetype(str(FONTS / font_name), round(8.5 * dpi / 72))
    width, line = round(80 / 25.4 * dpi), round(13 * dpi / 72)
    image = Image.new("L", (width, line * (len(rows) + 4)), 255)
    draw = ImageDraw.Draw(image)
    margin = round(0.15 * dpi)
    printed = []
    for number, (left, right) in enumerate(rows):
        y = line * (number + 2)
        if right:
            right_width = draw.textlength(right, font=font)
            left = fit(left, width - 2 * margin - right_width - dpi // 8, lambda text: draw.textlength(text, font=font))
            draw.text((width - margin - right_width, y), right, font=font, fill=20)
        draw.text((margin, y), left, font=font, fill=20)
        printed.append((left, right))
    rotation = rng.choice([0, 0, 0, 1, -1.5, 2, -2.5, 3])
    noisy = rng.random() < 0.35
    if noisy:
        pixels = image.load()
        for _ in range(width * image.height // 150):
            x, y = rng.randrange(width), rng.randrange(image.height)
            pixels[x, y] = rng.choice([0, 90, 170])
        image = image.filter(ImageFilter.GaussianBlur(0.6))
    if rotation:
        image = image.rotate(rotation, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    fmt = rng.choice(["PNG", "JPEG", "JPEG", "WEBP"])
    if heic:  # an iPhone's format, in place of the drawn one (the random draws stay the same)
        import pillow_heif

        pillow_heif.register_heif_opener()
        fmt, image = "HEIF", image.convert("RGB")
    path = path_stem.with_suffix({"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp", "HEIF": ".heic"}[fmt])
    buffer = io.BytesIO()
    image.save(buffer, fmt, dpi=(dpi, dpi), **({"quality": 80} if fmt != "PNG" else {"optimize": True}))
    path.write_bytes(buffer.getvalue())
    extra = {"dpi": dpi, "font": font_name, "rotation": rotation, "noisy": noisy, "format": fmt}
    return path, {**extra, "product_name": printed_product(printed)}


def generate(out: Path = FIXTURES, count: int = 60) -> list[Path]:
    """Write `count` receipts (half PDFs, half images) and their JSON into `out`; the same files every time."""
    rng = random.Random(SEED)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(count):
        rows, truth = receipt(index, rng)
        stem = out / f"{index:02d}-{'pdf' if index % 2 == 0 else 'image'}"
        if index % 2 == 0:
            path = stem.with_suffix(".pdf")
            extra = write_pdf(rows, path, rng)
            truth["kind"] = "pdf"
        else:
            path, extra = write_image(rows, stem, rng, heic=index % 10 == 9)
            truth["kind"] = "image"
        truth.update(extra, file=path.name)
        stem.with_suffix(".json").write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n")
        written.append(path)
    return written


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=FIXTURES)
    parser.add_argument("--count", type=int, default=60)
    args = parser.parse_args(argv)
    files = generate(args.out, args.count)
    print(f"{len(files)} receipts in {args.out}")


if __name__ == "__main__":
    main()
