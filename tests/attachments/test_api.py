"""The attachment endpoints (API.md § Attachments): status codes, the attachment object, what is stored, downloads
and their headers, ownership, and `attachment_count` on purchases with a constant list query count."""

import hashlib
import uuid
from decimal import Decimal

import pytest
from django.test import override_settings

from attachments.models import Attachment, upload_name
from purchases.models import Purchase
from tests.attachments.conftest import (
    ALLOWED,
    PDF,
    PNG,
    REFUSED,
    TEXT,
    StoredFile,
    post_file,
    stored_files,
    stored_path,
)
from tests.factories import PurchaseFactory, household_of

pytestmark = pytest.mark.django_db

ATTACHMENT_KEYS = {
    "id",
    "purchase_id",
    "kind",
    "filename",
    "content_type",
    "size",
    "sha256",
    "available",
    "created_at",
    "download_url",
}


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["detail"]


# --- upload -----------------------------------------------------------------------------------------------------------


def test_upload_answers_201_with_the_attachment_object(owner_client, purchase):
    response = post_file(owner_client, purchase.pk, "receipt.pdf", PDF, "application/pdf")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == ATTACHMENT_KEYS
    digest = hashlib.sha256(PDF).hexdigest()
    assert body == {
        **body,
        "purchase_id": str(purchase.pk),
        "kind": "OTHER",
        "filename": "receipt.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "sha256": digest,
        "available": True,
        "download_url": f"/api/attachments/{body['id']}/download",
    }
    assert body["created_at"].endswith("Z")
    assert stored_path(PDF).read_bytes() == PDF
    assert Attachment.objects.get(pk=body["id"]).purchase_id == purchase.pk


@pytest.mark.parametrize("kind", ["RECEIPT", "WARRANTY", "MANUAL", "PHOTO", "OTHER"])
def test_upload_takes_a_kind(owner_client, purchase, kind):
    response = post_file(owner_client, purchase.pk, "receipt.pdf", PDF, kind=kind)
    assert response.status_code == 201
    assert response.json()["kind"] == kind


@pytest.mark.parametrize(("name", "content", "client_type", "detected"), ALLOWED, ids=[a[0] for a in ALLOWED])
def test_each_allowed_type_is_accepted_with_the_detected_content_type(
    owner_client, purchase, name, content, client_type, detected
):
    response = post_file(owner_client, purchase.pk, name, content, client_type)
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == detected
    assert response.json()["filename"] == name


@pytest.mark.parametrize(
    ("name", "content", "client_type"), REFUSED, ids=[f"{r[0]}-{i}" for i, r in enumerate(REFUSED)]
)
def test_other_types_are_415_and_store_nothing(owner_client, purchase, name, content, client_type):
    response = post_file(owner_client, purchase.pk, name, content, client_type)
    assert_error(response, 415, "unsupported_media_type")
    assert not Attachment.objects.exists()
    assert stored_files() == []


def test_an_executable_named_pdf_is_415(owner_client, purchase):
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
    assert_error(
        post_file(owner_client, purchase.pk, "invoice.pdf", elf, "application/pdf"), 415, "unsupported_media_type"
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"kind": "INVOICE"}, "kind"), ({"kind": "receipt"}, "kind")],
)
def test_a_bad_kind_is_400(owner_client, purchase, fields, field):
    response = post_file(owner_client, purchase.pk, "receipt.pdf", PDF, **fields)
    assert_error(response, 400, "validation_error")
    assert set(response.json()["errors"]) == {field}
    assert stored_files() == []


def test_a_missing_file_is_400(owner_client, purchase):
    response = owner_client.post(f"/api/purchases/{purchase.pk}/attachments", {"kind": "RECEIPT"}, format="multipart")
    assert_error(response, 400, "validation_error")
    assert set(response.json()["errors"]) == {"file"}


def test_an_empty_file_is_400(owner_client, purchase):
    response = post_file(owner_client, purchase.pk, "empty.txt", b"")
    assert_error(response, 400, "validation_error")
    assert set(response.json()["errors"]) == {"file"}


def test_a_json_body_is_415(owner_client, purchase):
    response = owner_client.post(f"/api/purchases/{purchase.pk}/attachments", {"file": "x"}, format="json")
    assert_error(response, 415, "unsupported_media_type")


def test_a_file_over_25_mib_is_413(owner_client, purchase):
    response = post_file(owner_client, purchase.pk, "big.txt", b"a" * (25 * 1024 * 1024 + 1))
    assert_error(response, 413, "payload_too_large")
    assert not Attachment.objects.exists()
    assert stored_files() == []


@override_settings(MAX_UPLOAD_SIZE=1000)
def test_the_limit_is_max_upload_size(owner_client, purchase):
    assert post_file(owner_client, purchase.pk, "ok.txt", b"a" * 1000).status_code == 201
    assert_error(post_file(owner_client, purchase.pk, "big.txt", b"b" * 1001), 413, "payload_too_large")


@override_settings(MAX_UPLOAD_SIZE=1000)
def test_a_body_far_over_the_limit_is_413_before_it_is_parsed(owner_client, purchase):
    response = post_file(owner_client, purchase.pk, "big.pdf", PDF + b"\x00" * 200_000)
    assert_error(response, 413, "payload_too_large")


def test_uploading_to_another_users_purchase_is_404(owner_client, other_purchase):
    assert_error(post_file(owner_client, other_purchase.pk, "receipt.pdf", PDF), 404, "not_found")
    assert stored_files() == []


def test_uploading_to_an_unknown_purchase_is_404(owner_client):
    assert_error(post_file(owner_client, uuid.uuid4(), "receipt.pdf", PDF), 404, "not_found")


def test_the_filename_keeps_only_the_base_name(owner_client, purchase):
    response = post_file(owner_client, purchase.pk, "Quittung Küche ✓.pdf", PDF)
    assert response.json()["filename"] == "Quittung Küche ✓.pdf"


def test_two_uploads_of_the_same_bytes_share_one_file(owner_client, purchase):
    first = post_file(owner_client, purchase.pk, "a.png", PNG).json()
    second = post_file(owner_client, purchase.pk, "b.png", PNG).json()
    assert first["id"] != second["id"] and first["sha256"] == second["sha256"]
    assert stored_files() == [stored_path(PNG)]


# --- list and detail --------------------------------------------------------------------------------------------------


def test_list_is_paginated_newest_first(owner_client, purchase, make_attachment, other_purchase):
    ids = [str(make_attachment(purchase, bytes([65 + i]) * 10, name=f"{i}.txt").pk) for i in range(3)]
    make_attachment(PurchaseFactory(owner=purchase.created_by), PDF)  # another purchase of the owner
    make_attachment(other_purchase, PDF)
    body = owner_client.get(f"/api/purchases/{purchase.pk}/attachments").json()
    assert (body["total"], body["skip"], body["limit"]) == (3, 0, 20)
    assert [item["id"] for item in body["items"]] == ids[::-1]
    assert set(body["items"][0]) == ATTACHMENT_KEYS

    page = owner_client.get(f"/api/purchases/{purchase.pk}/attachments/", {"skip": 1, "limit": 1}).json()
    assert (page["total"], [item["id"] for item in page["items"]]) == (3, [ids[1]])


def test_list_of_another_users_purchase_is_404(owner_client, other_purchase, make_attachment):
    make_attachment(other_purchase, PDF)
    assert_error(owner_client.get(f"/api/purchases/{other_purchase.pk}/attachments"), 404, "not_found")


def test_list_runs_the_same_queries_for_1_and_30_attachments(
    owner_client, purchase, make_attachment, django_assert_num_queries
):
    make_attachment(purchase, b"first")
    # token, scope (household and role), purchase, count, page
    with django_assert_num_queries(5):
        assert owner_client.get(f"/api/purchases/{purchase.pk}/attachments").json()["total"] == 1
    for i in range(29):
        make_attachment(purchase, f"text {i}".encode())
    with django_assert_num_queries(5):
        assert len(owner_client.get(f"/api/purchases/{purchase.pk}/attachments", {"limit": 100}).json()["items"]) == 30


def test_bad_pagination_is_400(owner_client, purchase):
    response = owner_client.get(f"/api/purchases/{purchase.pk}/attachments", {"limit": "0"})
    assert_error(response, 400, "validation_error")


def test_get_an_attachment(owner_client, purchase, make_attachment):
    attachment = make_attachment(purchase, PDF)
    for path in (f"/api/attachments/{attachment.pk}", f"/api/attachments/{attachment.pk}/"):
        response = owner_client.get(path)
        assert response.status_code == 200
        assert response.json()["id"] == str(attachment.pk)
        assert response.json()["purchase_id"] == str(purchase.pk)


def test_another_users_attachment_is_404_everywhere(owner_client, other_purchase, make_attachment):
    attachment = make_attachment(other_purchase, PDF)
    assert_error(owner_client.get(f"/api/attachments/{attachment.pk}"), 404, "not_found")
    assert_error(owner_client.get(f"/api/attachments/{attachment.pk}/download"), 404, "not_found")
    assert_error(owner_client.delete(f"/api/attachments/{attachment.pk}"), 404, "not_found")
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert stored_path(PDF).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/api/attachments/not-a-uuid",
        "/api/attachments/123/download",
        "/api/purchases/not-a-uuid/attachments",
        "/api/attachments/00000000-0000-0000-0000-00000000000g",
    ],
)
def test_non_uuid_path_ids_are_404(owner_client, path):
    assert_error(owner_client.get(path), 404, "not_found")


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_purchase_attachments_is_401(anon_client, purchase, method):
    response = getattr(anon_client, method)(f"/api/purchases/{purchase.pk}/attachments")
    assert_error(response, 401, "not_authenticated")


@pytest.mark.parametrize(("method", "suffix"), [("get", ""), ("delete", ""), ("get", "/download")])
def test_anonymous_attachment_is_401(anon_client, purchase, make_attachment, method, suffix):
    attachment = make_attachment(purchase, PDF)
    response = getattr(anon_client, method)(f"/api/attachments/{attachment.pk}{suffix}")
    assert_error(response, 401, "not_authenticated")
    assert Attachment.objects.filter(pk=attachment.pk).exists()


# --- delete -----------------------------------------------------------------------------------------------------------


def test_delete_is_204_and_removes_the_file_after_commit_when_unreferenced(
    owner_client, purchase, make_attachment, django_capture_on_commit_callbacks
):
    first, second = make_attachment(purchase, PDF), make_attachment(purchase, PDF)
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.delete(f"/api/attachments/{first.pk}").status_code == 204
    assert not Attachment.objects.filter(pk=first.pk).exists()
    assert stored_path(PDF).exists()  # still used by the second

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert owner_client.delete(f"/api/attachments/{second.pk}/").status_code == 204
    assert stored_path(PDF).exists()  # not before commit
    for callback in callbacks:
        callback()
    assert stored_files() == []
    assert_error(owner_client.get(f"/api/attachments/{second.pk}"), 404, "not_found")


def test_deleting_a_purchase_removes_its_files_but_keeps_shared_ones(
    owner_client, owner, make_attachment, django_capture_on_commit_callbacks
):
    doomed, keeper = PurchaseFactory(owner=owner), PurchaseFactory(owner=owner)
    make_attachment(doomed, PDF)
    make_attachment(doomed, PNG)
    make_attachment(keeper, PNG)
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.delete(f"/api/purchases/{doomed.pk}").status_code == 204
    assert stored_files() == [stored_path(PNG)]
    assert Attachment.objects.count() == 1


# --- download ---------------------------------------------------------------------------------------------------------


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("name", "content", "content_type", "disposition"),
    [
        ("receipt.pdf", PDF, "application/pdf", "inline"),
        ("scan.png", PNG, "image/png", "inline"),
        ("notes.txt", TEXT, "text/plain; charset=utf-8", "attachment"),
    ],
)
def test_download_gives_the_uploaded_bytes_with_safe_headers(
    owner_client, purchase, name, content, content_type, disposition
):
    created = post_file(owner_client, purchase.pk, name, content).json()
    response = owner_client.get(created["download_url"])
    assert response.status_code == 200
    assert _body(response) == content
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'{disposition}; filename="{name}"'
    assert response["Content-Length"] == str(len(content))
    assert response["X-Content-Type-Options"] == "nosniff"
    if content_type == "application/pdf":  # shown in the web app's preview frame; Chromium's viewer needs no sandbox
        assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'self'"
        assert response["X-Frame-Options"] == "SAMEORIGIN"
    else:
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response["X-Frame-Options"] == "DENY"


def test_download_encodes_a_non_ascii_filename(owner_client, purchase):
    created = post_file(owner_client, purchase.pk, "Quittung für Küche.txt", TEXT).json()
    response = owner_client.get(created["download_url"] + "/")
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''Quittung%20f%C3%BCr%20K%C3%BCche.txt"
    assert _body(response) == TEXT


def test_download_ignores_the_accept_header(owner_client, purchase, make_attachment):
    attachment = make_attachment(purchase, PNG, name="a.png")
    response = owner_client.get(f"/api/attachments/{attachment.pk}/download", HTTP_ACCEPT="image/png")
    assert response.status_code == 200
    assert _body(response) == PNG


def test_a_missing_file_is_404_and_makes_the_attachment_unavailable(owner_client, purchase, make_attachment):
    attachment = make_attachment(purchase, PDF)
    stored_path(PDF).unlink()
    response = owner_client.get(f"/api/attachments/{attachment.pk}/download", HTTP_ACCEPT="application/pdf")
    assert_error(response, 404, "not_found")
    assert owner_client.get(f"/api/attachments/{attachment.pk}").json()["available"] is False


# --- attachment_count on purchases ------------------------------------------------------------------------------------


def test_purchase_object_counts_its_attachments(owner_client, purchase, make_attachment, other_purchase):
    assert owner_client.get(f"/api/purchases/{purchase.pk}").json()["attachment_count"] == 0
    post_file(owner_client, purchase.pk, "a.pdf", PDF)
    post_file(owner_client, purchase.pk, "b.pdf", PDF)
    make_attachment(other_purchase, PDF)
    assert owner_client.get(f"/api/purchases/{purchase.pk}").json()["attachment_count"] == 2
    items = owner_client.get("/api/purchases").json()["items"]
    assert [(item["id"], item["attachment_count"]) for item in items] == [(str(purchase.pk), 2)]


def _purchases_with_attachments(owner, make_attachment, n):
    purchases = Purchase.objects.bulk_create(
        [
            Purchase(household_id=household_of(owner), created_by=owner, product_name=f"Item {i}",
                     price=Decimal("1.00"), currency_code="USD", purchase_date=purchase_date)
            for i, purchase_date in enumerate([PurchaseFactory.purchase_date] * n)
        ]
    )  # fmt: skip
    for i, purchase in enumerate(purchases):
        make_attachment(purchase, f"receipt {i}".encode())
        make_attachment(purchase, PDF)


@pytest.mark.parametrize("rows", [1, 30])
def test_purchase_list_query_count_stays_constant_with_attachments(
    owner_client, owner, make_attachment, django_assert_num_queries, rows
):
    _purchases_with_attachments(owner, make_attachment, rows)
    # token, scope, COUNT for total, the page (attachment_count is a correlated subquery in the same query), the
    # page's coverages (#21)
    with django_assert_num_queries(5):
        body = owner_client.get("/api/purchases", {"limit": 100}).json()
    assert body["total"] == rows
    assert {item["attachment_count"] for item in body["items"]} == {2}


def test_available_is_false_as_soon_as_the_file_is_gone_and_true_when_back(owner_client, owner):
    from tests.factories import PurchaseFactory

    purchase = PurchaseFactory(owner=owner)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("r.pdf", b"%PDF-1.7 available check", content_type="application/pdf")
    body = owner_client.post(f"/api/purchases/{purchase.pk}/attachments", {"file": upload}, format="multipart").json()
    path = StoredFile(upload_name(body["sha256"]))
    content = path.read_bytes()
    path.unlink()
    assert owner_client.get(f"/api/attachments/{body['id']}").json()["available"] is False
    path.write_bytes(content)
    assert owner_client.get(f"/api/attachments/{body['id']}").json()["available"] is True
