"""#24: random sequences of creates, updates, deletes (the API; of warranties too, standalone and nested in a
purchase's update), imports (transfer), restores (backups) and
home-currency changes (the API) keep the purchase summaries equal to their recomputation from the rows after every
step, on the configured engine. Real database, real services, a real backup archive."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from backups import restore
from backups import services as backups
from backups.choices import BackupStatus
from purchases import summaries
from purchases.models import Purchase, PurchaseSummary
from rates.models import Rate
from spends.tokens import token_issue
from tests.factories import PurchaseFactory, RetailerFactory, UserFactory, WarrantyFactory, household_of
from transfer import services as transfer
from warranties.models import Warranty

pytestmark = pytest.mark.django_db(transaction=True)

FIRST_RATE_DAY = datetime.date(2024, 3, 1)
NAMES = st.sampled_from(["Kettle", "kettle", " Toaster ", "Lamp", "LAMP", "Radio"])
PRICES = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("9999.99"), places=2)
CURRENCIES = st.sampled_from(["EUR", "USD", "GBP", "VND"])  # VND: no reference rate, never converted
DAYS = st.dates(min_value=datetime.date(2024, 2, 10), max_value=datetime.date(2024, 4, 30))
STATUSES = st.sampled_from(["ORDERED", "RECEIVED", "RETURNED"])
SHOPS = st.sampled_from([None, 0, 1])

FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "product_name": NAMES,
        "price": PRICES,
        "currency_code": CURRENCIES,
        "purchase_date": DAYS,
        "status": STATUSES,
        "shop": SHOPS,
    },
)
# Warranties (#24: their counts per status × start × end, and their cost on their purchase's MONTH row): lifetime
# ones (no end), voided ones, costs or none, ends on month boundaries.
WARRANTY_DAYS = st.sampled_from(
    [datetime.date(2024, 2, 29), datetime.date(2024, 3, 1), datetime.date(2024, 3, 31), datetime.date(2024, 4, 15)]
)
COVERAGE = st.fixed_dictionaries(
    {"start": WARRANTY_DAYS, "days": st.sampled_from([None, 0, 30, 365])},
    optional={"status": st.sampled_from(["ACTIVE", "VOIDED"]), "cost": st.one_of(st.none(), PRICES)},
)
STEPS = st.one_of(
    st.tuples(st.just("warranty"), st.integers(0, 20), COVERAGE),
    st.tuples(st.just("warranty_update"), st.integers(0, 20), COVERAGE),
    st.tuples(st.just("warranty_delete"), st.integers(0, 20)),
    st.tuples(st.just("nested"), st.integers(0, 20), st.lists(COVERAGE, max_size=2), FIELDS),
    st.tuples(st.just("create"), NAMES, PRICES, CURRENCIES, DAYS, STATUSES, SHOPS),
    st.tuples(st.just("update"), st.integers(0, 20), FIELDS),
    st.tuples(st.just("delete"), st.integers(0, 20)),
    st.tuples(
        st.just("import"), st.lists(st.tuples(NAMES, PRICES, CURRENCIES, DAYS, STATUSES), min_size=1, max_size=4)
    ),
    st.tuples(st.just("home"), st.sampled_from(["EUR", "USD", "GBP"])),
    st.tuples(st.just("restore")),
)


@pytest.fixture
def world(settings):
    """An owner with a token, two shops, a few reference rates, three purchases, and a backup of all that whose
    summaries were emptied before it was made (a restore must rebuild them)."""
    rates = {"USD": Decimal("1.0892"), "GBP": Decimal("0.8541")}
    Rate.objects.all().delete()  # a small archive: a few rates instead of the shipped history
    Rate.objects.bulk_create(
        Rate(currency=code, day=FIRST_RATE_DAY + datetime.timedelta(days=day), rate=rate + day * Decimal("0.0001"))
        for code, rate in rates.items()
        for day in range(0, 61, 3)
    )
    owner = UserFactory(username="prop-owner")
    _, key = token_issue(user=owner, name="property test")
    shops = [RetailerFactory(name="Shop A").pk, RetailerFactory(name="Shop B").pk]
    for price in ("1.00", "2.50", "3.99"):
        purchase = PurchaseFactory(owner=owner, price=price, purchase_date=datetime.date(2024, 3, 5))
        WarrantyFactory(purchase=purchase, cost=Decimal("0.99"))
    PurchaseSummary.objects.all().delete()
    backup = backups.backup_create()
    assert backup.status == BackupStatus.SUCCEEDED, backup.error
    summaries.recompute()
    return {"owner": owner, "key": key, "shops": shops, "archive": Path(django_settings.BACKUP_DIR) / backup.filename}


def _shop(world, choice):
    return None if choice is None else str(world["shops"][choice])


def _target(index):
    rows = list(Purchase.objects.order_by("created_at", "id").values_list("pk", flat=True))
    return rows[index % len(rows)] if rows else None


def _payload(name, price, currency, day, status, shop):
    body = {"product_name": name, "price": str(price), "currency_code": currency, "purchase_date": day.isoformat()}
    body |= {"status": status, "retailer_id": shop}
    if status == "RETURNED":
        body["returned_on"] = day.isoformat()
    return body


def _coverage(coverage) -> dict:
    """A warranty's fields from a COVERAGE draw: `days` None is a LIFETIME warranty (no end)."""
    start, days = coverage["start"], coverage["days"]
    body = {"warranty_start": start.isoformat(), "status": coverage.get("status", "ACTIVE")}
    if days is None:
        body |= {"warranty_type": "LIFETIME", "warranty_end": None}
    else:
        body |= {"warranty_type": "LIMITED", "warranty_end": (start + datetime.timedelta(days=days)).isoformat()}
    if "cost" in coverage:
        body["cost"] = None if coverage["cost"] is None else str(coverage["cost"])
    return body


def _warranty_step(world, client, kind, args) -> None:
    if kind == "warranty" and (pk := _target(args[0])) is not None:
        response = client.post("/api/warranties", {"purchase_id": str(pk), **_coverage(args[1])}, format="json")
        assert response.status_code == 201, response.json()
    elif kind == "warranty_update" and (pk := _warranty(args[0])) is not None:
        response = client.patch(f"/api/warranties/{pk}", _coverage(args[1]), format="json")
        assert response.status_code == 200, response.json()
    elif kind == "warranty_delete" and (pk := _warranty(args[0])) is not None:
        assert client.delete(f"/api/warranties/{pk}").status_code == 204
    elif kind == "nested" and (pk := _target(args[0])) is not None:
        changes = {key: str(value) if key in ("price", "purchase_date") else value for key, value in args[2].items()}
        if "shop" in changes:
            changes["retailer_id"] = _shop(world, changes.pop("shop"))
        body = {**changes, "warranties": [_coverage(coverage) for coverage in args[1]]}
        response = client.patch(f"/api/purchases/{pk}", body, format="json")
        assert response.status_code in (200, 400), response.json()


def _warranty(index):
    rows = list(Warranty.objects.order_by("created_at", "id").values_list("pk", flat=True))
    return rows[index % len(rows)] if rows else None


def _step(world, client, step) -> None:
    kind, *args = step
    if kind.startswith("warranty") or kind == "nested":
        _warranty_step(world, client, kind, args)
    elif kind == "create":
        name, price, currency, day, status, shop = args
        response = client.post(
            "/api/purchases", _payload(name, price, currency, day, status, _shop(world, shop)), format="json"
        )
        assert response.status_code == 201, response.json()
    elif kind == "update" and (pk := _target(args[0])) is not None:
        changes = dict(args[1])
        if "shop" in changes:
            changes["retailer_id"] = _shop(world, changes.pop("shop"))
        changes = {key: str(value) if key in ("price", "purchase_date") else value for key, value in changes.items()}
        response = client.patch(f"/api/purchases/{pk}", changes, format="json")
        assert response.status_code in (200, 400), response.json()  # 400: e.g. returned before its purchase day
    elif kind == "delete" and (pk := _target(args[0])) is not None:
        assert client.delete(f"/api/purchases/{pk}").status_code == 204
    elif kind == "import":
        lines = ["product_name,price,currency_code,purchase_date,status,returned_on"]
        for name, price, currency, day, status in args[0]:
            returned = day.isoformat() if status == "RETURNED" else ""
            lines.append(f"{name.strip()},{price},{currency},{day.isoformat()},{status},{returned}")
        table = transfer.parse_csv(("\n".join(lines) + "\n").encode())
        owner = world["owner"]
        report = transfer.purchases_import(household_id=household_of(owner), created_by=owner, table=table)
        assert not report["errors"], report["errors"]
    elif kind == "home":
        response = client.patch("/api/auth/me", {"home_currency": args[0]}, format="json")
        assert response.status_code == 200, response.json()
    elif kind == "restore":
        restore.backup_restore(path=world["archive"], restored_from="property test")


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEPS, min_size=1, max_size=7))
def test_random_writes_keep_the_summaries_equal_to_the_rows(world, steps):
    client = APIClient()  # the token made before the backup: it survives a restore
    client.credentials(HTTP_AUTHORIZATION=f"Token {world['key']}")
    for step in steps:
        event(step[0])
        _step(world, client, step)
        household_id = household_of(world["owner"])
        assert summaries.summaries_stored(household_id) == summaries.summaries_expected(household_id), step
        assert not PurchaseSummary.objects.exclude(household_id=household_id).filter(purchases__gt=0).exists()
