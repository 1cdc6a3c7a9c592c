"""The bench dataset: `python -m bench.generate [--purchases N] [--other-users U --other-purchases M] [--sqlite]`.

Creates the bench database afresh (PostgreSQL `spends_bench`, or a SQLite file under data/bench/), migrates it, and
loads one user (`bench`) with N purchases plus U other users with M purchases each: warranties on 60%, 200 retailers,
300 brands, 3 currencies, purchase dates over the last 10 years. PostgreSQL rows go in with COPY (secondary indexes
dropped first and rebuilt after, FK triggers off for the session); SQLite rows with executemany in big transactions.
Deterministic for a given --seed. Only a database whose name starts with `spends_bench` is ever dropped.
"""

import argparse
import datetime
import random
import secrets
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

from bench.env import DEFAULT_PG_URL, MAIN_PASSWORD, MAIN_USER, configure_django, database_url

CURRENCIES = (("USD", 70), ("EUR", 20), ("GBP", 10))
RETAILER_COUNT = 200
BRAND_COUNT = 300
PRODUCTS_PER_BRAND = 100
DAYS = 3652  # ten years
RANDOM_PAGE_COST = 1.1  # as docker-compose.yml starts PostgreSQL

_BRAND_ROOTS = [
    "Acme",
    "Apex",
    "Arc",
    "Aurora",
    "Axis",
    "Beacon",
    "Birch",
    "Bolt",
    "Cedar",
    "Cobalt",
    "Comet",
    "Crest",
    "Delta",
    "Echo",
    "Ember",
    "Falcon",
    "Fern",
    "Flux",
    "Forge",
    "Glacier",
    "Granite",
    "Harbor",
    "Helix",
    "Horizon",
    "Indigo",
    "Iron",
    "Jade",
    "Juniper",
    "Kestrel",
    "Kite",
    "Lark",
    "Linden",
    "Lumen",
    "Maple",
    "Meridian",
    "Nimbus",
    "Nova",
    "Oak",
    "Onyx",
    "Orbit",
    "Pine",
    "Pixel",
    "Prism",
    "Quartz",
    "Quill",
    "Raven",
    "Ridge",
    "Sable",
    "Sage",
    "Sierra",
    "Solar",
    "Sparrow",
    "Spruce",
    "Summit",
    "Tango",
    "Terra",
    "Tide",
    "Titan",
    "Vale",
    "Vertex",
    "Willow",
    "Zenith",
    "Zephyr",
    "Alpine",
    "Atlas",
]
_BRAND_SUFFIXES = ("", " Labs", " Audio", " Home", " Tech", " Works", " & Co", " Outdoor", " Kitchen", " Sport")
_RETAILER_WORDS = [
    "Market",
    "Mart",
    "Store",
    "Shop",
    "Outlet",
    "Depot",
    "Emporium",
    "Bazaar",
    "Warehouse",
    "Direct",
    "Online",
    "Express",
    "Corner",
    "Supply",
    "Trading",
    "Goods",
    "Center",
    "Place",
    "House",
    "Hub",
]
_CITIES = [
    "Springfield",
    "Riverside",
    "Fairview",
    "Georgetown",
    "Madison",
    "Clinton",
    "Franklin",
    "Salem",
    "Bristol",
    "Oxford",
    "Arlington",
    "Ashland",
    "Dover",
    "Milton",
    "Newport",
    "Hudson",
    "Kingston",
    "Lexington",
    "Marion",
    "Burlington",
]
_PRODUCT_TYPES = (
    ("Wireless Headphones", 60, 400), ("Bluetooth Speaker", 30, 300), ("Laptop", 500, 2500), ("Tablet", 150, 1200),
    ("Smartphone", 200, 1400), ("Smart Watch", 100, 800), ("Coffee Maker", 40, 600), ("Espresso Machine", 150, 1500),
    ("Blender", 30, 400), ("Vacuum Cleaner", 80, 900), ("Air Purifier", 60, 700), ("Electric Kettle", 20, 150),
    ("Running Shoes", 50, 250), ("Rain Jacket", 40, 400), ("Backpack", 30, 250), ("Desk Lamp", 15, 200),
    ("Office Chair", 90, 1200), ("Standing Desk", 200, 1500), ("Monitor", 120, 1500), ("Keyboard", 20, 250),
    ("Mouse", 10, 150), ("Camera", 300, 3000), ("Drone", 200, 2000), ("Electric Toothbrush", 20, 250),
    ("Hair Dryer", 20, 450), ("Microwave Oven", 60, 500), ("Refrigerator", 500, 3500), ("Washing Machine", 400, 2000),
    ("Television", 250, 4000), ("Soundbar", 100, 1200), ("Router", 40, 500), ("External SSD", 50, 400),
    ("Printer", 60, 600), ("Bicycle", 250, 3000), ("Tent", 80, 800), ("Cookware Set", 60, 700),
    ("Gaming Console", 250, 700),
    ("E-reader", 80, 300), ("Fitness Tracker", 30, 250), ("Power Drill", 40, 400),
)  # fmt: skip
_NOTES = (
    "Gift for Anna", "Bought on sale", "Black Friday deal", "Replacement for the old one", "Open box, works fine",
    "Price matched", "Receipt in the drawer", "Paid with the travel card", "For the office", "Birthday present",
    "Returned once, exchanged", "Refurbished", "Extended warranty offered at checkout", "Kids' room",
)  # fmt: skip
_PROVIDERS = ("", "", "SquareTrade", "Asurion", "Allstate Protection", "Manufacturer")


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def vocabulary(rng: random.Random):
    """Retailer names, brand names and a product catalog: (brand index, product name, base price)."""
    brands, seen = [], set()
    for suffix in _BRAND_SUFFIXES:
        for root in _BRAND_ROOTS:
            name = root + suffix
            if name not in seen and len(brands) < BRAND_COUNT:
                seen.add(name)
                brands.append(name)
    retailers = []
    for city in _CITIES:
        for word in _RETAILER_WORDS:
            if len(retailers) < RETAILER_COUNT:
                retailers.append(f"{city} {word}")
    products = []
    for brand_index, brand in enumerate(brands):
        for _ in range(PRODUCTS_PER_BRAND):
            kind, low, high = rng.choice(_PRODUCT_TYPES)
            model = f"{rng.choice('ABCDEFGHKMPRSTXZ')}{rng.choice('ABCDEFGHKMPRSTXZ')}-{rng.randint(100, 9999)}"
            price = Decimal(rng.uniform(low, high)).quantize(Decimal("0.01"))
            products.append((brand_index, f"{brand.split(' &')[0]} {model} {kind}", price))
    return retailers, brands, products


class RowMaker:
    """Purchase and warranty rows for one member at a time (their household's, created by them), as Python values
    (uuid, Decimal, date, datetime)."""

    def __init__(self, rng: random.Random, retailer_ids: list, brand_ids: list, products: list, today: datetime.date):
        self.rng = rng
        self.retailer_ids = retailer_ids
        self.brand_ids = brand_ids
        self.products = products
        # Popularity of products and retailers falls off like a power law: some are bought again and again.
        self.product_weights = _cumulative([1.0 / (i + 1) ** 0.8 for i in range(len(products))])
        rng.shuffle(self.products)
        self.retailer_weights = _cumulative([1.0 / (i + 1) ** 0.9 for i in range(len(retailer_ids))])
        self.currency_codes = [code for code, _ in CURRENCIES]
        self.currency_weights = _cumulative([weight for _, weight in CURRENCIES])
        self.today = today

    def rows(self, member: tuple, count: int):
        """Yields (purchase row, warranty row or None) of `member` = (user id, household id)."""
        user_id, household_id = member
        rng = self.rng
        products = rng.choices(self.products, cum_weights=self.product_weights, k=count)
        retailers = rng.choices(self.retailer_ids, cum_weights=self.retailer_weights, k=count)
        currencies = rng.choices(self.currency_codes, cum_weights=self.currency_weights, k=count)
        utc = datetime.UTC
        for (brand_index, name, base), retailer_id, currency in zip(products, retailers, currencies, strict=True):
            day = self.today - datetime.timedelta(days=rng.randrange(DAYS))
            created = datetime.datetime(day.year, day.month, day.day, tzinfo=utc) + datetime.timedelta(
                seconds=rng.randrange(86400 * 3)
            )
            price = (base * Decimal(rng.randint(85, 115)) / 100).quantize(Decimal("0.01"))
            pid = _uuid(rng)
            purchase = (
                pid,
                household_id,
                user_id,
                name,
                price,
                currency,
                None if rng.random() < 0.05 else retailer_id,
                self.brand_ids[brand_index] if rng.random() < 0.97 else None,
                "ORDERED" if rng.random() < 0.1 else "RECEIVED",
                day,
                rng.choice(_NOTES) if rng.random() < 0.25 else "",
                created,
                created,
            )
            warranty = None
            if rng.random() < 0.6:
                pick = rng.random()
                if pick < 0.70:
                    kind, end = "LIMITED", day + datetime.timedelta(days=365 * rng.choice((1, 1, 2)))
                elif pick < 0.90:
                    kind, end = "EXTENDED", day + datetime.timedelta(days=365 * rng.choice((3, 4, 5)))
                elif pick < 0.95:
                    kind, end = "LIFETIME", None
                else:
                    kind, end = "OTHER", day + datetime.timedelta(days=rng.choice((90, 180, 365)))
                warranty = (
                    _uuid(rng),
                    pid,
                    day,
                    end,
                    kind,
                    "VOIDED" if rng.random() < 0.02 else "ACTIVE",
                    rng.choice(_PROVIDERS) if kind == "EXTENDED" else "",
                    "",
                    created,
                    created,
                )
            yield purchase, warranty


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


PURCHASE_COLUMNS = (
    "id", "household_id", "created_by_id", "product_name", "price", "currency_code", "retailer_id", "brand_id",
    "status", "purchase_date", "notes", "created_at", "updated_at",
)  # fmt: skip
WARRANTY_COLUMNS = (
    "id", "purchase_id", "warranty_start", "warranty_end", "warranty_type", "status", "provider", "notes",
    "created_at", "updated_at",
)  # fmt: skip


# --- database set-up ---------------------------------------------------------------------------------------------


def recreate_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    if not name.startswith("spends_bench"):
        raise SystemExit(f"Refusing to drop {name!r}: the bench database's name must start with spends_bench.")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def recreate_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)


def create_users_and_catalog(other_users: int, retailers: list[str], brands: list[str], rng: random.Random):
    """Users (each with an API token, stored hashed, and a personal household), retailers and brands through the ORM;
    returns ((user id, household id) per user, retailer ids, brand ids). The bench run issues its own token for the
    main user (a stored hash cannot be read)."""
    from django.contrib.auth import get_user_model

    from catalog.models import Brand, Retailer
    from households.models import Household, Membership
    from spends.models import ApiToken
    from spends.tokens import token_digest

    user_model = get_user_model()
    main = user_model.objects.create_user(MAIN_USER, password=MAIN_PASSWORD)
    others = [user_model(username=f"bench_other_{i:03d}") for i in range(other_users)]
    for user in others:
        user.set_unusable_password()
    others = user_model.objects.bulk_create(others)  # no post_save: their households are made here
    households = Household.objects.bulk_create([Household(name=f"{user.username}'s household") for user in others])
    Membership.objects.bulk_create(
        [Membership(user=user, household=household) for user, household in zip(others, households, strict=True)]
    )
    main_household_id = Membership.objects.get(user=main).household_id
    # Token rows like real users have (the lookup's index size); their keys are thrown away.
    ApiToken.objects.bulk_create(
        [ApiToken(user=user, name="bench", digest=token_digest(secrets.token_urlsafe(32))) for user in [main, *others]]
    )
    retailer_objs = Retailer.objects.bulk_create(
        [
            Retailer(id=_uuid(rng), name=name, url=f"https://{name.lower().replace(' ', '-')}.example")
            for name in retailers
        ]
    )
    brand_objs = Brand.objects.bulk_create([Brand(id=_uuid(rng), name=name) for name in brands])
    members = [(main.pk, main_household_id)] + [(u.pk, h.pk) for u, h in zip(others, households, strict=True)]
    return members, [r.pk for r in retailer_objs], [b.pk for b in brand_objs]


def load_postgres(url: str, plan: list[tuple[int, int]], maker: RowMaker) -> int:
    import psycopg

    tables = ("purchases_purchase", "warranties_warranty")
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")  # no FK triggers: the rows are consistent by design
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("SET statement_timeout = 0")
        # Secondary indexes (not those behind constraints) are dropped and rebuilt: far faster than 1M inserts each.
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [list(tables)],
        ).fetchall()
        # Per-column statistics targets of the indexes (migration purchases/0004) are lost with DROP INDEX: kept here.
        targets = conn.execute(
            "SELECT c.relname, a.attnum, a.attstattarget FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE c.relname = ANY(%s) AND a.attstattarget > 0",
            [[name for name, _ in indexes]],
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        warranties, total = [], 0
        started = time.monotonic()
        with conn.cursor() as cursor:
            columns = ", ".join(PURCHASE_COLUMNS)
            with cursor.copy(f"COPY purchases_purchase ({columns}) FROM STDIN") as copy:
                for member, count in plan:
                    for purchase, warranty in maker.rows(member, count):
                        copy.write_row(purchase)
                        if warranty:
                            warranties.append(warranty)
                    total += count
                    _progress("purchases", total, sum(c for _, c in plan), started)
            columns = ", ".join(WARRANTY_COLUMNS)
            with cursor.copy(f"COPY warranties_warranty ({columns}) FROM STDIN") as copy:
                for warranty in warranties:
                    copy.write_row(warranty)
        print(f"\ncopied {total:,} purchases and {len(warranties):,} warranties in {time.monotonic() - started:.1f}s")
        started = time.monotonic()
        for _, definition in indexes:
            conn.execute(definition)
        for name, column, target in targets:
            conn.execute(f'ALTER INDEX "{name}" ALTER COLUMN {column} SET STATISTICS {target}')
        conn.commit()
        print(f"rebuilt {len(indexes)} indexes in {time.monotonic() - started:.1f}s")
    with psycopg.connect(url, autocommit=True) as conn:
        # The production stack's planner setting (docker-compose.yml: SSD storage), for every later connection.
        conn.execute(f'ALTER DATABASE "{conn.info.dbname}" SET random_page_cost = {RANDOM_PAGE_COST}')
        started = time.monotonic()
        for table in ("purchases_purchase", "warranties_warranty", "auth_user", "spends_apitoken"):
            conn.execute(f"VACUUM ANALYZE {table}")
        print(f"vacuum analyze in {time.monotonic() - started:.1f}s")
    return total


def load_sqlite(path: Path, plan: list[tuple[int, int]], maker: RowMaker, batch: int = 50_000) -> int:
    import sqlite3

    def value(v):
        if isinstance(v, uuid.UUID):
            return v.hex  # Django stores UUIDs as char(32) on SQLite
        if isinstance(v, Decimal | datetime.date):
            return v.isoformat() if not isinstance(v, Decimal) else str(v)
        return v

    def dt(v):
        return v.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(sep=" ") if v else v

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    purchase_sql = _insert_sql("purchases_purchase", PURCHASE_COLUMNS)
    warranty_sql = _insert_sql("warranties_warranty", WARRANTY_COLUMNS)
    started, total, target = time.monotonic(), 0, sum(c for _, c in plan)
    purchases, warranties = [], []

    def flush():
        with conn:
            conn.executemany(purchase_sql, purchases)
            conn.executemany(warranty_sql, warranties)
        purchases.clear()
        warranties.clear()

    for member, count in plan:
        for purchase, warranty in maker.rows(member, count):
            p = [value(v) for v in purchase]
            p[11], p[12] = dt(purchase[11]), dt(purchase[12])
            purchases.append(p)
            if warranty:
                w = [value(v) for v in warranty]
                w[8], w[9] = dt(warranty[8]), dt(warranty[9])
                warranties.append(w)
            if len(purchases) >= batch:
                total += len(purchases)
                flush()
                _progress("purchases", total, target, started)
    total += len(purchases)
    flush()
    _progress("purchases", total, target, started)
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(f"\nloaded {total:,} purchases in {time.monotonic() - started:.1f}s")
    return total


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608


def _progress(stage: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.monotonic() - started, 1e-9)
    sys.stderr.write(f"\r{stage}: {done:,}/{total:,} ({rate:,.0f} rows/s)")
    sys.stderr.flush()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--purchases", type=int, default=1_000_000, help="purchases of the main user (default 1M)")
    parser.add_argument("--other-users", type=int, default=100, help="other users (default 100)")
    parser.add_argument("--other-purchases", type=int, default=10_000, help="purchases per other user (default 10k)")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    parser.add_argument("--sqlite-path", type=Path, help="default data/bench/spends_bench.sqlite3")
    parser.add_argument("--database-url", default=DEFAULT_PG_URL, help="PostgreSQL; its name must start spends_bench")
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args(argv)

    url = database_url(sqlite=args.sqlite, url=args.database_url, sqlite_path=args.sqlite_path)
    started = time.monotonic()
    if args.sqlite:
        recreate_sqlite(Path(url.removeprefix("sqlite:///")))
    else:
        recreate_postgres(url)
    work = Path(tempfile.mkdtemp(prefix="spends-bench-gen-"))
    configure_django(url, work)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrated {url} in {time.monotonic() - started:.1f}s")

    rng = random.Random(args.seed)
    retailers, brands, products = vocabulary(rng)
    user_ids, retailer_ids, brand_ids = create_users_and_catalog(args.other_users, retailers, brands, rng)
    from django.db import connection

    connection.close()
    maker = RowMaker(rng, retailer_ids, brand_ids, products, datetime.datetime.now(datetime.UTC).date())
    plan = [(user_ids[0], args.purchases)] + [(uid, args.other_purchases) for uid in user_ids[1:]]
    if args.sqlite:
        total = load_sqlite(Path(url.removeprefix("sqlite:///")), plan, maker)
    else:
        total = load_postgres(url, plan, maker)
    summarised = time.monotonic()
    from django.db import transaction

    from purchases import summaries

    with transaction.atomic():  # the analytics summaries (#24) of the rows loaded behind Django's back
        summaries.recompute()
    with connection.cursor() as cursor:  # what autovacuum does after so many deletes and inserts (autocommit here)
        vacuum = "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
        cursor.execute(f"{vacuum} {summaries.TABLE}")
    print(f"summaries recomputed and analysed in {time.monotonic() - summarised:.1f}s")
    print(f"done: {total:,} purchases for {len(user_ids)} users in {time.monotonic() - started:.1f}s ({url})")


if __name__ == "__main__":
    main()
