"""The purchase admin: attachments inline (read-only) with download links, scoped like the purchases."""

import pytest
from django.contrib.auth.models import Permission

from tests.attachments.conftest import PDF, TEXT, stored_path
from tests.factories import PurchaseFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def download_url(attachment):
    return f"/admin/purchases/purchase/{attachment.purchase_id}/attachments/{attachment.pk}/download/"


def test_change_page_lists_attachments_with_download_links(admin_client, purchase, make_attachment):
    attachment = make_attachment(purchase, PDF, name="receipt <1>.pdf")
    page = admin_client.get(f"/admin/purchases/purchase/{purchase.pk}/change/")
    assert page.status_code == 200
    assert download_url(attachment).encode() in page.content
    assert b"receipt &lt;1&gt;.pdf" in page.content  # escaped
    assert b'name="attachments-0-kind"' not in page.content  # read-only


def test_admin_download_serves_the_bytes_with_safe_headers(admin_client, purchase, make_attachment):
    attachment = make_attachment(purchase, TEXT, name="notes.txt")
    response = admin_client.get(download_url(attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == TEXT
    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_admin_download_of_a_missing_file_is_404(admin_client, purchase, make_attachment):
    attachment = make_attachment(purchase, PDF)
    stored_path(PDF).unlink()
    assert admin_client.get(download_url(attachment)).status_code == 404


def test_admin_download_needs_the_right_purchase(admin_client, purchase, make_attachment):
    attachment = make_attachment(purchase, PDF)
    elsewhere = PurchaseFactory()
    url = f"/admin/purchases/purchase/{elsewhere.pk}/attachments/{attachment.pk}/download/"
    assert admin_client.get(url).status_code == 404


def test_staff_see_only_their_own_attachments(client, purchase, make_attachment):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_purchase"))
    client.force_login(staff)
    others = make_attachment(purchase, PDF)
    own = make_attachment(PurchaseFactory(owner=staff), TEXT, name="mine.txt")
    assert client.get(download_url(others)).status_code == 404
    assert client.get(download_url(own)).status_code == 200


def test_anonymous_is_sent_to_the_login_page(client, purchase, make_attachment):
    response = client.get(download_url(make_attachment(purchase, PDF)))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_api_download_works_with_the_session(client, owner, purchase, make_attachment):
    client.force_login(owner)
    attachment = make_attachment(purchase, PDF)
    response = client.get(f"/api/attachments/{attachment.pk}/download")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_deleting_a_purchase_in_the_admin_removes_its_unreferenced_files_after_commit(
    admin_client, purchase, make_attachment, django_capture_on_commit_callbacks
):
    make_attachment(purchase, PDF)
    make_attachment(PurchaseFactory(), TEXT)
    make_attachment(purchase, TEXT)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/purchases/purchase/{purchase.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not stored_path(PDF).exists()
    assert stored_path(TEXT).exists()  # still attached to the other purchase
