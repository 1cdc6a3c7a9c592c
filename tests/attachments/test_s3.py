"""Attachments in an S3 bucket (moto's real HTTP server, tests/s3server.py): streamed downloads with the same headers,
a presigned redirect with MEDIA_PRESIGNED, seekable ranged reads, and the keys where the bucket keeps them.
These use the S3 server in every run, not only under `pytest --s3`."""

import hashlib
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage

from attachments import services as attachments
from spends import config
from spends.storage import S3Storage
from tests.attachments.conftest import PDF, TEXT, post_file, upload_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("s3_storages")]


def test_uploads_live_in_the_bucket_under_their_content_address(owner_client, purchase, s3_server, s3_storages):
    body = post_file(owner_client, purchase.pk, "receipt.pdf", PDF).json()
    again = post_file(owner_client, purchase.pk, "copy.pdf", PDF).json()
    digest = hashlib.sha256(PDF).hexdigest()
    keys = [o["Key"] for o in s3_server.client().list_objects_v2(Bucket=s3_storages).get("Contents", [])]
    assert keys == [f"media/uploads/{digest[:2]}/{digest[2:4]}/{digest}"]  # once for both attachments
    assert body["sha256"] == again["sha256"] == digest


def test_a_download_streams_from_the_bucket_with_the_safe_headers(owner_client, purchase, settings):
    settings.MEDIA_PRESIGNED = False
    attachment = post_file(owner_client, purchase.pk, "notes.txt", TEXT).json()
    response = owner_client.get(f"/api/attachments/{attachment['id']}/download")
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content) == TEXT
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Content-Length"] == str(len(TEXT))


def test_with_media_presigned_a_download_redirects_to_a_short_lived_url_of_the_object(
    owner_client, other_client, purchase, settings
):
    settings.MEDIA_PRESIGNED = True
    settings.MEDIA_PRESIGNED_SECONDS = 30
    attachment = post_file(owner_client, purchase.pk, "Quittung März.pdf", PDF).json()
    response = owner_client.get(f"/api/attachments/{attachment['id']}/download")
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    location = response["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == ["30"]
    with urllib.request.urlopen(location, timeout=10) as fetched:  # noqa: S310 (the test's own S3 server)
        assert fetched.read() == PDF
        assert fetched.headers["Content-Type"] == "application/pdf"
        assert fetched.headers["Content-Disposition"].startswith("inline; filename*=utf-8''Quittung%20M%C3%A4rz.pdf")
    # Scoping still decides first: another household's member gets no URL.
    assert other_client.get(f"/api/attachments/{attachment['id']}/download").status_code == 404


def test_a_presigned_download_of_a_missing_object_is_404_and_marks_it_unavailable(owner_client, purchase, settings):
    settings.MEDIA_PRESIGNED = True
    attachment = post_file(owner_client, purchase.pk, "receipt.pdf", PDF).json()
    default_storage.delete(attachments.upload_name(attachment["sha256"]))
    response = owner_client.get(f"/api/attachments/{attachment['id']}/download")
    assert response.status_code == 404
    assert owner_client.get(f"/api/attachments/{attachment['id']}").json()["available"] is False


def test_reads_are_seekable_ranges_of_one_stream(purchase):
    content = bytes(range(256)) * 20_000  # 5 MB: larger than one read buffer
    text = b"plain text " * 1000 + content.hex().encode()[:100]
    stored = attachments.attachment_upload(purchase=purchase, created_by=None, uploaded_file=upload_file("a.txt", text))
    with default_storage.open(stored.storage_name, "rb") as handle:
        assert handle.size == len(text)
        handle.seek(len(text) - 50)
        assert handle.read() == text[-50:]
        handle.seek(11)
        assert handle.read(20) == text[11:31]
        assert handle.read(5) == text[31:36]
    with pytest.raises(FileNotFoundError):
        default_storage.open("uploads/00/00/missing", "rb")


def test_check_uploads_names_the_bucket_without_its_key(s3_storages, capsys):
    from django.core.management import call_command

    call_command("check_uploads")
    err = capsys.readouterr().err
    assert f"checking the uploads in s3://{s3_storages}/media at http://127.0.0.1:" in err
    assert "spends-test-secret" not in err


def test_check_uploads_finds_orphans_and_missing_objects_in_the_bucket(purchase, make_attachment):
    attachment = make_attachment(purchase, PDF)
    stray = "uploads/ab/cd/" + "ab" * 32
    default_storage.save(stray, upload_file("x", b"stray"))
    default_storage.delete(attachment.storage_name)
    report = attachments.uploads_check(fix=True)
    assert report.missing == [attachment.storage_name] and report.marked_unavailable == 1
    assert report.removed == [stray] and not default_storage.exists(stray)


def test_the_storage_url_is_parsed_into_s3_options_and_never_described_with_its_key():
    cfg = config.storage_config(
        "s3://AKIA:se%2Fcr%2Bt@bucket-1/some/prefix/?endpoint_url=https://minio.lan:9000&region=eu-west-1"
        "&addressing_style=path&verify=false"
    )
    assert cfg["BACKEND"] == "spends.storage.S3Storage"
    options = cfg["OPTIONS"]
    assert (options["bucket_name"], options["location"]) == ("bucket-1", "some/prefix")
    assert (options["access_key"], options["secret_key"]) == ("AKIA", "se/cr+t")
    assert (options["endpoint_url"], options["region_name"], options["addressing_style"]) == (
        "https://minio.lan:9000",
        "eu-west-1",
        "path",
    )
    assert options["verify"] is False and options["file_overwrite"] is False and options["default_acl"] is None
    description = config.storage_description(cfg)
    assert description == "s3://bucket-1/some/prefix at https://minio.lan:9000" and "se/cr" not in description
    assert S3Storage(**options).location == "some/prefix"
