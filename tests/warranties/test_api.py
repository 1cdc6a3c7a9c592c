"""Warranties through HTTP (API.md § Warranties, § Settled details): effective status, filters, expiring."""

import datetime
import uuid
from datetime import UTC

import pytest
import time_machine

from purchases.models import Purchase
from tests.assertions import assert_error
from tests.factories import PurchaseFactory, WarrantyFactory
from warranties.models import Warranty

pytestmark = pytest.mark.django_db

URL = "/api/warranties"
EXPIRING_URL = "/api/warranties/expiring"
TODAY = datetime.date(2025, 6, 15)


def at(day: datetime.date, hour=12, minute=0, second=0):
    """Pin "today" (UTC) for the block."""
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC), tick=False
    )


def days(n):
    return TODAY + datetime.timedelta(days=n)


def detail_url(warranty_id):
    return f"{URL}/{warranty_id}"


def names(response):
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == len(body["items"])
    return [item["product_name"] for item in body["items"]]


def warranty_for(owner, name, *, start=datetime.date(2024, 1, 1), end, **kwargs):
    return WarrantyFactory(
        purchase=PurchaseFactory(owner=owner, product_name=name), warranty_start=start, warranty_end=end, **kwargs
    )


@pytest.fixture(autouse=True)
def _fixed_today():
    with at(TODAY):
        yield


# --- authentication and ownership --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "list"),
        ("post", "list"),
        ("get", "expiring"),
        ("get", "detail"),
        ("put", "detail"),
        ("patch", "detail"),
        ("delete", "detail"),
    ],
)
def test_anonymous_caller_gets_401_in_contract_shape(anon_client, owner, method, path):
    warranty = warranty_for(owner, "Kettle", end=days(10))
    url = {"list": URL, "expiring": EXPIRING_URL, "detail": detail_url(warranty.pk)}[path]
    payload = None if method == "get" else {"status": "VOIDED"}
    assert_error(getattr(anon_client, method)(url, payload, format="json"), 401, "not_authenticated")
    warranty.refresh_from_db()
    assert warranty.status == "ACTIVE"


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_another_users_warranty_is_404_and_untouched(other_client, owner, method):
    warranty = warranty_for(owner, "Kettle", end=days(10))
    payload = (
        None if method == "get" else {"warranty_start": "2024-01-01", "warranty_end": "2030-01-01", "status": "VOIDED"}
    )
    assert_error(getattr(other_client, method)(detail_url(warranty.pk), payload, format="json"), 404, "not_found")
    warranty.refresh_from_db()
    assert (warranty.status, warranty.warranty_end) == ("ACTIVE", days(10))


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_unknown_warranty_id_is_404(owner_client, method):
    assert_error(getattr(owner_client, method)(detail_url(uuid.uuid4()), {}, format="json"), 404, "not_found")


@pytest.mark.parametrize("bad_id", ["abc", "1", "g0000000-0000-0000-0000-000000000000"])
def test_non_uuid_path_id_is_404(owner_client, bad_id):
    assert_error(owner_client.get(detail_url(bad_id)), 404, "not_found")


def test_lists_show_only_the_callers_warranties(owner_client, owner, other_user):
    warranty_for(owner, "Mine", end=days(5))
    warranty_for(other_user, "Theirs", end=days(5))
    assert names(owner_client.get(URL)) == ["Mine"]
    assert names(owner_client.get(EXPIRING_URL)) == ["Mine"]


@pytest.mark.parametrize("path", [URL, EXPIRING_URL])
@pytest.mark.parametrize("suffix", ["", "/"])
def test_list_routes_work_with_and_without_trailing_slash(owner_client, owner, path, suffix):
    warranty_for(owner, "Kettle", end=days(5))
    assert names(owner_client.get(path + suffix)) == ["Kettle"]


def test_detail_routes_work_with_trailing_slash(owner_client, owner):
    purchase = PurchaseFactory(owner=owner)
    created = owner_client.post(
        URL + "/", {"purchase_id": str(purchase.pk), "warranty_start": "2025-01-01", "warranty_end": "2026-01-01"}
    )
    assert created.status_code == 201
    url = detail_url(created.json()["id"]) + "/"
    assert owner_client.get(url).status_code == 200
    assert owner_client.patch(url, {"provider": "X"}, format="json").status_code == 200
    assert owner_client.delete(url).status_code == 204


# --- create ----------------------------------------------------------------------------------------------


def test_create_returns_the_contract_object(owner_client, owner):
    purchase = PurchaseFactory(owner=owner, product_name="MacBook Air 13")
    response = owner_client.post(
        URL,
        {
            "purchase_id": str(purchase.pk),
            "warranty_start": "2025-01-15",
            "warranty_end": "2027-01-15",
            "warranty_type": "EXTENDED",
            "provider": "  AppleCare ",
            "notes": " two years ",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    warranty = Warranty.objects.get()
    assert body == {
        "id": str(warranty.pk),
        "purchase_id": str(purchase.pk),
        "product_name": "MacBook Air 13",
        "warranty_start": "2025-01-15",
        "warranty_end": "2027-01-15",
        "warranty_type": "EXTENDED",
        "status": "ACTIVE",
        "days_remaining": (datetime.date(2027, 1, 15) - TODAY).days,
        "provider": "AppleCare",
        "notes": "two years",
        "cost": None,
        "reference": "",
        "claim_count": 0,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert body["created_at"].endswith("Z") and body["updated_at"].endswith("Z")
    assert (warranty.purchase, warranty.provider, warranty.notes) == (purchase, "AppleCare", "two years")


def test_create_defaults_to_limited_and_active(owner_client, owner):
    purchase = PurchaseFactory(owner=owner)
    response = owner_client.post(
        URL, {"purchase_id": str(purchase.pk), "warranty_start": "2025-01-01", "warranty_end": "2026-01-01"}
    )
    assert response.status_code == 201
    assert (response.json()["warranty_type"], response.json()["status"]) == ("LIMITED", "ACTIVE")
    assert (response.json()["provider"], response.json()["notes"]) == ("", "")


def test_create_voided_warranty(owner_client, owner):
    purchase = PurchaseFactory(owner=owner)
    response = owner_client.post(
        URL,
        {
            "purchase_id": str(purchase.pk),
            "warranty_start": "2025-01-01",
            "warranty_end": "2026-01-01",
            "status": "VOIDED",
        },
        format="json",
    )
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["days_remaining"]) == ("VOIDED", None)
    assert Warranty.objects.get().status == "VOIDED"


def test_create_lifetime_warranty_without_end(owner_client, owner):
    purchase = PurchaseFactory(owner=owner)
    response = owner_client.post(
        URL, {"purchase_id": str(purchase.pk), "warranty_start": "2025-01-01", "warranty_type": "LIFETIME"}
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["warranty_end"], body["status"], body["days_remaining"]) == (None, "ACTIVE", None)


def test_create_lifetime_warranty_with_an_end_is_allowed(owner_client, owner):
    purchase = PurchaseFactory(owner=owner)
    response = owner_client.post(
        URL,
        {"purchase_id": str(purchase.pk), "warranty_start": "2025-01-01", "warranty_end": "2025-06-20",
         "warranty_type": "LIFETIME"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201
    assert response.json()["days_remaining"] == 5


def test_create_for_the_day_it_starts_and_ends(owner_client, owner):
    purchase = PurchaseFactory(owner=owner)
    response = owner_client.post(
        URL, {"purchase_id": str(purchase.pk), "warranty_start": "2025-06-15", "warranty_end": "2025-06-15"}
    )
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["days_remaining"]) == ("ACTIVE", 0)


def test_a_second_warranty_for_a_purchase_is_added(owner_client, owner):
    # Version 2 (#21): "one per purchase" is gone; POST adds one more coverage.
    existing = warranty_for(owner, "Kettle", end=days(10))
    response = owner_client.post(
        URL,
        {"purchase_id": str(existing.purchase_id), "warranty_start": "2025-01-01", "warranty_end": "2026-01-01"},
        format="json",
    )
    assert response.status_code == 201
    assert Warranty.objects.filter(purchase_id=existing.purchase_id).count() == 2


def test_purchase_id_of_another_user_is_400_on_purchase_id(owner_client, other_user):
    theirs = PurchaseFactory(owner=other_user)
    response = owner_client.post(
        URL, {"purchase_id": str(theirs.pk), "warranty_start": "2025-01-01", "warranty_end": "2026-01-01"}
    )
    assert_error(response, 400, "validation_error", fields=["purchase_id"])
    assert not Warranty.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"purchase_id": None}, "purchase_id", id="purchase-null"),
        pytest.param({"purchase_id": "not-a-uuid"}, "purchase_id", id="purchase-bad-uuid"),
        pytest.param({"purchase_id": str(uuid.UUID(int=3))}, "purchase_id", id="purchase-unknown"),
        pytest.param({"warranty_start": None}, "warranty_start", id="start-null"),
        pytest.param({"warranty_start": "2025-02-29"}, "warranty_start", id="start-not-a-day"),
        pytest.param({"warranty_end": "01/01/2026"}, "warranty_end", id="end-bad-format"),
        pytest.param({"warranty_end": "2024-12-31"}, "warranty_end", id="end-before-start"),
        pytest.param({"warranty_end": None}, "warranty_end", id="end-null-limited"),
        pytest.param({"warranty_end": None, "warranty_type": "EXTENDED"}, "warranty_end", id="end-null-extended"),
        pytest.param({"warranty_end": None, "warranty_type": "OTHER"}, "warranty_end", id="end-null-other"),
        pytest.param({"warranty_type": "FOREVER"}, "warranty_type", id="type-unknown"),
        pytest.param({"warranty_type": "lifetime"}, "warranty_type", id="type-lower-case"),
        pytest.param({"status": "EXPIRED"}, "status", id="status-expired-not-writable"),
        pytest.param({"status": "BROKEN"}, "status", id="status-unknown"),
        pytest.param({"provider": "p" * 256}, "provider", id="provider-too-long"),
        pytest.param({"notes": "n" * 10_001}, "notes", id="notes-too-long"),
    ],
)
def test_create_with_bad_input_is_400_on_that_field(owner_client, owner, overrides, field):
    purchase = PurchaseFactory(owner=owner)
    payload = {"purchase_id": str(purchase.pk), "warranty_start": "2025-01-01", "warranty_end": "2026-01-01"}
    response = owner_client.post(URL, {**payload, **overrides}, format="json")
    assert_error(response, 400, "validation_error", fields=[field])
    assert not Warranty.objects.exists()


@pytest.mark.parametrize("missing", ["purchase_id", "warranty_start"])
def test_create_without_a_required_field_is_400(owner_client, owner, missing):
    purchase = PurchaseFactory(owner=owner)
    payload = {"purchase_id": str(purchase.pk), "warranty_start": "2025-01-01", "warranty_end": "2026-01-01"}
    del payload[missing]
    assert_error(owner_client.post(URL, payload, format="json"), 400, "validation_error", fields=[missing])
    assert not Warranty.objects.exists()


# --- update and delete -------------------------------------------------------------------------------


@pytest.fixture
def warranty(owner):
    return warranty_for(
        owner, "Kettle", start=datetime.date(2025, 1, 1), end=datetime.date(2026, 1, 1), provider="Shop", notes="box"
    )


def test_patch_voids_and_unvoids(owner_client, warranty):
    voided = owner_client.patch(detail_url(warranty.pk), {"status": "VOIDED"}, format="json")
    assert voided.status_code == 200
    assert (voided.json()["status"], voided.json()["days_remaining"]) == ("VOIDED", None)
    warranty.refresh_from_db()
    assert warranty.status == "VOIDED"
    active = owner_client.patch(detail_url(warranty.pk), {"status": "ACTIVE"}, format="json")
    assert (active.json()["status"], active.json()["days_remaining"]) == ("ACTIVE", 200)
    warranty.refresh_from_db()
    assert warranty.status == "ACTIVE"


def test_unvoiding_an_ended_warranty_shows_expired(owner_client, owner):
    ended = warranty_for(owner, "Old", end=days(-1), status="VOIDED")
    response = owner_client.patch(detail_url(ended.pk), {"status": "ACTIVE"}, format="json")
    assert response.json()["status"] == "EXPIRED"


def test_patch_changes_only_given_fields(owner_client, warranty):
    response = owner_client.patch(detail_url(warranty.pk), {"warranty_end": "2027-01-01"}, format="json")
    assert response.status_code == 200
    warranty.refresh_from_db()
    assert (warranty.warranty_start, warranty.warranty_end) == (datetime.date(2025, 1, 1), datetime.date(2027, 1, 1))
    assert (warranty.provider, warranty.notes, warranty.warranty_type) == ("Shop", "box", "LIMITED")


def test_put_replaces_and_resets_omitted_fields(owner_client, warranty):
    response = owner_client.put(
        detail_url(warranty.pk), {"warranty_start": "2025-02-01", "warranty_end": "2025-12-01"}, format="json"
    )
    assert response.status_code == 200, response.content
    warranty.refresh_from_db()
    assert (warranty.warranty_start, warranty.warranty_end) == (datetime.date(2025, 2, 1), datetime.date(2025, 12, 1))
    assert (warranty.provider, warranty.notes, warranty.status) == ("", "", "ACTIVE")


def test_put_with_the_same_purchase_id_is_accepted(owner_client, warranty):
    response = owner_client.put(
        detail_url(warranty.pk),
        {"purchase_id": str(warranty.purchase_id), "warranty_start": "2025-01-01", "warranty_end": "2026-01-01"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["purchase_id"] == str(warranty.purchase_id)


@pytest.mark.parametrize("method", ["put", "patch"])
def test_purchase_id_cannot_change(owner_client, owner, other_user, warranty, method):
    for target in (PurchaseFactory(owner=owner), PurchaseFactory(owner=other_user)):
        response = getattr(owner_client, method)(
            detail_url(warranty.pk),
            {"purchase_id": str(target.pk), "warranty_start": "2025-01-01", "warranty_end": "2026-01-01"},
            format="json",
        )
        assert_error(response, 400, "validation_error", fields=["purchase_id"])
    warranty.refresh_from_db()
    assert warranty.purchase.product_name == "Kettle"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"warranty_end": "2024-12-31"}, "warranty_end"),
        ({"warranty_start": "2026-01-02"}, "warranty_end"),
        ({"warranty_end": None}, "warranty_end"),
        ({"warranty_type": "EXTENDED", "warranty_end": None}, "warranty_end"),
        ({"warranty_type": "NONE"}, "warranty_type"),
        ({"status": "EXPIRED"}, "status"),
        ({"warranty_start": "soon"}, "warranty_start"),
        ({"provider": "p" * 256}, "provider"),
    ],
)
def test_patch_with_bad_input_is_400_and_changes_nothing(owner_client, warranty, payload, field):
    response = owner_client.patch(detail_url(warranty.pk), payload, format="json")
    assert_error(response, 400, "validation_error", fields=[field])
    warranty.refresh_from_db()
    assert (warranty.warranty_start, warranty.warranty_end, warranty.warranty_type, warranty.status) == (
        datetime.date(2025, 1, 1),
        datetime.date(2026, 1, 1),
        "LIMITED",
        "ACTIVE",
    )


def test_patch_to_lifetime_may_drop_the_end(owner_client, warranty):
    response = owner_client.patch(
        detail_url(warranty.pk), {"warranty_type": "LIFETIME", "warranty_end": None}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["warranty_end"], response.json()["days_remaining"]) == (None, None)
    warranty.refresh_from_db()
    assert (warranty.warranty_type, warranty.warranty_end) == ("LIFETIME", None)


def test_patch_lifetime_away_without_an_end_is_400(owner_client, owner):
    lifetime = warranty_for(owner, "Pan", end=None, warranty_type="LIFETIME")
    response = owner_client.patch(detail_url(lifetime.pk), {"warranty_type": "LIMITED"}, format="json")
    assert_error(response, 400, "validation_error", fields=["warranty_end"])
    lifetime.refresh_from_db()
    assert lifetime.warranty_type == "LIFETIME"


def test_delete_removes_only_the_warranty(owner_client, warranty):
    response = owner_client.delete(detail_url(warranty.pk))
    assert response.status_code == 204
    assert not Warranty.objects.exists()
    assert Purchase.objects.filter(pk=warranty.purchase_id).exists()


# --- effective status and days remaining -------------------------------------------------------------

BOUNDARIES = [
    pytest.param(datetime.date(2025, 6, 15), datetime.date(2025, 6, 15), "ACTIVE", 0, id="ends-today"),
    pytest.param(datetime.date(2025, 6, 16), datetime.date(2025, 6, 15), "EXPIRED", None, id="day-after-end"),
    pytest.param(datetime.date(2025, 6, 14), datetime.date(2025, 6, 15), "ACTIVE", 1, id="day-before-end"),
    pytest.param(datetime.date(2025, 1, 31), datetime.date(2025, 2, 1), "ACTIVE", 1, id="month-boundary"),
    pytest.param(datetime.date(2025, 2, 1), datetime.date(2025, 1, 31), "EXPIRED", None, id="month-boundary-after"),
    pytest.param(datetime.date(2025, 4, 30), datetime.date(2025, 5, 31), "ACTIVE", 31, id="across-a-month"),
    pytest.param(datetime.date(2024, 12, 31), datetime.date(2025, 1, 1), "ACTIVE", 1, id="year-boundary"),
    pytest.param(datetime.date(2025, 1, 1), datetime.date(2024, 12, 31), "EXPIRED", None, id="year-boundary-after"),
    pytest.param(datetime.date(2024, 12, 31), datetime.date(2025, 12, 31), "ACTIVE", 365, id="a-year-ahead"),
    pytest.param(datetime.date(2024, 1, 1), datetime.date(2025, 1, 1), "ACTIVE", 366, id="a-leap-year-ahead"),
    pytest.param(datetime.date(2024, 2, 28), datetime.date(2024, 3, 1), "ACTIVE", 2, id="over-leap-day"),
    pytest.param(datetime.date(2024, 2, 29), datetime.date(2024, 2, 29), "ACTIVE", 0, id="ends-on-leap-day"),
    pytest.param(datetime.date(2024, 3, 1), datetime.date(2024, 2, 29), "EXPIRED", None, id="day-after-leap-day"),
    pytest.param(datetime.date(2024, 2, 29), datetime.date(2025, 2, 28), "ACTIVE", 365, id="from-leap-day"),
    pytest.param(datetime.date(2025, 2, 28), datetime.date(2025, 3, 1), "ACTIVE", 1, id="non-leap-february"),
]


@pytest.mark.parametrize(("today", "end", "status", "remaining"), BOUNDARIES)
def test_effective_status_and_days_remaining_at_fixed_today(owner_client, owner, today, end, status, remaining):
    warranty = warranty_for(owner, "Kettle", start=datetime.date(2023, 1, 1), end=end)
    with at(today):
        detail = owner_client.get(detail_url(warranty.pk)).json()
        listed = owner_client.get(URL).json()["items"][0]
        nested = owner_client.get(f"/api/purchases/{warranty.purchase_id}").json()["warranty"]
        filtered = names(owner_client.get(URL, {"status": status}))
    for body in (detail, listed, nested):
        assert (body["status"], body["days_remaining"]) == (status, remaining)
    assert filtered == ["Kettle"]
    warranty.refresh_from_db()
    assert warranty.status == "ACTIVE"  # nothing was written: the status is worked out when read


@pytest.mark.parametrize(
    ("moment", "status", "remaining"),
    [
        ((23, 59, 59), "ACTIVE", 0),
        ((0, 0, 0), "ACTIVE", 0),
    ],
)
def test_today_is_the_utc_date_whatever_the_hour(owner_client, owner, moment, status, remaining):
    warranty = warranty_for(owner, "Kettle", end=TODAY)
    with at(TODAY, *moment):
        body = owner_client.get(detail_url(warranty.pk)).json()
    assert (body["status"], body["days_remaining"]) == (status, remaining)
    with at(TODAY + datetime.timedelta(days=1), 0, 0, 0):
        assert owner_client.get(detail_url(warranty.pk)).json()["status"] == "EXPIRED"


def test_voided_stays_voided_before_and_after_its_end(owner_client, owner):
    warranty = warranty_for(owner, "Kettle", end=TODAY, status="VOIDED")
    for day in (TODAY, TODAY + datetime.timedelta(days=1)):
        with at(day):
            body = owner_client.get(detail_url(warranty.pk)).json()
        assert (body["status"], body["days_remaining"]) == ("VOIDED", None)


def test_lifetime_warranty_is_active_forever_without_days(owner_client, owner):
    warranty = warranty_for(owner, "Pan", end=None, warranty_type="LIFETIME")
    with at(datetime.date(2099, 12, 31)):
        body = owner_client.get(detail_url(warranty.pk)).json()
    assert (body["status"], body["days_remaining"]) == ("ACTIVE", None)


# --- list filters and ordering -----------------------------------------------------------------------


@pytest.fixture
def mixed(owner, other_user):
    made = {
        "expired": warranty_for(owner, "Toaster", end=days(-1)),
        "today": warranty_for(owner, "Kettle", end=days(0), warranty_type="EXTENDED"),
        "soon": warranty_for(owner, "Über-Mixer", end=days(30)),
        "later": warranty_for(owner, "Fridge", end=days(31), warranty_type="OTHER"),
        "voided": warranty_for(owner, "Blender", end=days(5), status="VOIDED"),
        "lifetime": warranty_for(owner, "Pan", end=None, warranty_type="LIFETIME"),
    }
    warranty_for(other_user, "Their Kettle", end=days(1))
    return made


def test_default_order_is_end_ascending_with_lifetime_last(owner_client, mixed):
    assert names(owner_client.get(URL)) == ["Toaster", "Kettle", "Blender", "Über-Mixer", "Fridge", "Pan"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("warranty_end", ["Toaster", "Kettle", "Blender", "Über-Mixer", "Fridge", "Pan"]),
        ("-warranty_end", ["Pan", "Fridge", "Über-Mixer", "Blender", "Kettle", "Toaster"]),
    ],
)
def test_ordering_by_end_puts_lifetime_last_ascending_first_descending(owner_client, mixed, ordering, expected):
    assert names(owner_client.get(URL, {"ordering": ordering})) == expected


def test_ordering_by_start_and_created_at(owner_client, owner):
    for offset, name, start in [(3, "A", "2025-03-01"), (1, "B", "2025-01-01"), (2, "C", "2025-02-01")]:
        with at(TODAY - datetime.timedelta(days=offset)):
            warranty_for(owner, name, start=datetime.date.fromisoformat(start), end=days(100))
    assert names(owner_client.get(URL, {"ordering": "warranty_start"})) == ["B", "C", "A"]
    assert names(owner_client.get(URL, {"ordering": "-warranty_start"})) == ["A", "C", "B"]
    assert names(owner_client.get(URL, {"ordering": "created_at"})) == ["A", "C", "B"]
    assert names(owner_client.get(URL, {"ordering": "-created_at"})) == ["B", "C", "A"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"status": "ACTIVE"}, ["Kettle", "Über-Mixer", "Fridge", "Pan"], id="status-active"),
        pytest.param({"status": "EXPIRED"}, ["Toaster"], id="status-expired"),
        pytest.param({"status": "VOIDED"}, ["Blender"], id="status-voided"),
        pytest.param({"warranty_type": "LIFETIME"}, ["Pan"], id="type-lifetime"),
        pytest.param({"warranty_type": "LIMITED"}, ["Toaster", "Blender", "Über-Mixer"], id="type-limited"),
        pytest.param({"search": "KETTLE"}, ["Kettle"], id="search-upper"),
        pytest.param({"search": "über"}, ["Über-Mixer"], id="search-non-ascii-lower"),
        pytest.param({"search": "ÜBER"}, ["Über-Mixer"], id="search-non-ascii-upper"),
        pytest.param({"expiring_soon": "true"}, ["Kettle", "Über-Mixer"], id="expiring-soon-default-30-days"),
        pytest.param({"expiring_soon": "true", "days": "31"}, ["Kettle", "Über-Mixer", "Fridge"], id="expiring-31"),
        pytest.param({"expiring_soon": "true", "days": "0"}, ["Kettle"], id="expiring-0"),
        pytest.param(
            {"expiring_soon": "false"}, ["Toaster", "Kettle", "Blender", "Über-Mixer", "Fridge", "Pan"],
            id="false-no-filter",
        ),
        pytest.param({"expiring_soon": "true", "status": "EXPIRED"}, [], id="expiring-and-expired"),
        pytest.param({"status": "ACTIVE", "warranty_type": "EXTENDED", "search": "ket"}, ["Kettle"], id="combined"),
        pytest.param({"status": "ACTIVE", "ordering": "-warranty_end"}, ["Pan", "Fridge", "Über-Mixer", "Kettle"],
                     id="status-and-ordering"),
    ],
)  # fmt: skip
def test_filters(owner_client, mixed, params, expected):
    assert names(owner_client.get(URL, params)) == expected


def test_filter_by_purchase_id(owner_client, other_user, mixed):
    assert names(owner_client.get(URL, {"purchase_id": mixed["soon"].purchase_id})) == ["Über-Mixer"]
    theirs = Warranty.objects.get(purchase__household__memberships__user=other_user)
    assert names(owner_client.get(URL, {"purchase_id": theirs.purchase_id})) == []


def test_status_filter_follows_the_date_without_any_write(owner_client, mixed):
    with at(TODAY + datetime.timedelta(days=1)):
        assert names(owner_client.get(URL, {"status": "EXPIRED"})) == ["Toaster", "Kettle"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "expired"}, "status"),
        ({"status": "GONE"}, "status"),
        ({"warranty_type": "FOREVER"}, "warranty_type"),
        ({"purchase_id": "not-a-uuid"}, "purchase_id"),
        ({"expiring_soon": "soon"}, "expiring_soon"),
        ({"expiring_soon": "true", "days": "abc"}, "days"),
        ({"expiring_soon": "true", "days": "-1"}, "days"),
        ({"expiring_soon": "true", "days": "3651"}, "days"),
        ({"expiring_soon": "true", "days": "1.5"}, "days"),
        ({"expiring_soon": "true", "days": "1e100000"}, "days"),
        ({"days": "abc"}, "days"),
        ({"ordering": "product_name"}, "ordering"),
        ({"ordering": "-status"}, "ordering"),
    ],
)
def test_unknown_filter_value_is_400_on_that_parameter(owner_client, mixed, params, field):
    assert_error(owner_client.get(URL, params), 400, "validation_error", fields=[field])


# --- expiring ----------------------------------------------------------------------------------------


def test_expiring_defaults_to_30_days_inclusive_soonest_first(owner_client, mixed):
    body = owner_client.get(EXPIRING_URL).json()
    assert (body["total"], body["skip"], body["limit"]) == (2, 0, 20)
    assert [(item["product_name"], item["days_remaining"]) for item in body["items"]] == [
        ("Kettle", 0),
        ("Über-Mixer", 30),
    ]
    assert all(item["status"] == "ACTIVE" for item in body["items"])


@pytest.mark.parametrize(
    ("days_param", "expected"),
    [
        ("0", ["Kettle"]),
        ("29", ["Kettle"]),
        ("30", ["Kettle", "Über-Mixer"]),
        ("31", ["Kettle", "Über-Mixer", "Fridge"]),
        ("3650", ["Kettle", "Über-Mixer", "Fridge"]),
    ],
)
def test_expiring_window_includes_both_ends(owner_client, mixed, days_param, expected):
    assert names(owner_client.get(EXPIRING_URL, {"days": days_param})) == expected


def test_expiring_reaches_exactly_3650_days(owner_client, owner):
    warranty_for(owner, "Edge", end=days(3650))
    warranty_for(owner, "Beyond", end=days(3651))
    assert names(owner_client.get(EXPIRING_URL, {"days": 3650})) == ["Edge"]


def test_expiring_is_paginated(owner_client, owner):
    for i in range(5):
        warranty_for(owner, f"Item {i}", end=days(i))
    body = owner_client.get(EXPIRING_URL, {"skip": 2, "limit": 2}).json()
    assert body["total"] == 5
    assert [item["product_name"] for item in body["items"]] == ["Item 2", "Item 3"]


@pytest.mark.parametrize("bad", ["-1", "3651", "abc", "1.5", "1e3"])
def test_expiring_with_bad_days_is_400(owner_client, mixed, bad):
    assert_error(owner_client.get(EXPIRING_URL, {"days": bad}), 400, "validation_error", fields=["days"])


def test_expiring_across_a_year_boundary(owner_client, owner):
    warranty_for(owner, "New Year", end=datetime.date(2025, 1, 1))
    warranty_for(owner, "Old Year", end=datetime.date(2024, 12, 30))
    with at(datetime.date(2024, 12, 31)):
        assert names(owner_client.get(EXPIRING_URL, {"days": 1})) == ["New Year"]


# --- OpenAPI -----------------------------------------------------------------------------------------


def test_schema_documents_written_and_effective_status_by_direction(anon_client):
    response = anon_client.get("/api/schema", {"format": "json"})
    assert response.status_code == 200
    schemas = response.json()["components"]["schemas"]

    def status_enum(component):
        ref = schemas[component]["properties"]["status"]["allOf"][0]["$ref"]
        return schemas[ref.rsplit("/", 1)[1]]["enum"]

    for component in ("WarrantyRequest", "PatchedWarrantyRequest", "NestedWarrantyRequest"):
        assert status_enum(component) == ["ACTIVE", "VOIDED"]
    for component in ("WarrantyRead", "NestedWarranty"):
        assert status_enum(component) == ["ACTIVE", "EXPIRED", "VOIDED"]
