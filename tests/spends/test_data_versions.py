"""spends.data_versions.bump: one statement (an upsert) whether or not the scope has its row yet, so a write's
transaction needs no savepoint for it (issue #24); the version only grows."""

import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from spends import data_versions
from spends.models import DataVersion

pytestmark = pytest.mark.django_db


def test_the_first_bump_of_a_scope_is_one_statement_without_a_savepoint():
    before = time.time_ns()
    with CaptureQueriesContext(connection) as queries:
        data_versions.bump("test:first")
    assert len(queries.captured_queries) == 1
    assert queries.captured_queries[0]["sql"].startswith("INSERT")
    (version,) = data_versions.read(["test:first"])
    assert version >= before


def test_a_later_bump_is_one_statement_and_the_version_grows_even_when_the_clock_does_not():
    DataVersion.objects.create(scope="test:ahead", version=2**62)  # a version beyond the clock (e.g. restored)
    with CaptureQueriesContext(connection) as queries:
        data_versions.bump("test:ahead")
    assert len(queries.captured_queries) == 1
    assert data_versions.read(["test:ahead"]) == (2**62 + 1,)
    data_versions.bump("test:ahead")
    assert data_versions.read(["test:ahead"]) == (2**62 + 2,)


def test_a_bump_in_a_rolled_back_transaction_leaves_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        data_versions.bump("test:rolled-back")
        raise RuntimeError
    assert data_versions.read(["test:rolled-back"]) == (0,)
    assert not DataVersion.objects.filter(scope="test:rolled-back").exists()


def test_renew_all_gives_every_scope_a_version_from_the_clock_in_nanoseconds():
    # A restore's renewal: each version becomes at least the clock, in full 64 bits. (With PostgreSQL binding
    # parameters on the server, a plain Value(int) was sent as a 32-bit integer and the clock's nanoseconds were cut
    # to their low 32 bits: the renewed versions went back, and answers cached under the old ones were served.)
    DataVersion.objects.create(scope="test:old", version=5)
    before = time.time_ns()
    data_versions.renew_all()
    old, installation = data_versions.read(["test:old", data_versions.INSTALLATION])
    assert old >= before and installation >= before
