"""The read-only rates changelist: filters, date hierarchy and the last publication day in the title."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_the_changelist_shows_the_last_publication_day(admin_client, shipped_rates):
    page = admin_client.get("/admin/rates/rate/?currency=USD&day__year=2024&day__month=3")
    assert page.status_code == 200
    text = page.content.decode()
    assert "last publication day: 2026-10-30" in text
    assert "1.089200" in text  # 15 March 2024
    assert 'href="?add' not in text and "/admin/rates/rate/add/" not in text


def test_rates_cannot_be_added_or_changed_by_hand(admin_client, shipped_rates):
    from rates.models import Rate

    rate = Rate.objects.filter(currency="USD").first()
    assert admin_client.get("/admin/rates/rate/add/").status_code == 403
    page = admin_client.get(f"/admin/rates/rate/{rate.pk}/change/")
    assert page.status_code == 200  # the view-only page
    assert admin_client.post(f"/admin/rates/rate/{rate.pk}/change/", {"rate": "9"}).status_code == 403
    assert admin_client.post(f"/admin/rates/rate/{rate.pk}/delete/", {"post": "yes"}).status_code == 403
