"""#24: the warranty analytics (warranty_timeline, warranty_summary, spending_summary's warranty_cost_total) read the
purchase summaries (warranty rows, the MONTH rows' warranty cost) and answer exactly what the row-by-row queries they
replaced answered. Those queries are kept here, as the oracle: lifetime warranties, voided ones, starts after today
in the current month, ends on month boundaries, HOME with unconverted purchases, RETURNED purchases, costs or none,
written through every write path (services, nested writes, claims moving an end, deletes)."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Count, Q

from analytics import selectors
from analytics.money import HOME, finished, money_total
from purchases import nested, services, summaries
from purchases.choices import PurchaseStatus
from tests.factories import PurchaseFactory, WarrantyFactory, household_of
from warranties import claims_services
from warranties import services as warranty_services
from warranties.choices import WarrantyStatus, WarrantyType
from warranties.models import Warranty

pytestmark = pytest.mark.django_db

D = datetime.date
TODAYS = [D(2025, 3, 15), D(2025, 3, 31), D(2025, 4, 1), D(2025, 2, 28), D(2026, 1, 10), D(2024, 12, 31)]


# --- the oracle: the row-by-row queries the summaries replaced ---------------------------------------------------


def timeline_rows(household_id, today, months=12):
    current = selectors.month_start(today)
    firsts = [selectors.add_months(current, -i) for i in range(months - 1, -1, -1)]
    aggregates = {}
    for index, first in enumerate(firsts):
        last = today if first == current else selectors.month_end(first)
        in_force = Q(warranty_start__lte=last) & (Q(warranty_end__isnull=True) | Q(warranty_end__gte=last))
        soon_limit = last + datetime.timedelta(days=selectors.EXPIRING_SOON_DAYS)
        aggregates[f"active_{index}"] = Count("id", filter=in_force)
        aggregates[f"expired_{index}"] = Count("id", filter=Q(warranty_end__gte=first, warranty_end__lte=last))
        aggregates[f"soon_{index}"] = Count("id", filter=in_force & Q(warranty_end__lte=soon_limit))
    row = Warranty.objects.in_household(household_id).exclude(status=WarrantyStatus.VOIDED).aggregate(**aggregates)
    return [
        {
            "month": selectors.period_key(first, "month"),
            "active": row[f"active_{index}"],
            "expired": row[f"expired_{index}"],
            "expiring_soon": row[f"soon_{index}"],
        }
        for index, first in enumerate(firsts)
    ]


def summary_rows(household_id, today):
    in_force = Q(status=WarrantyStatus.ACTIVE)
    active = in_force & (Q(warranty_end__isnull=True) | Q(warranty_end__gte=today))
    soon = in_force & Q(warranty_end__gte=today, warranty_end__lte=today + datetime.timedelta(days=30))
    return Warranty.objects.in_household(household_id).aggregate(
        total=Count("id"),
        active=Count("id", filter=active),
        expired=Count("id", filter=in_force & Q(warranty_end__lt=today)),
        voided=Count("id", filter=Q(status=WarrantyStatus.VOIDED)),
        expiring_soon=Count("id", filter=soon),
    )


def cost_rows(household_id, currency):
    purchases = selectors._purchases(household_id, currency)
    total = Warranty.objects.filter(purchase__in=purchases).aggregate(
        total=money_total(currency, "cost", rate="purchase__exchange_rate")
    )["total"]
    return finished(currency, total)


def assert_same_answers(household_id):
    assert summaries.summaries_stored(household_id) == summaries.summaries_expected(household_id)
    for today in TODAYS:
        assert selectors.warranty_timeline(household_id=household_id, today=today) == timeline_rows(
            household_id, today
        ), today
        assert selectors.warranty_summary(household_id=household_id, today=today) == summary_rows(household_id, today)
    for currency in ("USD", "EUR", "GBP", "VND", HOME):
        found = selectors.spending_summary(household_id=household_id, currency=currency)["warranty_cost_total"]
        expected = cost_rows(household_id, currency)
        # Equal values, in cents (SQLite's row-by-row SUM handed back e.g. Decimal("20"); the API renders both "20.00").
        assert found == expected and found.as_tuple().exponent == -2, (currency, found, expected)


# --- the data ----------------------------------------------------------------------------------------------------


def _warranty(purchase, start, end, **fields):
    kind = WarrantyType.LIFETIME if end is None else WarrantyType.LIMITED
    return warranty_services.warranty_create(
        purchase=purchase, created_by=None, warranty_start=start, warranty_end=end, warranty_type=kind, **fields
    )


@pytest.fixture
def household(owner, shipped_rates):
    household_id = household_of(owner)
    usd = PurchaseFactory(owner=owner, purchase_date=D(2024, 3, 31), price=Decimal("100.00"))
    eur = PurchaseFactory(owner=owner, purchase_date=D(2025, 1, 31), currency_code="EUR", price=Decimal("80.00"))
    vnd = PurchaseFactory(owner=owner, purchase_date=D(2025, 2, 1), currency_code="VND", price=Decimal("5.00"))
    manual = PurchaseFactory(owner=owner, purchase_date=D(2025, 2, 2), currency_code="GBP", exchange_rate="1.2345678")
    returned = PurchaseFactory(
        owner=owner, purchase_date=D(2025, 3, 1), status=PurchaseStatus.RETURNED, returned_on=D(2025, 3, 2)
    )
    assert vnd.exchange_rate is None and eur.exchange_rate is not None  # VND: no reference rate (unconverted)
    _warranty(usd, D(2024, 3, 31), D(2025, 3, 31), cost=Decimal("19.99"))  # ends on a month's last day
    _warranty(usd, D(2024, 4, 1), D(2025, 4, 1), cost=Decimal("0.01"))  # on a month's first day
    _warranty(usd, D(2024, 4, 1), None)  # lifetime, no cost
    _warranty(eur, D(2025, 1, 31), D(2025, 2, 28), cost=Decimal("7.33"))
    _warranty(eur, D(2025, 3, 20), D(2025, 4, 10), cost=Decimal("3.33"))  # starts after today (mid-March)
    _warranty(eur, D(2025, 1, 31), D(2027, 1, 31), status=WarrantyStatus.VOIDED, cost=Decimal("5.00"))
    _warranty(vnd, D(2025, 2, 1), D(2025, 3, 14), cost=Decimal("12.00"))  # HOME leaves it out (no rate)
    _warranty(manual, D(2025, 2, 2), None, cost=Decimal("4.56"))
    _warranty(manual, D(2025, 2, 2), D(2025, 4, 15), cost=Decimal("4.56"))  # same start, another end
    _warranty(returned, D(2025, 3, 1), D(2025, 3, 31), cost=Decimal("9.99"))  # counted; its cost is not
    WarrantyFactory(purchase=returned, warranty_start=D(2025, 3, 1), warranty_end=D(2025, 3, 31))  # same key
    return household_id, {"usd": usd, "eur": eur, "vnd": vnd, "manual": manual, "returned": returned}


def test_the_answers_equal_the_row_by_row_ones(household):
    household_id, _ = household
    assert_same_answers(household_id)
    assert selectors.warranty_summary(household_id=household_id, today=D(2025, 3, 15))["total"] == 11


def test_short_warranties_starting_after_a_month_end(owner):
    """`expiring_soon` at a month's end L leaves out the warranties that start after L and end by L + 30 (the SHORT
    rows, end − start ≤ 30 days, are subtracted): at and around the boundaries of 30 and 31 days, voided ones, a start
    on L itself, and in the current month (after today)."""
    household_id = household_of(owner)
    purchase = PurchaseFactory(owner=owner, purchase_date=D(2024, 12, 1))
    _warranty(purchase, D(2025, 2, 1), D(2025, 2, 20))  # after January's end, ends by January 31 + 30
    _warranty(purchase, D(2025, 2, 10), D(2025, 3, 2))  # ends on January 31 + 30 exactly
    _warranty(purchase, D(2025, 2, 1), D(2025, 3, 3))  # 30 days: ends the day after
    _warranty(purchase, D(2025, 2, 1), D(2025, 3, 4))  # 31 days: not short
    _warranty(purchase, D(2025, 3, 1), D(2025, 3, 30))  # after February's end, ends by February 28 + 30
    _warranty(purchase, D(2025, 3, 1), D(2025, 3, 31))  # 30 days, ends after February 28 + 30
    _warranty(purchase, D(2024, 12, 31), D(2025, 1, 30))  # starts on December's end L: counted at L
    _warranty(purchase, D(2025, 1, 1), D(2025, 1, 1))  # one day
    _warranty(purchase, D(2025, 2, 3), D(2025, 2, 10), status=WarrantyStatus.VOIDED)
    _warranty(purchase, D(2025, 3, 20), D(2025, 4, 14))  # after today (March 15), ends by today + 30
    short = _warranty(purchase, D(2025, 3, 16), D(2025, 4, 1))
    assert_same_answers(household_id)
    kinds = [key[1] for key in summaries.summaries_stored(household_id)]
    assert kinds.count(summaries.PurchaseSummary.SHORT) == 10  # every one but the 31-day one
    january = selectors.warranty_timeline(household_id=household_id, today=D(2025, 3, 15))[-3]
    assert january == timeline_rows(household_id, D(2025, 3, 15))[-3] and january["expiring_soon"] == 0
    # Written through the services: short to long and back, a start moved before the month's end, a delete.
    warranty_services.warranty_update(warranty=short, warranty_end=D(2025, 6, 1))
    assert_same_answers(household_id)
    warranty_services.warranty_update(warranty=short, warranty_start=D(2025, 2, 27), warranty_end=D(2025, 3, 1))
    assert_same_answers(household_id)
    warranty_services.warranty_delete(warranty=short)
    assert_same_answers(household_id)


def test_they_stay_equal_through_every_write(household, owner):
    household_id, purchases = household
    usd, eur, vnd = purchases["usd"], purchases["eur"], purchases["vnd"]
    warranty = Warranty.objects.filter(purchase=usd, warranty_end=D(2025, 4, 1)).get()
    warranty_services.warranty_update(warranty=warranty, warranty_end=D(2025, 3, 31), cost=None)
    assert_same_answers(household_id)
    warranty_services.warranty_update(warranty=warranty, status=WarrantyStatus.VOIDED, cost=Decimal("1.10"))
    assert_same_answers(household_id)
    warranty_services.warranty_delete(warranty=Warranty.objects.filter(purchase=vnd).get())
    assert_same_answers(household_id)
    # A purchase's change that moves its warranties' cost: month, currency, status, rate.
    usd.refresh_from_db()
    services.purchase_update(purchase=usd, purchase_date=D(2025, 1, 5), currency_code="EUR")
    assert_same_answers(household_id)
    usd.refresh_from_db()
    services.purchase_update(purchase=usd, status=PurchaseStatus.RETURNED, returned_on=D(2025, 1, 6))
    assert_same_answers(household_id)
    # Nested writes: the coverages replaced as a set, then the single `warranty` removed.
    eur.refresh_from_db()
    kept = Warranty.objects.filter(purchase=eur, status=WarrantyStatus.ACTIVE).order_by("warranty_start").first()
    nested.purchase_update(
        purchase=eur,
        price=Decimal("81.00"),
        warranties=[
            {"id": kept.pk, "warranty_end": D(2025, 3, 31), "cost": Decimal("2.22")},
            {"warranty_start": D(2025, 3, 15), "warranty_end": D(2025, 3, 15), "cost": Decimal("0.50")},
        ],
    )
    assert_same_answers(household_id)
    created = nested.purchase_create(
        household_id=household_id,
        created_by=owner,
        product_name="Radio",
        price=Decimal("20.00"),
        purchase_date=D(2025, 3, 10),
        currency_code="GBP",
        warranty={"warranty_start": D(2025, 3, 16), "warranty_end": D(2026, 3, 16), "cost": Decimal("6.66")},
    )
    assert_same_answers(household_id)
    created.refresh_from_db()
    nested.purchase_update(purchase=created, warranty=None)
    assert_same_answers(household_id)
    # A claim moves an end (and back).
    target = Warranty.objects.filter(purchase=purchases["manual"], warranty_end__isnull=False).get()
    claim = claims_services.claim_create(
        warranty=target,
        created_by=None,
        opened_on=D(2025, 3, 1),
        issue="Broken",
        status="APPROVED",
        closed_on=D(2025, 3, 5),
        extends_warranty_to=D(2025, 6, 30),
    )
    assert Warranty.objects.get(pk=target.pk).warranty_end == D(2025, 6, 30)
    assert_same_answers(household_id)
    claims_services.claim_delete(claim=claim)
    assert_same_answers(household_id)
    # A purchase deleted takes its warranties out of the summaries too.
    eur.refresh_from_db()
    services.purchase_delete(purchase=eur)
    assert_same_answers(household_id)
    assert not summaries.summaries_differences(household_id)


def test_verify_summaries_compares_the_warranty_rows_and_costs(owner, capsys):
    from django.core.management import call_command

    household_id = household_of(owner)
    purchase = PurchaseFactory(owner=owner, product_name="Radio", price="20.00", purchase_date=D(2025, 1, 15))
    warranty = _warranty(purchase, D(2025, 1, 15), D(2026, 1, 15), cost=Decimal("3.00"))
    call_command("verify_summaries")
    assert "equal their purchases" in capsys.readouterr().out
    # Behind the services' back: another end and another cost.
    Warranty.objects.filter(pk=warranty.pk).update(warranty_end=None, warranty_type=WarrantyType.LIFETIME, cost="4.50")
    with pytest.raises(SystemExit) as stopped:
        call_command("verify_summaries")
    assert stopped.value.code == 1
    out = capsys.readouterr().out
    assert "warranties ACTIVE ending 2026-01-15: the summaries say 1 warranty(ies)" in out
    assert "warranties ACTIVE without end: the summaries say nothing" in out
    assert "warranties costing 3.00 USD" in out and "warranties costing 4.50 USD" in out
    with pytest.raises(SystemExit):
        call_command("verify_summaries", "--fix")
    call_command("verify_summaries")
    assert "equal their purchases" in capsys.readouterr().out
    assert not summaries.summaries_differences(household_id)
