"""Two joins with one code: the invite is locked (SELECT … FOR UPDATE), so only one of them can use it."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from households import services
from households.choices import Role
from households.models import Invite, Membership
from tests.factories import UserFactory
from tests.households.conftest import household_of


def _code(owner) -> str:
    _, code = services.invite_create(household_id=household_of(owner).pk, role=Role.EDITOR, created_by=owner)
    return code


@pytest.mark.django_db
def test_the_join_locks_the_invite_row():
    owner, joiner = UserFactory(), UserFactory()
    code = _code(owner)
    with CaptureQueriesContext(connection) as queries:
        services.household_join(user=joiner, code=code)
    invite_reads = [q["sql"] for q in queries if 'FROM "households_invite"' in q["sql"] and "SELECT" in q["sql"]]
    assert invite_reads, "the invite is read"
    if connection.features.has_select_for_update:
        assert all("FOR UPDATE" in sql for sql in invite_reads)
    # SQLite has no row locks: its IMMEDIATE transactions (settings) take the write lock at BEGIN instead.


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks across connections: PostgreSQL")
def test_a_second_join_waits_for_the_first_and_then_finds_the_code_used():
    owner, first, second = UserFactory(), UserFactory(), UserFactory()
    code = _code(owner)
    outcome = {}

    def join_second():
        try:
            services.household_join(user=second, code=code)
            outcome["result"] = "joined"
        except ValidationError as exc:
            outcome["result"] = exc.message_dict
        finally:
            connection.close()

    thread = threading.Thread(target=join_second)
    with transaction.atomic():
        services.household_join(user=first, code=code)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive(), "the second join waits for the first one's lock"
    thread.join(timeout=10)
    assert outcome["result"] == {"code": [services.CODE_USED]}
    assert Membership.objects.get(user=first).household_id == household_of(owner).pk
    assert Membership.objects.get(user=second).role == Role.OWNER
    assert Membership.objects.get(user=second).household_id != household_of(owner).pk
    assert Invite.objects.get().used_by == first
