"""Several warranties per purchase (#21) beyond the purchase API: analytics count coverages and add their cost,
reminders and the calendar treat each coverage once, the admin shows them as a tabular inline, and the version-1
export and import keep working with the chosen warranty."""

import datetime
import json
from decimal import Decimal

import pytest
import time_machine

from analytics import selectors as analytics
from purchases import summaries
from reminders import selectors as reminders
from tests.factories import PurchaseFactory, UserFactory, WarrantyFactory, household_of
from tests.transfer.conftest import csv_rows, csv_text, export_csv, export_json, import_file
from warranties.choices import WarrantyStatus
from warranties.models import Claim, Warranty

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 6, 15, 12, tzinfo=datetime.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(NOW, tick=False):
        yield


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def laptop(owner):
    """The maker's year (ends in 10 days), a retailer's plan (ends in 20 days, cost 99.00) and a voided card plan."""
    purchase = PurchaseFactory(owner=owner, product_name="Laptop", purchase_date=datetime.date(2024, 6, 25))
    maker = WarrantyFactory(purchase=purchase, warranty_start=purchase.purchase_date, warranty_end=days(10))
    plan = WarrantyFactory(
        purchase=purchase, warranty_start=purchase.purchase_date, warranty_end=days(20), cost=Decimal("99.00")
    )
    card = WarrantyFactory(
        purchase=purchase,
        warranty_start=purchase.purchase_date,
        warranty_end=days(400),
        status=WarrantyStatus.VOIDED,
        cost=Decimal("0.50"),
    )
    return purchase, maker, plan, card


# --- analytics ------------------------------------------------------------------------------------------------------


def test_the_warranty_summary_and_timeline_count_coverages(owner, laptop):
    household_id = household_of(owner)
    summary = analytics.warranty_summary(household_id=household_id)
    assert summary == {"total": 3, "active": 2, "expired": 0, "voided": 1, "expiring_soon": 2}
    current = analytics.warranty_timeline(household_id=household_id, months=1)[-1]
    assert (current["active"], current["expiring_soon"]) == (2, 2)


def test_warranty_cost_total_adds_the_coverages_of_the_counted_purchases(owner, owner_client, laptop):
    euro = PurchaseFactory(owner=owner, currency_code="EUR")
    WarrantyFactory(purchase=euro, cost=Decimal("7.25"))
    WarrantyFactory(purchase=PurchaseFactory(), cost=Decimal("1000.00"))  # another household's
    body = owner_client.get("/api/analytics/summary", {"currency": "USD"}).json()
    assert (body["warranty_cost_total"], body["item_count"]) == ("99.50", 1)  # each purchase counted once
    assert owner_client.get("/api/analytics/summary", {"currency": "EUR"}).json()["warranty_cost_total"] == "7.25"
    assert owner_client.get("/api/analytics/summary", {"currency": "GBP"}).json()["warranty_cost_total"] == "0.00"
    dashboard = owner_client.get("/api/analytics/dashboard", {"currency": "USD"}).json()
    assert dashboard["summary"]["warranty_cost_total"] == "99.50"
    assert dashboard["warranty_summary"]["total"] == 4  # coverages of every currency


# --- reminders and the calendar -----------------------------------------------------------------------------------


def test_every_expiring_coverage_is_a_reminder_once(owner, laptop):
    _, maker, plan, _ = laptop
    due = list(reminders.reminder_due_list(user=owner, household_id=household_of(owner), lead_days=[30, 7, 1]))
    assert [(w.pk, w.lead_day) for w in due] == [(maker.pk, 30), (plan.pk, 30)]
    calendar = list(reminders.calendar_warranties(household_id=household_of(owner)))
    assert [w.pk for w in calendar] == [maker.pk, plan.pk]


# --- admin ----------------------------------------------------------------------------------------------------------


def test_the_admin_shows_coverages_as_tabular_rows_and_saves_a_new_one(client, laptop):
    purchase, maker, plan, card = laptop
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(f"/admin/purchases/purchase/{purchase.pk}/change/").content.decode()
    assert 'id="warranties-group"' in page and "tabular" in page
    for index in range(3):
        assert f'name="warranties-{index}-warranty_end"' in page
    form = {
        "household": str(purchase.household_id),
        "created_by": "",
        "product_name": "Laptop",
        "price": "999.00",
        "currency_code": "USD",
        "status": "RECEIVED",
        "purchase_date": "2024-06-25",
        "notes": "",
        "warranties-TOTAL_FORMS": "4",
        "warranties-INITIAL_FORMS": "3",
        "warranties-MIN_NUM_FORMS": "0",
        "warranties-MAX_NUM_FORMS": "1000",
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "1000",
    }
    for index, warranty in enumerate([maker, plan, card]):
        form |= {
            f"warranties-{index}-id": str(warranty.pk),
            f"warranties-{index}-purchase": str(purchase.pk),
            f"warranties-{index}-warranty_type": warranty.warranty_type,
            f"warranties-{index}-warranty_start": warranty.warranty_start.isoformat(),
            f"warranties-{index}-warranty_end": warranty.warranty_end.isoformat(),
            f"warranties-{index}-status": warranty.status,
        }
    form |= {
        "warranties-3-purchase": str(purchase.pk),
        "warranties-3-warranty_type": "EXTENDED",
        "warranties-3-warranty_start": "2025-06-25",
        "warranties-3-warranty_end": "2027-06-25",
        "warranties-3-status": "ACTIVE",
        "warranties-3-reference": "CARD-9",
        "warranties-3-cost": "12.00",
    }
    response = client.post(f"/admin/purchases/purchase/{purchase.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Warranty.objects.filter(purchase=purchase).count() == 4
    assert Warranty.objects.get(reference="CARD-9").cost == Decimal("12.00")


def test_the_admin_status_filter_matches_any_coverage(client, owner, laptop):
    purchase, *_ = laptop
    bare = PurchaseFactory(owner=owner, product_name="Bare")
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    voided = client.get("/admin/purchases/purchase/", {"warranty_status": "VOIDED"}).content.decode()
    none = client.get("/admin/purchases/purchase/", {"warranty_status": "NONE"}).content.decode()
    assert f"/{purchase.pk}/change/" in voided and f"/{bare.pk}/change/" not in voided
    assert f"/{bare.pk}/change/" in none and f"/{purchase.pk}/change/" not in none


def test_the_admin_dashboard_counts_coverages(client, laptop):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    purchase = laptop[0]
    moved_from, purchase.household_id = purchase.household_id, household_of(admin)
    purchase.save()  # a raw move: the summaries the warranty counts are read from follow as a bulk write's (#24)
    summaries.recompute([moved_from, purchase.household_id])
    client.force_login(admin)
    page = client.get("/admin/").content.decode()
    assert "coverages: 2 active, 2 expiring within 30 days, 0 expired, 1 voided (3 in all)" in page
    assert "claims open: 0" in page
    maker = laptop[1]
    Claim.objects.create(warranty=maker, opened_on=maker.warranty_start, issue="Fan noise")
    Claim.objects.create(
        warranty=maker, opened_on=maker.warranty_start, closed_on=maker.warranty_start, status="REJECTED", issue="Dent"
    )
    other = WarrantyFactory()  # another household's open claim is not counted
    Claim.objects.create(warranty=other, opened_on=other.warranty_start, issue="Not ours")
    assert "claims open: 1" in client.get("/admin/").content.decode()


# --- export and import (version 1: the chosen warranty) -----------------------------------------------------------


def test_exports_hold_the_chosen_warranty_of_a_purchase_with_several(owner_client, laptop):
    _, _, plan, _ = laptop  # the card plan ends last but the chosen one is by end date, voided or not
    chosen = Warranty.objects.get(warranty_end=days(400))
    document = export_json(owner_client)
    (obj,) = document["purchases"]
    # Version 2 (#21): `warranties` holds every coverage; `warranty` is the chosen one.
    assert obj["warranty"]["id"] == str(chosen.pk) and len(obj["warranties"]) == 3
    assert (obj["warranty"]["cost"], obj["warranty"]["reference"], obj["warranty"]["claim_count"]) == ("0.50", "", 0)
    row, *others = csv_rows(export_csv(owner_client))  # one row per coverage, the chosen one first
    assert (row["warranty_end"], row["warranty_status"]) == (days(400).isoformat(), "VOIDED")
    assert len(others) == 2 and {other["id"] for other in others} == {row["id"]}
    assert plan.pk != chosen.pk


def test_importing_an_existing_purchases_warranty_changes_only_the_chosen_one(owner_client, laptop):
    purchase, maker, plan, card = laptop
    text = csv_text(
        f"{purchase.pk},Laptop,{purchase.price},2024-06-25,2024-06-25,2027-06-25",
        header="id,product_name,price,purchase_date,warranty_start,warranty_end",
    )
    report = import_file(owner_client, "csv", text, on_duplicate="update").json()
    assert report["updated"] == 1, report
    stored = {w.pk: w.warranty_end for w in Warranty.objects.filter(purchase=purchase)}
    assert stored == {maker.pk: days(10), plan.pk: days(20), card.pk: datetime.date(2027, 6, 25)}
    # A JSON file of version 1 with the warranty null removes only the chosen one too.
    document = {**export_json(owner_client), "version": 1}
    del document["purchases"][0]["warranties"]
    document["purchases"][0]["warranty"] = None
    report = import_file(owner_client, "json", json.dumps(document), on_duplicate="update").json()
    assert report["updated"] == 1, report
    assert set(Warranty.objects.filter(purchase=purchase).values_list("pk", flat=True)) == {maker.pk, plan.pk}
