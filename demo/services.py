"""Demo data for `manage.py seed_data`: a demo login (with a fresh API token), a second member of its household who
may only read (the viewer), and realistic purchases with warranties.

The passwords are the caller's (`make dev` keeps random ones in `.env` as DEMO_PASSWORD and DEMO_VIEWER_PASSWORD);
there is no fixed demo password.
"""

import datetime
import random
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from catalog.models import Brand, Retailer
from households import services as households
from households.choices import Role
from households.models import Membership
from households.scoping import scope_for
from purchases import conversion, summaries
from purchases.choices import PurchaseStatus
from purchases.models import Purchase
from spends import clock, data_versions
from spends.models import ApiToken
from spends.tokens import token_issue
from warranties.choices import WarrantyStatus, WarrantyType
from warranties.models import Warranty

DEMO_USERNAME = "demo"
DEMO_TOKEN_NAME = "demo"
DEMO_VIEWER_USERNAME = "viewer"

# (product, brand, price range, warranty months or None)
PRODUCTS = [
    ("MacBook Air 13", "Apple", (999, 1499), 12),
    ("iPhone 16", "Apple", (799, 1199), 12),
    ("AirPods Pro", "Apple", (199, 279), 12),
    ("Galaxy S25", "Samsung", (699, 1099), 24),
    ("Galaxy Tab S10", "Samsung", (499, 899), 24),
    ("WH-1000XM5 Headphones", "Sony", (299, 399), 12),
    ("PlayStation 5", "Sony", (449, 549), 12),
    ('OLED TV 55"', "LG", (1099, 1799), 24),
    ("Washing Machine Serie 6", "Bosch", (549, 899), 24),
    ("Cordless Drill", "Bosch", (89, 189), 36),
    ("V15 Vacuum", "Dyson", (549, 749), 24),
    ("ThinkPad X1 Carbon", "Lenovo", (1299, 1999), 36),
    ("XPS 13", "Dell", (999, 1499), 12),
    ("EOS R8 Camera", "Canon", (1299, 1699), 12),
    ("Switch OLED", "Nintendo", (299, 349), 12),
    ("Hue Starter Kit", "Philips", (129, 199), 24),
    ("MX Master 3S Mouse", "Logitech", (79, 109), 24),
    ("USB-C Cable 2m", None, (9, 25), None),
    ("Desk Lamp", None, (19, 59), None),
    ("Coffee Beans 1kg", None, (14, 32), None),
]
# Most purchases in the household's home currency, some bought abroad or online: the dashboard then shows a total
# converted to the home currency (API.md § Currencies).
HOME_SHARE = 4  # in 6
FOREIGN_CURRENCIES = ("EUR", "GBP", "USD")  # the first two that are not the home currency


def demo_currencies(home: str) -> list[str]:
    return [home] * HOME_SHARE + [code for code in FOREIGN_CURRENCIES if code != home][:2]


@dataclass
class DemoResult:
    username: str
    password: str
    token: str
    user_created: bool
    purchases_created: int
    purchases_total: int
    viewer_username: str = DEMO_VIEWER_USERNAME
    viewer_password: str = ""
    viewer_created: bool = False


def demo_user_ensure(*, username: str = DEMO_USERNAME, password: str):
    """The demo login (a superuser, so it can use the admin) with `password`, and a fresh API token named "demo".

    Only a hash of a token is stored, so the key of an earlier run cannot be shown again: each run revokes the previous
    demo token and issues a new one. Returns (user, token key, user created).
    """
    user, created = get_user_model().objects.get_or_create(username=username)
    user.is_staff = True
    user.is_superuser = True
    user.set_password(password)
    user.save()
    ApiToken.objects.filter(user=user, name=DEMO_TOKEN_NAME).delete()
    _, key = token_issue(user=user, name=DEMO_TOKEN_NAME)
    return user, key, created


def demo_viewer_ensure(*, owner, username: str = DEMO_VIEWER_USERNAME, password: str):
    """`username`, with `password`, as a VIEWER member of `owner`'s household (owner: the demo login): reads,
    exports and downloads, never writes. Not staff. Joins through the households services (an invite of the demo
    login, used at once; the viewer's empty personal household goes), so the demo shows what a real join does. On a
    re-run the viewer stays in the household, set back to VIEWER if an owner changed the role. Returns (user, created).
    """
    household_id = scope_for(owner).household_id
    user, created = get_user_model().objects.get_or_create(username=username)
    user.is_staff = user.is_superuser = False
    user.set_password(password)
    user.save()
    membership = Membership.objects.filter(user=user).first()
    if membership is None or membership.household_id != household_id:
        if membership is None:
            households.personal_household_create(user=user)
        _, code = households.invite_create(household_id=household_id, role=Role.VIEWER, created_by=owner)
        households.household_join(user=user, code=code, bring_data=False)
    elif membership.role != Role.VIEWER:
        households.membership_role_set(household_id=household_id, user_id=user.pk, role=Role.VIEWER)
    return user, created


def _demo_purchase(
    rng: random.Random, *, user, household_id, today, months: int, retailers, brands, currencies
) -> tuple:
    """One random purchase of the household, added by `user`, within the last `months` months, in one of
    `currencies`, and its warranty or None (unsaved; its conversion is set in bulk afterwards). The
    order of the `rng` calls is what makes a seeded run repeat itself: keep it."""
    name, brand_name, (low, high), warranty_months = rng.choice(PRODUCTS)
    purchase_date = today - datetime.timedelta(days=rng.randint(0, months * 30))
    purchase = Purchase(
        household_id=household_id,
        created_by=user,
        product_name=name,
        price=Decimal(rng.randint(low * 100, high * 100)) / 100,
        currency_code=rng.choice(currencies),
        retailer=rng.choice(retailers) if retailers and rng.random() < 0.9 else None,
        brand=brands.get(brand_name) if brand_name else None,
        status=PurchaseStatus.RECEIVED
        if purchase_date < today - datetime.timedelta(days=7)
        else PurchaseStatus.ORDERED,
        purchase_date=purchase_date,
        notes=rng.choice(["", "", "Gift", "Bought on sale", "Work equipment"]),
    )
    if not (warranty_months and rng.random() < 0.75):
        return purchase, None
    return purchase, _demo_warranty(rng, purchase=purchase, months=warranty_months, provider=brand_name or "")


def _demo_warranty(rng: random.Random, *, purchase, months: int, provider: str):
    """A warranty of `months` months from the purchase date (lifetime for about 5%, voided for about 5%)."""
    lifetime = rng.random() < 0.05
    return Warranty(
        purchase=purchase,
        created_by=purchase.created_by,
        warranty_start=purchase.purchase_date,
        warranty_end=None if lifetime else purchase.purchase_date + datetime.timedelta(days=months * 30),
        warranty_type=WarrantyType.LIFETIME
        if lifetime
        else rng.choice([WarrantyType.LIMITED, WarrantyType.LIMITED, WarrantyType.EXTENDED]),
        status=WarrantyStatus.VOIDED if rng.random() < 0.05 else WarrantyStatus.ACTIVE,
        provider=provider,
    )


def _demo_purchases_create(user, household_id, *, count: int, rng: random.Random, months: int, progress) -> None:
    """`count` random purchases of the household (and their warranties), in bulk, then their conversion."""
    today = clock.today()
    retailers = list(Retailer.objects.order_by("name"))
    brands = {brand.name: brand for brand in Brand.objects.all()}
    home = conversion.home_currency_of(household_id)
    currencies = demo_currencies(home)
    new_purchases, new_warranties = [], []
    for index in range(count):
        purchase, warranty = _demo_purchase(
            rng,
            user=user,
            household_id=household_id,
            today=today,
            months=months,
            retailers=retailers,
            brands=brands,
            currencies=currencies,
        )
        new_purchases.append(purchase)
        if warranty is not None:
            new_warranties.append(warranty)
        if progress and (index + 1) % 1000 == 0:
            progress(index + 1, count)
    Purchase.objects.bulk_create(new_purchases, batch_size=1000)
    Warranty.objects.bulk_create(new_warranties, batch_size=1000)
    # Their rates (the reference rate of each purchase day; none after the last publication day stored), sources and
    # home prices, in bulk: one UPDATE per currency and one for the home prices. The whole household: reconvert's rows
    # must not be chosen by a column it sets (such as exchange_rate).
    conversion.reconvert(Purchase.objects.in_household(household_id), home_currency=home)
    summaries.recompute([household_id])  # the analytics summaries of the bulk write (#24)
    data_versions.bump(data_versions.household_scope(household_id))  # once for the whole bulk write


@transaction.atomic
def demo_data_create(
    *,
    purchases: int = 60,
    seed: int | None = None,
    months: int = 18,
    username: str = DEMO_USERNAME,
    password: str,
    viewer_username: str = DEMO_VIEWER_USERNAME,
    viewer_password: str | None = None,
    progress=None,
) -> DemoResult:
    """Ensure the demo user exists, its household has at least `purchases` purchases (idempotent: tops up, never
    duplicates) and the viewer `viewer_username` is a VIEWER member of it (demo_viewer_ensure) with `viewer_password`
    (default: a random one, in the result).

    With `seed`, the generated data is the same every time. Dates spread over the last `months` months;
    about 60% of the purchases get a warranty; about a third are in two currencies other than the household's home
    currency (EUR and GBP when it is USD), converted at the ECB reference rate of their day.
    """
    user, key, user_created = demo_user_ensure(username=username, password=password)
    viewer_password = viewer_password or secrets.token_urlsafe(12)
    _, viewer_created = demo_viewer_ensure(owner=user, username=viewer_username, password=viewer_password)
    household_id = scope_for(user).household_id
    existing = Purchase.objects.in_household(household_id).count()
    missing = max(0, purchases - existing)
    if missing:
        _demo_purchases_create(
            user, household_id, count=missing, rng=random.Random(seed), months=months, progress=progress
        )
    return DemoResult(
        username=username,
        password=password,
        token=key,
        user_created=user_created,
        purchases_created=missing,
        purchases_total=existing + missing,
        viewer_username=viewer_username,
        viewer_password=viewer_password,
        viewer_created=viewer_created,
    )
