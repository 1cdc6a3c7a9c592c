"""Claims below the API: the database constraints (checked without full_clean), the services' rules for the
warranty's end (several claims, an end moved since, LIFETIME, data versions) and the admin inline, which saves through
the same services."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from spends import data_versions
from tests.factories import UserFactory, WarrantyFactory
from warranties import claims_services
from warranties.choices import WarrantyType
from warranties.models import Claim, Warranty

pytestmark = pytest.mark.django_db

START, END = datetime.date(2025, 1, 15), datetime.date(2026, 1, 15)
FIRST, SECOND = datetime.date(2026, 6, 1), datetime.date(2027, 6, 1)
CLOSED = datetime.date(2025, 3, 1)


@pytest.fixture
def warranty():
    return WarrantyFactory(warranty_start=START, warranty_end=END)


def end_of(warranty):
    return Warranty.objects.values_list("warranty_end", flat=True).get(pk=warranty.pk)


def resolved(warranty, target, **fields):
    return claims_services.claim_create(
        warranty=warranty,
        created_by=None,
        opened_on=START,
        closed_on=CLOSED,
        status="RESOLVED",
        issue="Broken",
        extends_warranty_to=target,
        **fields,
    )


# --- database constraints ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "APPROVED"},  # closed_on missing for a decided claim
        {"status": "RESOLVED", "closed_on": START - datetime.timedelta(days=1)},
        {"closed_on": START - datetime.timedelta(days=1)},
        {"status": "LOST", "closed_on": CLOSED},
    ],
)
def test_the_database_refuses_invalid_claims(warranty, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(warranty=warranty, opened_on=START, issue="x", **fields)
    assert not Claim.objects.exists()


def test_the_database_accepts_an_open_claim_without_closed_on_and_a_closed_one(warranty):
    Claim.objects.create(warranty=warranty, opened_on=START, issue="x")
    Claim.objects.create(warranty=warranty, opened_on=START, closed_on=START, status="REJECTED", issue="y")
    assert Claim.objects.count() == 2


def test_deleting_the_warranty_deletes_its_claims(warranty):
    Claim.objects.create(warranty=warranty, opened_on=START, issue="x")
    warranty.delete()
    assert not Claim.objects.exists()


# --- the rules of the services ----------------------------------------------------------------------------------


def test_create_extends_and_bumps_the_households_data_version(warranty):
    scope = data_versions.household_scope(warranty.purchase.household_id)
    before = data_versions.read([scope])
    claim = resolved(warranty, SECOND)
    assert (claim.previous_warranty_end, end_of(warranty)) == (END, SECOND)
    assert data_versions.read([scope]) != before


def test_an_invalid_claim_changes_nothing(warranty):
    with pytest.raises(ValidationError) as caught:
        claims_services.claim_create(
            warranty=warranty,
            created_by=None,
            opened_on=START,
            status="APPROVED",
            issue="x",
            extends_warranty_to=SECOND,
        )
    assert set(caught.value.message_dict) == {"closed_on"}
    assert not Claim.objects.exists()
    assert end_of(warranty) == END


def test_two_claims_stack_and_unwind_in_reverse_order(warranty):
    first, second = resolved(warranty, FIRST), resolved(warranty, SECOND)
    assert (first.previous_warranty_end, second.previous_warranty_end, end_of(warranty)) == (END, FIRST, SECOND)
    claims_services.claim_delete(claim=second)
    assert end_of(warranty) == FIRST
    claims_services.claim_delete(claim=first)
    assert end_of(warranty) == END


def test_deleting_a_claim_whose_end_was_moved_since_leaves_the_later_end(warranty):
    first = resolved(warranty, FIRST)
    resolved(warranty, SECOND)  # moved on past the first claim's end
    claims_services.claim_delete(claim=first)
    assert end_of(warranty) == SECOND


def test_a_manual_edit_of_the_end_is_kept_when_the_claim_goes(warranty):
    claim = resolved(warranty, FIRST)
    Warranty.objects.filter(pk=warranty.pk).update(warranty_end=SECOND)
    claims_services.claim_delete(claim=claim)
    assert end_of(warranty) == SECOND


def test_changing_the_target_moves_the_end_again_from_the_old_end(warranty):
    claim = resolved(warranty, FIRST)
    claim = claims_services.claim_update(claim=claim, extends_warranty_to=SECOND)
    assert (claim.previous_warranty_end, end_of(warranty)) == (END, SECOND)
    claim = claims_services.claim_update(claim=claim, extends_warranty_to=None)
    assert (claim.previous_warranty_end, end_of(warranty)) == (None, END)


def test_rejecting_an_approved_claim_restores_the_end(warranty):
    claim = resolved(warranty, SECOND)
    claim = claims_services.claim_update(claim=claim, status="REJECTED")
    assert (claim.previous_warranty_end, end_of(warranty)) == (None, END)


def test_an_update_that_keeps_the_extension_does_not_touch_the_end(warranty):
    claim = resolved(warranty, FIRST)
    Warranty.objects.filter(pk=warranty.pk).update(warranty_end=datetime.date(2026, 3, 1))  # shortened by hand
    claim = claims_services.claim_update(claim=claim, status="APPROVED", resolution="Replaced the part")
    assert end_of(warranty) == datetime.date(2026, 3, 1)
    assert (claim.resolution, claim.previous_warranty_end) == ("Replaced the part", END)


def test_a_lifetime_warranty_is_never_shortened(warranty):
    lifetime = WarrantyFactory(warranty_start=START, warranty_end=None, warranty_type=WarrantyType.LIFETIME)
    claim = resolved(lifetime, SECOND)
    assert (claim.previous_warranty_end, end_of(lifetime)) == (None, None)
    claims_services.claim_delete(claim=claim)
    assert end_of(lifetime) is None


def test_unknown_fields_are_a_programming_error(warranty):
    with pytest.raises(TypeError):
        claims_services.claim_create(warranty=warranty, created_by=None, opened_on=START, issue="x", colour="red")


# --- the admin inline -------------------------------------------------------------------------------------------


def _inline_form(warranty, claims, *, total=None):
    data = {
        "purchase": str(warranty.purchase_id),
        "warranty_start": warranty.warranty_start.isoformat(),
        "warranty_end": warranty.warranty_end.isoformat(),
        "warranty_type": warranty.warranty_type,
        "status": warranty.status,
        "provider": "",
        "notes": "",
        "claims-TOTAL_FORMS": str(total if total is not None else len(claims)),
        "claims-INITIAL_FORMS": str(sum(1 for claim in claims if "id" in claim)),
        "claims-MIN_NUM_FORMS": "0",
        "claims-MAX_NUM_FORMS": "1000",
    }
    for index, claim in enumerate(claims):
        for key, value in claim.items():
            data[f"claims-{index}-{key}"] = value
        data[f"claims-{index}-warranty"] = str(warranty.pk)
    return data


def test_the_admin_inline_saves_claims_through_the_services(admin_client, warranty):
    page = admin_client.get(f"/admin/warranties/warranty/{warranty.pk}/change/")
    assert page.status_code == 200 and b"claims-TOTAL_FORMS" in page.content
    claim = {
        "opened_on": "2025-02-01",
        "closed_on": "2025-03-01",
        "status": "APPROVED",
        "issue": "Compressor",
        "resolution": "",
        "extends_warranty_to": SECOND.isoformat(),
    }
    url = f"/admin/warranties/warranty/{warranty.pk}/change/"
    response = admin_client.post(url, _inline_form(warranty, [claim]))
    assert response.status_code == 302, response.content[:2000]
    stored = Claim.objects.get()
    assert (stored.previous_warranty_end, end_of(warranty)) == (END, SECOND)
    assert stored.created_by.username == "admin"

    warranty.refresh_from_db()
    deleting = {**claim, "id": str(stored.pk), "DELETE": "on"}
    response = admin_client.post(url, _inline_form(warranty, [deleting]))
    assert response.status_code == 302, response.content[:2000]
    assert not Claim.objects.exists()
    assert end_of(warranty) == END


def test_the_admin_inline_refuses_a_decided_claim_without_closed_on(admin_client, warranty):
    claim = {"opened_on": "2025-02-01", "status": "RESOLVED", "issue": "x", "extends_warranty_to": SECOND.isoformat()}
    response = admin_client.post(f"/admin/warranties/warranty/{warranty.pk}/change/", _inline_form(warranty, [claim]))
    assert response.status_code == 200  # the form again, with the error
    assert b"Closed on is required unless the claim is open." in response.content
    assert not Claim.objects.exists()
    assert end_of(warranty) == END


def test_a_claim_keeps_its_author_when_the_author_goes(warranty):
    author = UserFactory()
    claim = claims_services.claim_create(warranty=warranty, created_by=author, opened_on=START, issue="x")
    author.delete()
    claim.refresh_from_db()
    assert claim.created_by is None
