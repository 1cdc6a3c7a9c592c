"""Claims through HTTP (API.md § Version 2 → claims): create, list, patch and delete with the database checked
afterwards; the extension of the warranty's end and its restoration; closed_on rules; roles; query counts."""

import datetime
import uuid

import pytest

from tests.assertions import assert_error
from tests.conftest import token_client
from tests.factories import PurchaseFactory, UserFactory, WarrantyFactory, household_of, member
from warranties.models import Claim, Warranty

pytestmark = pytest.mark.django_db

START, END = datetime.date(2025, 1, 15), datetime.date(2026, 1, 15)
LATER = datetime.date(2027, 3, 1)
KEYS = {
    "id",
    "warranty_id",
    "opened_on",
    "closed_on",
    "status",
    "issue",
    "resolution",
    "extends_warranty_to",
    "previous_warranty_end",
    "created_at",
    "updated_at",
}


def claims_url(warranty_id):
    return f"/api/warranties/{warranty_id}/claims"


def claim_url(claim_id):
    return f"/api/claims/{claim_id}"


@pytest.fixture
def warranty(owner):
    return WarrantyFactory(
        purchase=PurchaseFactory(owner=owner, product_name="Fridge"), warranty_start=START, warranty_end=END
    )


def end_of(warranty):
    return Warranty.objects.values_list("warranty_end", flat=True).get(pk=warranty.pk)


def post_claim(client, warranty, **body):
    payload = {"opened_on": "2025-06-01", "issue": "Compressor rattles", **body}
    return client.post(claims_url(warranty.pk), payload, format="json")


def test_create_answers_201_with_the_contract_shape_and_stores_the_claim(owner_client, owner, warranty):
    response = post_claim(owner_client, warranty, issue="  Compressor rattles  ")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == KEYS
    assert body["warranty_id"] == str(warranty.pk)
    assert body["status"] == "OPEN"
    assert body["closed_on"] is None and body["extends_warranty_to"] is None
    assert body["resolution"] == "" and body["previous_warranty_end"] is None
    claim = Claim.objects.get(pk=body["id"])
    assert (claim.warranty_id, claim.issue, claim.created_by) == (warranty.pk, "Compressor rattles", owner)
    assert claim.opened_on == datetime.date(2025, 6, 1)
    assert end_of(warranty) == END


def test_list_is_paginated_newest_opened_first_and_shows_only_that_warranty(owner_client, warranty, owner):
    other = WarrantyFactory(purchase=PurchaseFactory(owner=owner))
    for day in (1, 3, 2):
        Claim.objects.create(warranty=warranty, opened_on=datetime.date(2025, 6, day), issue=f"day {day}")
    Claim.objects.create(warranty=other, opened_on=datetime.date(2025, 6, 9), issue="other")
    response = owner_client.get(claims_url(warranty.pk), {"limit": 2})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["total"], body["skip"], body["limit"]) == (3, 0, 2)
    assert [item["issue"] for item in body["items"]] == ["day 3", "day 2"]
    assert set(body["items"][0]) == KEYS


def test_warranty_object_counts_its_claims(owner_client, warranty):
    assert owner_client.get(f"/api/warranties/{warranty.pk}").json()["claim_count"] == 0
    for issue in ("one", "two"):
        Claim.objects.create(warranty=warranty, opened_on=START, issue=issue)
    assert owner_client.get(f"/api/warranties/{warranty.pk}").json()["claim_count"] == 2
    listed = owner_client.get("/api/warranties").json()["items"]
    assert [item["claim_count"] for item in listed] == [2]


def test_a_resolved_claim_extends_the_end_and_deleting_it_restores_it(owner_client, warranty):
    response = post_claim(
        owner_client, warranty, status="RESOLVED", closed_on="2025-07-01", extends_warranty_to=LATER.isoformat()
    )
    assert response.status_code == 201, response.content
    assert response.json()["previous_warranty_end"] == END.isoformat()
    assert end_of(warranty) == LATER
    assert owner_client.get(f"/api/warranties/{warranty.pk}").json()["warranty_end"] == LATER.isoformat()

    deleted = owner_client.delete(claim_url(response.json()["id"]))
    assert deleted.status_code == 204, deleted.content
    assert not Claim.objects.exists()
    assert end_of(warranty) == END


def test_approving_an_open_claim_by_patch_extends_and_reopening_restores(owner_client, warranty):
    claim = Claim.objects.create(warranty=warranty, opened_on=START, issue="Door seal", extends_warranty_to=LATER)
    assert end_of(warranty) == END  # OPEN: nothing moves yet
    response = owner_client.patch(claim_url(claim.pk), {"status": "APPROVED", "closed_on": "2025-08-01"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["previous_warranty_end"] == END.isoformat()
    assert end_of(warranty) == LATER

    response = owner_client.patch(claim_url(claim.pk), {"status": "OPEN"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["previous_warranty_end"] is None
    assert end_of(warranty) == END


def test_a_rejected_claim_with_an_extension_does_not_move_the_end(owner_client, warranty):
    response = post_claim(
        owner_client, warranty, status="REJECTED", closed_on="2025-07-01", extends_warranty_to=LATER.isoformat()
    )
    assert response.status_code == 201, response.content
    assert response.json()["previous_warranty_end"] is None
    assert end_of(warranty) == END


def test_an_extension_earlier_than_the_end_does_not_shorten_it(owner_client, warranty):
    response = post_claim(
        owner_client, warranty, status="APPROVED", closed_on="2025-07-01", extends_warranty_to="2025-09-01"
    )
    assert response.status_code == 201, response.content
    assert end_of(warranty) == END


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"status": "RESOLVED"}, "Closed on is required unless the claim is open."),
        ({"status": "APPROVED", "closed_on": None}, "Closed on is required unless the claim is open."),
        ({"status": "RESOLVED", "closed_on": "2025-05-31"}, "Closed on must be on or after the opened on date."),
        ({"closed_on": "2025-05-31"}, "Closed on must be on or after the opened on date."),
    ],
)
def test_closed_on_rules_answer_400_and_change_nothing(owner_client, warranty, body, message):
    response = post_claim(owner_client, warranty, extends_warranty_to=LATER.isoformat(), **body)
    body = assert_error(response, 400, "validation_error", {"closed_on"})
    assert body["errors"] == {"closed_on": [message]}
    assert not Claim.objects.exists()
    assert end_of(warranty) == END


def test_a_patch_is_checked_against_the_stored_claim(owner_client, warranty):
    claim = Claim.objects.create(warranty=warranty, opened_on=START, issue="Hum", extends_warranty_to=LATER)
    response = owner_client.patch(claim_url(claim.pk), {"status": "RESOLVED"}, format="json")
    assert assert_error(response, 400, "validation_error", {"closed_on"})["errors"] == {
        "closed_on": ["Closed on is required unless the claim is open."]
    }
    claim.refresh_from_db()
    assert (claim.status, claim.previous_warranty_end) == ("OPEN", None)
    assert end_of(warranty) == END


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"issue": ""}, "issue"),
        ({"issue": "x" * 2001}, "issue"),
        ({"status": "LOST"}, "status"),
        ({"opened_on": "x"}, "opened_on"),
    ],
)
def test_bad_fields_answer_400(owner_client, warranty, body, field):
    assert_error(post_claim(owner_client, warranty, **body), 400, "validation_error", {field})
    assert not Claim.objects.exists()


def test_previous_warranty_end_and_warranty_id_are_read_only(owner_client, owner, warranty):
    other = WarrantyFactory(purchase=PurchaseFactory(owner=owner))
    claim = Claim.objects.create(warranty=warranty, opened_on=START, issue="Hum")
    response = owner_client.patch(
        claim_url(claim.pk),
        {"previous_warranty_end": "2020-01-01", "warranty_id": str(other.pk), "resolution": "Fixed"},
        format="json",
    )
    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert (claim.warranty_id, claim.previous_warranty_end, claim.resolution) == (warranty.pk, None, "Fixed")


def test_put_is_not_offered(owner_client, warranty):
    claim = Claim.objects.create(warranty=warranty, opened_on=START, issue="Hum")
    response = owner_client.put(claim_url(claim.pk), {"opened_on": "2025-01-01", "issue": "x"}, format="json")
    assert_error(response, 405, "method_not_allowed")


def test_a_viewer_reads_but_every_write_is_403_and_changes_nothing(owner, warranty):
    viewer = token_client(member(household_of(owner), role="VIEWER"))
    claim = Claim.objects.create(warranty=warranty, opened_on=START, issue="Hum")
    assert viewer.get(claims_url(warranty.pk)).json()["total"] == 1
    assert viewer.get(claim_url(claim.pk)).status_code == 200
    assert_error(post_claim(viewer, warranty), 403, "permission_denied")
    resolve = {"status": "RESOLVED", "closed_on": "2025-02-01", "extends_warranty_to": LATER.isoformat()}
    assert_error(viewer.patch(claim_url(claim.pk), resolve, format="json"), 403, "permission_denied")
    assert_error(viewer.delete(claim_url(claim.pk)), 403, "permission_denied")
    assert list(Claim.objects.values_list("pk", "status")) == [(claim.pk, "OPEN")]
    assert end_of(warranty) == END


def test_an_editor_files_claims(owner, warranty):
    editor = member(household_of(owner), role="EDITOR")
    response = post_claim(token_client(editor), warranty)
    assert response.status_code == 201, response.content
    assert Claim.objects.get().created_by == editor


def test_another_households_warranty_and_claim_are_404(other_client, warranty):
    claim = Claim.objects.create(warranty=warranty, opened_on=START, issue="Hum")
    assert_error(other_client.get(claims_url(warranty.pk)), 404, "not_found")
    assert_error(post_claim(other_client, warranty), 404, "not_found")
    assert_error(other_client.post(claims_url(warranty.pk), {}, format="json"), 404, "not_found")  # before the body
    assert_error(other_client.get(claim_url(claim.pk)), 404, "not_found")
    assert_error(other_client.patch(claim_url(claim.pk), {"issue": "mine"}, format="json"), 404, "not_found")
    assert_error(other_client.delete(claim_url(claim.pk)), 404, "not_found")
    assert_error(other_client.get(claims_url(uuid.uuid4())), 404, "not_found")
    assert list(Claim.objects.values_list("issue", flat=True)) == ["Hum"]


def test_trailing_slash_works_without_redirect(owner_client, warranty):
    assert owner_client.get(claims_url(warranty.pk) + "/").status_code == 200
    assert post_claim(owner_client, warranty).status_code == 201


def test_anonymous_is_401(anon_client, warranty):
    assert_error(anon_client.get(claims_url(warranty.pk)), 401, "not_authenticated")


@pytest.mark.parametrize("rows", [1, 30])
def test_claim_list_costs_a_fixed_number_of_queries(owner_client, warranty, rows, django_assert_num_queries):
    Claim.objects.bulk_create(
        Claim(warranty=warranty, opened_on=START + datetime.timedelta(days=n), issue=f"#{n}") for n in range(rows)
    )
    # token + household scope + the warranty + count + page
    with django_assert_num_queries(5):
        response = owner_client.get(claims_url(warranty.pk), {"limit": 100})
    assert len(response.json()["items"]) == rows


@pytest.mark.parametrize("rows", [1, 30])
def test_warranty_list_with_claim_counts_keeps_its_query_count(owner_client, owner, rows, django_assert_num_queries):
    for n in range(rows):
        warranty = WarrantyFactory(purchase=PurchaseFactory(owner=owner))
        Claim.objects.create(warranty=warranty, opened_on=START, issue=f"#{n}")
    # token + household scope + count + page
    with django_assert_num_queries(4):
        response = owner_client.get("/api/warranties", {"limit": 100})
    assert [item["claim_count"] for item in response.json()["items"]] == [1] * rows


def test_a_strangers_claim_count_is_not_counted(owner_client, warranty):
    stranger_warranty = WarrantyFactory(purchase=PurchaseFactory(owner=UserFactory()))
    Claim.objects.create(warranty=stranger_warranty, opened_on=START, issue="theirs")
    assert owner_client.get(f"/api/warranties/{warranty.pk}").json()["claim_count"] == 0
