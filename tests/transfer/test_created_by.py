"""created_by in an import (#20): the username of a member of the importing household is recorded for a new row (and
its warranty); anything else (unknown, another household's user, not a username at all) records the importer, with
no error or warning that would tell whether such a user exists. Updates never change who added a purchase."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households.choices import Role
from households.models import Household
from purchases import selectors
from purchases.models import Purchase
from tests.factories import PurchaseFactory, WarrantyFactory, household_of, member
from tests.transfer.conftest import converted, csv_rows, without_regenerated
from transfer import services as transfer
from warranties.models import Warranty

pytestmark = pytest.mark.django_db

HEADER = "product_name,price,purchase_date,created_by,warranty_start,warranty_end"


@pytest.fixture
def home(owner):
    """The owner's household with an editor ("partner") and a viewer ("reader")."""
    household = Household.objects.get(pk=household_of(owner))
    member(household, username="partner")
    member(household, role=Role.VIEWER, username="reader")
    return household


def _csv(*rows: str, header: str = HEADER):
    return transfer.parse_csv(("\n".join([header, *rows]) + "\n").encode())


def _import(user, household_id=None, **kwargs) -> dict:
    household_id = household_id or household_of(user)
    return transfer.purchases_import(household_id=household_id, created_by=user, **kwargs)


def _created_by(household) -> dict[str, str | None]:
    rows = Purchase.objects.filter(household=household).values_list("product_name", "created_by__username")
    return dict(rows)


def test_a_members_username_is_kept_for_a_new_row_and_its_warranty(home, owner):
    partner = home.memberships.get(user__username="partner").user
    report = _import(
        partner,
        table=_csv(
            "By owner,1.00,2025-01-01,owner,2025-01-01,2026-01-01",
            "By reader,2.00,2025-01-02,reader,,",
            "By nobody in the file,3.00,2025-01-03,,2025-01-03,2026-01-03",
            "By partner,4.00,2025-01-04,partner,,",
        ),
    )
    assert (report["created"], report["errors"], report["warnings"]) == (4, [], [])
    assert _created_by(home) == {
        "By owner": "owner",
        "By reader": "reader",  # a viewer adds nothing through the API, yet what they added is theirs
        "By nobody in the file": "partner",  # the importer
        "By partner": "partner",
    }
    warranties = dict(Warranty.objects.values_list("purchase__product_name", "created_by__username"))
    assert warranties == {"By owner": "owner", "By nobody in the file": "partner"}


def test_an_unknown_or_another_households_username_records_the_importer_alike(home, owner, other_user):
    reports = []
    for name in ("other", "nobody"):  # "other" exists, in another household; "nobody" does not exist
        reports.append(_import(owner, table=_csv(f"Lamp,5.00,2025-02-01,{name},,", f"Desk,6.00,2025-02-02,{name},,")))
        Purchase.objects.filter(household=home).delete()
    assert (
        reports[0]
        == reports[1]
        == {
            "dry_run": False,
            "total_rows": 2,
            "created": 2,
            "updated": 0,
            "skipped": 0,
            "errors": [],
            "warnings": [],
            "skipped_rows": [],
        }
    )
    _import(owner, table=_csv("Lamp,5.00,2025-02-01,other,,"))
    assert _created_by(home) == {"Lamp": "owner"}
    assert not Purchase.objects.filter(created_by=other_user, household=home).exists()


@pytest.mark.parametrize("value", [None, "", "x" * 151, 7, ["partner"], {"username": "partner"}, True])
def test_a_json_created_by_that_is_no_username_is_ignored_without_error(home, owner, value):
    obj = {"product_name": "Kettle", "price": "20.00", "purchase_date": "2025-03-01", "created_by": value}
    document = {"format": "spends-tracker", "version": 1, "purchases": [obj]}
    report = _import(owner, document=document)
    assert (report["created"], report["errors"], report["warnings"]) == (1, [], [])
    assert _created_by(home) == {"Kettle": "owner"}


def _export(kind: str, household_id) -> str:
    if kind == "json":
        return "".join(transfer.purchases_export_json(household_id=household_id))
    return "".join(transfer.purchases_export_csv(queryset=selectors.purchase_list(household_id=household_id)))


def _comparable(kind: str, text: str):
    if kind == "json":
        return without_regenerated(json.loads(text)["purchases"])
    return [{k: v for k, v in row.items() if k not in ("id", "created_at", "updated_at")} for row in csv_rows(text)]


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_round_trip_within_the_household_keeps_who_added_each_purchase(home, owner, kind):
    partner = home.memberships.get(user__username="partner").user
    mine = PurchaseFactory(owner=owner, product_name="Mine", purchase_date=datetime.date(2025, 1, 2))
    WarrantyFactory(purchase=mine)
    PurchaseFactory(
        household=home, created_by=partner, product_name="Partner's", purchase_date=datetime.date(2025, 1, 1)
    )
    converted(home.pk)
    original = _export(kind, home.pk)
    Purchase.objects.filter(household=home).delete()
    source = {"document": transfer.parse_json(original.encode())} if kind == "json" else {}
    source = source or {"table": transfer.parse_csv(original.encode())}
    report = _import(owner, **source)
    assert (report["created"], report["errors"], report["warnings"]) == (2, [], [])
    assert _created_by(home) == {"Mine": "owner", "Partner's": "partner"}
    assert _comparable(kind, _export(kind, home.pk)) == _comparable(kind, original)


def test_an_update_never_changes_who_added_a_purchase(home, owner):
    partner = home.memberships.get(user__username="partner").user
    kept = PurchaseFactory(owner=owner, product_name="Chair", price="30.00", purchase_date=datetime.date(2025, 4, 1))
    header = "id,product_name,price,purchase_date,notes,created_by,warranty_start,warranty_end"
    table = _csv(f"{kept.pk},Chair,30.00,2025-04-01,now with notes,partner,2025-04-01,2027-04-01", header=header)
    report = _import(partner, table=table, on_duplicate="update")
    assert (report["updated"], report["created"]) == (1, 0)
    kept.refresh_from_db()
    assert (kept.notes, kept.created_by) == ("now with notes", owner)
    # The warranty the update added is the importer's: they added it.
    assert Warranty.objects.get(purchase=kept).created_by == partner
    again = _import(partner, table=_csv("Chair,30.00,2025-04-01,partner,,"))  # the same purchase: a duplicate
    assert (again["skipped"], again["created"]) == (1, 0)
    kept.refresh_from_db()
    assert kept.created_by == owner


def test_resolving_usernames_is_one_query_whatever_the_rows(home, owner, other_user):
    names = ["owner", "partner", "reader", "other", "nobody", ""]
    _import(owner, home.pk, table=_csv("Warm-up,1.00,2025-05-01,,,"))  # the household's data version row exists
    counts = []
    for n in (1, 30):
        Purchase.objects.filter(household=home).delete()
        rows = [f"Item {i},{i}.00,2025-05-{1 + i % 28:02d},{names[i % len(names)]},," for i in range(n)]
        table = _csv(*rows)
        with CaptureQueriesContext(connection) as queries:
            report = _import(owner, home.pk, table=table)
        assert report["created"] == n
        membership = [q["sql"] for q in queries.captured_queries if "households_membership" in q["sql"]]
        assert len(membership) == 1, "\n".join(membership)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    created_by = dict(Purchase.objects.filter(household=home).values_list("product_name", "created_by__username"))
    assert [created_by[f"Item {i}"] for i in range(6)] == ["owner", "partner", "reader", "owner", "owner", "owner"]


def test_a_dry_run_looks_nobody_up(home, owner):
    table = _csv("Lamp,5.00,2025-02-01,partner,,")
    with CaptureQueriesContext(connection) as queries:
        report = _import(owner, home.pk, table=table, dry_run=True)
    assert report["created"] == 1
    assert not [q for q in queries.captured_queries if "households_membership" in q["sql"]]
    assert not Purchase.objects.filter(household=home).exists()
