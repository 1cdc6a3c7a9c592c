"""Issue #24: the statements of a purchase's create, update and delete with one nested warranty, counted exactly,
transaction control included (BEGIN, COMMIT, SAVEPOINT, RELEASE), and the cache calls they make.

These tests run outside the test's own transaction (`transaction=True`), so the write's `atomic()` is a real
BEGIN … COMMIT and not a savepoint inside the test's. Django logs BEGIN and COMMIT among the captured queries on both
engines (on PostgreSQL psycopg sends BEGIN with the first statement; Django's debug_transaction logs it when it turns
autocommit off; SQLite's `BEGIN IMMEDIATE` is an ordinary statement), and every SAVEPOINT is a statement too.

What is counted: WRITE_BUDGET is the write itself, BEGIN to COMMIT, plus any statement after it (a read-back for the
answer: there is none). Around it, each request also runs what every API request runs, asserted separately: the
token lookup (a query here, where AUTH_TOKEN_CACHE_SECONDS is 0; served by the cache in production), the caller's
scope (household and role), and after COMMIT the notification channels' lookup (reminders, on_commit). An update or
delete also fetches its object first (the purchase row and its coverages: 2 queries), counted separately too."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from purchases.models import Purchase
from tests.factories import PurchaseFactory, WarrantyFactory
from warranties.models import Claim, Warranty

pytestmark = pytest.mark.django_db(transaction=True)

# At most this many statements from BEGIN to COMMIT (both included) for a create or an update of a purchase with one
# warranty: the data-version bump and the per-household summaries' ONE statement (issue #24, `purchases.summaries`)
# included.
WRITE_BUDGET = 7
# The summaries' statement (`purchases.summaries.apply(...)`) is in the counts below.
SUMMARIES_PENDING = 0
# BEGIN, INSERT purchase, the summaries' upsert, INSERT warranty, the data-version upsert, COMMIT.
CREATE_STATEMENTS = 6
# BEGIN, UPDATE purchase, SELECT … FOR UPDATE of its coverages, UPDATE warranty, the summaries' upsert (the
# purchase's and its coverages' differences in ONE statement: the coverages are read first), the data-version upsert,
# COMMIT.
UPDATE_WITH_WARRANTY_STATEMENTS = 7
# BEGIN, UPDATE purchase, the data-version upsert, COMMIT: a change of nothing the summaries hold (the notes) sends
# no summaries statement.
UPDATE_STATEMENTS = 4
# A change the summaries hold that does not move its warranties' cost (the price): the summaries' upsert too.
UPDATE_PRICE_STATEMENTS = 5
# A change that moves its warranties' cost to another summary row (its month, currency, status or rate): one SELECT of
# its coverages' costs (the purchase row is locked by the UPDATE) before the one upsert: 6, within the budget.
UPDATE_KEYS_STATEMENTS = 6
# BEGIN; the purchase locked and read with its warranties' summary values (purchases.summaries.locked: they go with
# it, the summaries lose them too); Django's delete collector: SELECT the warranties (they cascade further) and the
# attachments (their files are released on commit); DELETE claims, sent warranty reminders, sent return reminders,
# warranties, the purchase; the summaries' upsert; the data-version upsert; COMMIT. (11 before the warranty
# summaries of #24: the locked read is the one more.)
DELETE_STATEMENTS = 12

URL = "/api/purchases"
BODY = {
    "product_name": "Kettle",
    "price": "49.90",
    "purchase_date": "2025-03-01",
    "warranty": {"warranty_start": "2025-03-01", "warranty_end": "2027-03-01", "provider": "Maker"},
}


def _kind(sql: str) -> str:
    """A statement's verb and table: "INSERT purchases_purchase", "BEGIN", "SAVEPOINT", ..."""
    words = sql.replace('"', "").replace("(", " ( ").replace(")", " ) ").split()
    verb = words[0].upper()
    if verb in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
        return verb
    if verb == "SELECT" and sql.lstrip().upper().startswith("SELECT 1 AS"):
        return "SELECT 1"  # Django's uniqueness check (validate_unique) or an exists()
    if verb in ("INSERT", "DELETE"):
        return f"{verb} {words[2]}"
    if verb == "UPDATE":
        return f"{verb} {words[1]}"
    depth = 0
    for index, word in enumerate(words):  # the FROM of the statement itself, not of a subquery
        depth += (word == "(") - (word == ")")
        if depth == 0 and word.upper() == "FROM":
            return f"{verb} {words[index + 1]}"
    return verb


def _statements(queries) -> list[str]:
    return [_kind(q["sql"]) for q in queries.captured_queries]


def _transaction(kinds: list[str]) -> list[str]:
    """The statements from the one BEGIN to the end (COMMIT included), asserting there is exactly one transaction."""
    assert kinds.count("BEGIN") == 1 and kinds.count("COMMIT") == 1, kinds
    begin, commit = kinds.index("BEGIN"), kinds.index("COMMIT")
    assert begin < commit
    return kinds[begin : commit + 1]


def _assert_lean(kinds: list[str]) -> None:
    assert not [k for k in kinds if k in ("SAVEPOINT", "RELEASE", "ROLLBACK")], kinds  # no nested atomic block
    assert "SELECT 1" not in kinds, kinds  # no uniqueness check the primary keys already enforce


# Before the transaction, on every API request: the token's lookup (no token cache in tests) and the caller's scope.
REQUEST = ["SELECT spends_apitoken", "SELECT households_membership"]
AFTER_COMMIT = ["SELECT reminders_channel"]  # the purchase.* event's subscribers (reminders), once committed
FETCH = ["SELECT purchases_purchase", "SELECT warranties_warranty"]  # update/delete: the object and its coverages


def test_create_with_a_warranty_is_one_transaction_of_6_statements_and_no_read_back(owner_client):
    with CaptureQueriesContext(connection) as queries:
        response = owner_client.post(URL, BODY, format="json")
    assert response.status_code == 201, response.content
    kinds = _statements(queries)
    _assert_lean(kinds)
    written = _transaction(kinds)
    assert written == [
        "BEGIN",
        "INSERT purchases_purchase",
        "INSERT purchases_purchasesummary",  # the summaries (#24): one upsert
        "INSERT warranties_warranty",
        "INSERT spends_dataversion",  # an upsert: one statement, the scope's first bump too
        "COMMIT",
    ]
    assert len(written) == CREATE_STATEMENTS  # exact, the summaries' statement included
    assert len(written) + SUMMARIES_PENDING <= WRITE_BUDGET
    assert kinds == REQUEST + written + AFTER_COMMIT  # nothing read back for the answer
    purchase = Purchase.objects.get(pk=response.json()["id"])
    assert purchase.product_name == "Kettle" and Warranty.objects.get(purchase=purchase).provider == "Maker"


def test_a_foreign_currency_reads_its_rate_before_the_transaction(owner_client, shipped_rates):
    with CaptureQueriesContext(connection) as queries:
        response = owner_client.post(URL, {**BODY, "currency_code": "EUR"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["rate_source"] == "ECB" and response.json()["home_price"] is not None
    kinds = _statements(queries)
    _assert_lean(kinds)
    assert len(_transaction(kinds)) == CREATE_STATEMENTS
    assert kinds.index("SELECT rates_rate") < kinds.index("BEGIN")


def test_the_first_write_of_a_household_needs_no_savepoint_either(owner_client):
    from spends.models import DataVersion

    DataVersion.objects.all().delete()  # no version row yet: the upsert inserts it
    with CaptureQueriesContext(connection) as queries:
        assert owner_client.post(URL, BODY, format="json").status_code == 201
    kinds = _statements(queries)
    _assert_lean(kinds)
    assert len(_transaction(kinds)) == CREATE_STATEMENTS
    assert DataVersion.objects.count() == 1


@pytest.fixture
def kettle(owner):
    purchase = PurchaseFactory(owner=owner, product_name="Kettle", purchase_date=datetime.date(2025, 3, 1))
    warranty = WarrantyFactory(purchase=purchase, provider="Maker")
    Claim.objects.create(warranty=warranty, opened_on=datetime.date(2025, 4, 1), issue="Leaks")
    return purchase, warranty


@pytest.mark.parametrize("method", ["patch", "put"])
def test_update_with_its_warranty_is_one_transaction_within_the_budget(owner_client, kettle, method):
    purchase, warranty = kettle
    body = {"price": "45.00", "warranty": {"provider": "Shop", "warranty_start": "2025-03-01"}}
    if method == "put":
        body = {**BODY, **body, "warranty": {**BODY["warranty"], "provider": "Shop"}}
    with CaptureQueriesContext(connection) as queries:
        response = getattr(owner_client, method)(f"{URL}/{purchase.pk}", body, format="json")
    assert response.status_code == 200, response.content
    kinds = _statements(queries)
    _assert_lean(kinds)
    written = _transaction(kinds)
    assert written == [
        "BEGIN",
        "UPDATE purchases_purchase",
        "SELECT warranties_warranty",  # its coverages, locked: 0, 1 or several (409) decides what `warranty` does
        "UPDATE warranties_warranty",
        "INSERT purchases_purchasesummary",  # the summaries (#24): one upsert, the purchase's and its coverages'
        "INSERT spends_dataversion",
        "COMMIT",
    ]
    assert len(written) == UPDATE_WITH_WARRANTY_STATEMENTS
    assert len(written) + SUMMARIES_PENDING <= WRITE_BUDGET
    assert kinds == REQUEST + FETCH + written + AFTER_COMMIT
    assert response.json()["warranty"]["claim_count"] == 1  # read with the lock, not read back
    warranty.refresh_from_db()
    assert warranty.provider == "Shop" and str(Purchase.objects.get(pk=purchase.pk).price) == "45.00"


def test_update_of_the_purchase_alone_is_4_statements(owner_client, kettle):
    purchase, _ = kettle
    with CaptureQueriesContext(connection) as queries:
        response = owner_client.patch(f"{URL}/{purchase.pk}", {"notes": "descaled"}, format="json")
    assert response.status_code == 200, response.content
    kinds = _statements(queries)
    _assert_lean(kinds)
    written = _transaction(kinds)
    assert written == ["BEGIN", "UPDATE purchases_purchase", "INSERT spends_dataversion", "COMMIT"]
    assert len(written) == UPDATE_STATEMENTS
    assert kinds == REQUEST + FETCH + written + AFTER_COMMIT
    assert response.json()["warranty"]["provider"] == "Maker"  # the fetched coverages, rendered again


def test_a_price_change_adds_the_summaries_upsert_only(owner_client, kettle):
    purchase, _ = kettle
    with CaptureQueriesContext(connection) as queries:
        response = owner_client.patch(f"{URL}/{purchase.pk}", {"price": "45.00"}, format="json")
    assert response.status_code == 200, response.content
    written = _transaction(_statements(queries))
    assert written == [
        "BEGIN",
        "UPDATE purchases_purchase",
        "INSERT purchases_purchasesummary",
        "INSERT spends_dataversion",
        "COMMIT",
    ]
    assert len(written) == UPDATE_PRICE_STATEMENTS


@pytest.mark.parametrize("change", [{"purchase_date": "2025-05-02"}, {"currency_code": "EUR"}, {"status": "RETURNED"}])
def test_a_change_that_moves_its_warranties_cost_reads_their_costs_once(owner_client, kettle, change, shipped_rates):
    purchase, _ = kettle
    with CaptureQueriesContext(connection) as queries:
        response = owner_client.patch(f"{URL}/{purchase.pk}", change, format="json")
    assert response.status_code == 200, response.content
    kinds = _statements(queries)
    _assert_lean(kinds)
    written = _transaction(kinds)
    assert written == [
        "BEGIN",
        "UPDATE purchases_purchase",
        "SELECT warranties_warranty",  # its coverages' costs: the one extra read, only for such a change
        "INSERT purchases_purchasesummary",
        "INSERT spends_dataversion",
        "COMMIT",
    ]
    assert len(written) == UPDATE_KEYS_STATEMENTS <= WRITE_BUDGET


def test_adding_and_removing_the_warranty_in_an_update(owner_client, owner):
    purchase = PurchaseFactory(owner=owner)
    with CaptureQueriesContext(connection) as queries:
        added = owner_client.patch(f"{URL}/{purchase.pk}", {"warranty": BODY["warranty"]}, format="json")
    assert added.status_code == 200 and added.json()["warranty"]["provider"] == "Maker"
    written = _transaction(_statements(queries))
    assert written[1:5] == [
        "UPDATE purchases_purchase",
        "SELECT warranties_warranty",
        "INSERT warranties_warranty",
        "INSERT purchases_purchasesummary",  # its warranty's count (and cost) in the summaries (#24)
    ]
    assert len(written) == UPDATE_WITH_WARRANTY_STATEMENTS
    with CaptureQueriesContext(connection) as queries:
        removed = owner_client.patch(f"{URL}/{purchase.pk}", {"warranty": None}, format="json")
    assert removed.status_code == 200 and removed.json()["warranty"] is None and removed.json()["warranties"] == []
    kinds = _statements(queries)
    _assert_lean(kinds)
    assert "DELETE warranties_warranty" in _transaction(kinds)
    assert not Warranty.objects.filter(purchase=purchase).exists()


def test_delete_is_one_transaction_without_savepoints(owner_client, kettle):
    purchase, _ = kettle
    with CaptureQueriesContext(connection) as queries:
        response = owner_client.delete(f"{URL}/{purchase.pk}")
    assert response.status_code == 204
    kinds = _statements(queries)
    _assert_lean(kinds)
    written = _transaction(kinds)
    assert len(written) == DELETE_STATEMENTS, written
    assert written[-2:] == ["INSERT spends_dataversion", "COMMIT"]
    assert kinds == REQUEST + FETCH + written + AFTER_COMMIT
    assert not Purchase.objects.filter(pk=purchase.pk).exists() and not Claim.objects.exists()


def _default_id(monkeypatch, model, pk) -> None:
    """New rows of `model` get the id `pk` (a uuid4 collision, made certain)."""
    field = model._meta.get_field("id")
    monkeypatch.setattr(field, "default", lambda: pk)
    monkeypatch.delitem(field.__dict__, "_get_default", raising=False)  # Field caches how it makes its default


def test_a_colliding_id_is_refused_by_the_primary_key_as_409_and_writes_nothing(owner_client, owner, monkeypatch):
    """No SELECT checks a new id first: the primary key refuses a duplicate (IntegrityError), which the API answers
    with 409 `conflict` in plain words, as it did with the check (the id is never the client's to choose)."""
    existing = PurchaseFactory(owner=owner, product_name="First")
    _default_id(monkeypatch, Purchase, existing.pk)
    response = owner_client.post(URL, BODY, format="json")
    assert response.status_code == 409
    assert response.json() == {"detail": "The change conflicts with existing data.", "code": "conflict"}
    assert list(Purchase.objects.values_list("product_name", flat=True)) == ["First"]
    assert not Warranty.objects.exists()


def test_a_colliding_warranty_id_rolls_the_purchase_back_too(owner_client, owner, monkeypatch):
    taken = WarrantyFactory(purchase=PurchaseFactory(owner=owner))
    _default_id(monkeypatch, Warranty, taken.pk)
    response = owner_client.post(URL, {**BODY, "product_name": "Second"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert not Purchase.objects.filter(product_name="Second").exists() and Warranty.objects.count() == 1


def test_validation_errors_are_unchanged_and_write_nothing(owner_client):
    bad = {**BODY, "warranty": {"warranty_start": "2025-03-01", "warranty_end": "2025-01-01"}}
    with CaptureQueriesContext(connection) as queries:
        response = owner_client.post(URL, bad, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "warranty": {"warranty_end": ["Warranty end must be on or after the warranty start."]}
    }
    assert "BEGIN" not in _statements(queries)  # refused before any transaction
    assert not Purchase.objects.exists()


def test_unknown_ids_in_warranties_of_a_new_purchase_are_refused_as_before(owner_client):
    body = {
        **{k: v for k, v in BODY.items() if k != "warranty"},
        "warranties": [{**BODY["warranty"], "id": str(uuid.uuid4())}],
    }
    response = owner_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "warranties": {"0": {"id": ["Not one of this purchase's warranties (or given twice)."]}}
    }
    assert not Purchase.objects.exists()
