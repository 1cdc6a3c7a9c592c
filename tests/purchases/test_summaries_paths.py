"""Every write path that changes purchases keeps their analytics summaries equal to the recomputation from the rows
(#24): the API's writes, the import, new reference rates, the admin, household deletion, the demo seed, and the
verify_summaries command that finds and fixes a difference."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households.models import Household
from purchases import services, summaries
from purchases.models import Purchase, PurchaseSummary
from tests.conftest import token_client
from tests.factories import PurchaseFactory, UserFactory, WarrantyFactory, household_of
from transfer import services as transfer

pytestmark = pytest.mark.django_db


def assert_in_step(household_id):
    assert summaries.summaries_stored(household_id) == summaries.summaries_expected(household_id)
    assert summaries.summaries_differences(household_id) == []


def counted(household_id) -> int:
    return sum(m[0] for k, m in summaries.summaries_stored(household_id).items() if k[1] == PurchaseSummary.MONTH)


def test_api_create_update_delete_with_warranties(owner_client, owner):
    household_id = household_of(owner)
    created = owner_client.post(
        "/api/purchases",
        {
            "product_name": "Kettle",
            "price": "49.90",
            "currency_code": "EUR",
            "purchase_date": "2024-03-15",
            "warranty": {"warranty_start": "2024-03-15", "warranty_end": "2026-03-15"},
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert_in_step(household_id)
    pk = created.json()["id"]
    patched = owner_client.patch(f"/api/purchases/{pk}", {"status": "RECEIVED", "price": "45.00"}, format="json")
    assert patched.status_code == 200
    assert_in_step(household_id)
    put = owner_client.put(
        f"/api/purchases/{pk}",
        {"product_name": "kettle", "price": "1.00", "currency_code": "GBP", "purchase_date": "2023-12-31"},
        format="json",
    )
    assert put.status_code == 200, put.json()
    assert_in_step(household_id)
    assert counted(household_id) == 1
    assert owner_client.delete(f"/api/purchases/{pk}").status_code == 204
    assert_in_step(household_id)
    assert counted(household_id) == 0


def test_a_refused_write_leaves_the_summaries_as_they_were(owner_client, owner):
    household_id = household_of(owner)
    PurchaseFactory(owner=owner)
    before = summaries.summaries_stored(household_id)
    response = owner_client.post(
        "/api/purchases",
        {
            "product_name": "Lamp",
            "price": "5.00",
            "purchase_date": "2024-01-01",
            "warranty": {"warranty_start": "2024-01-02", "warranty_end": "2024-01-01"},
        },
        format="json",
    )
    assert response.status_code == 400
    assert summaries.summaries_stored(household_id) == before


def test_import_recomputes_the_household_in_its_transaction(owner):
    household_id = household_of(owner)
    PurchaseFactory(owner=owner, product_name="Before", price="3.00")
    rows = "\n".join(
        ["product_name,price,currency_code,purchase_date,status,retailer"]
        + [
            f"Item {i},{i}.50,{('USD', 'EUR', 'JPY')[i % 3]},2024-0{1 + i % 9}-10,RECEIVED,Shop {i % 2}"
            for i in range(9)
        ]
    )
    report = transfer.purchases_import(
        household_id=household_id, created_by=owner, table=transfer.parse_csv((rows + "\n").encode())
    )
    assert report["created"] == 9 and not report["errors"]
    assert_in_step(household_id)
    assert counted(household_id) == 10


def test_newer_rates_recompute_the_households_they_convert(owner):
    from rates.services import rates_import
    from tests.rates.conftest import NEWER

    household_id = household_of(owner)
    home = Household.objects.get(pk=household_id)
    home.home_currency = "EUR"
    home.save()
    PurchaseFactory(owner=owner, price=Decimal("11.00"), currency_code="USD", purchase_date="2027-01-10")
    assert_in_step(household_id)
    rates_import(NEWER)
    assert Purchase.objects.get().exchange_rate is not None
    assert_in_step(household_id)


def test_admin_change_delete_and_bulk_delete(client, owner):
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(admin)
    household_id = household_of(owner)
    first, second, third = (PurchaseFactory(owner=owner, price=f"{i}.00") for i in (1, 2, 3))
    form = {
        "household": household_id,
        "created_by": owner.pk,
        "product_name": "Changed in the admin",
        "price": "99.00",
        "currency_code": "GBP",
        "status": "RECEIVED",
        "purchase_date": "2023-05-05",
        "notes": "",
    }
    inline = {f"{prefix}-{key}": "0" for prefix in ("warranties", "attachments") for key in ("TOTAL_FORMS",)}
    inline |= {f"{prefix}-INITIAL_FORMS": "0" for prefix in ("warranties", "attachments")}
    response = client.post(f"/admin/purchases/purchase/{first.pk}/change/", form | inline)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Purchase.objects.get(pk=first.pk).price == Decimal("99.00")
    assert_in_step(household_id)
    response = client.post(f"/admin/purchases/purchase/{second.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert_in_step(household_id)
    response = client.post(
        "/admin/purchases/purchase/",
        {"action": "delete_selected", "_selected_action": [str(third.pk), str(first.pk)], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Purchase.objects.exists()
    assert_in_step(household_id)
    assert counted(household_id) == 0


def test_deleting_an_empty_household_takes_its_summary_rows(owner):
    household_id = household_of(owner)
    services.purchase_delete(purchase=PurchaseFactory(owner=owner))
    assert PurchaseSummary.objects.filter(household_id=household_id).exists()  # rows of 0 purchases stay
    Household.objects.filter(pk=household_id).delete()  # as households.services does once it is empty
    assert not PurchaseSummary.objects.filter(household_id=household_id).exists()


def test_demo_seed_is_summarised(db):
    from demo.services import demo_data_create

    result = demo_data_create(purchases=30, seed=3, password="a-long-demo-password-1234")
    household_id = household_of(UserFactory._meta.model.objects.get(username=result.username))
    assert_in_step(household_id)
    assert counted(household_id) >= 30


def test_verify_summaries_reports_fixes_and_exits_1(owner, capsys):
    household_id = household_of(owner)
    purchase = PurchaseFactory(owner=owner, product_name="Radio", price="20.00")
    WarrantyFactory(purchase=purchase)
    call_command("verify_summaries")
    assert "equal their purchases" in capsys.readouterr().out
    Purchase.objects.filter(pk=purchase.pk).update(price="25.00")  # behind the services' back
    with pytest.raises(SystemExit) as stopped:
        call_command("verify_summaries")
    assert stopped.value.code == 1
    out = capsys.readouterr().out
    assert "20.00 USD" in out and "25.00 USD" in out and "product 'radio' in USD" in out
    with pytest.raises(SystemExit):
        call_command("verify_summaries", "--fix")
    assert "fixed" in capsys.readouterr().out
    call_command("verify_summaries")
    assert_in_step(household_id)


def test_the_dashboard_reads_a_constant_number_of_queries_whatever_the_history(owner, django_assert_num_queries):
    from analytics.dashboard import dashboard

    household_id = household_of(owner)
    PurchaseFactory(owner=owner)
    with CaptureQueriesContext(connection) as few:
        dashboard(household_id=household_id, currency="USD", today=datetime.date(2025, 2, 1))
    for index in range(40):
        PurchaseFactory(owner=owner, product_name=f"P{index % 7}", price=f"{index}.10", currency_code="USD")
    with django_assert_num_queries(len(few)):
        dashboard(household_id=household_id, currency="USD", today=datetime.date(2025, 2, 1))
    # The money figures read no purchase rows: only the extremes, coverages, spellings and lists do.
    summary_reads = [q["sql"] for q in few.captured_queries if "purchases_purchasesummary" in q["sql"]]
    # The currencies, the spending months with the summary's totals and the coverages' cost (one query), retailers,
    # brands, top products, and the warranty timeline and summary (START, END, SHORT rows).
    assert len(summary_reads) == 7
    # currencies 1, spending and summary totals with the coverages' cost 1, the summary's extremes 1, timeline 1,
    # warranty summary 1, retailers 1, brands 1, top products 2 (groups, spellings), returns closing 1, recent
    # purchases 2 (rows, coverages), recent warranties 1, expiring warranties 1.
    assert len(few) == 14


def test_another_members_token_sees_the_same_summaries(owner, owner_client):
    from households.choices import Role
    from tests.households.conftest import move_into

    other = UserFactory()
    move_into(other, household_of(owner), Role.VIEWER)
    PurchaseFactory(owner=owner, price="7.00")
    body = token_client(other).get("/api/analytics/summary", {"currency": "USD"}).json()
    assert body["total_spent"] == "7.00"
