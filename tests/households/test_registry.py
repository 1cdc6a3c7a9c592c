"""households.registry: movers and counters that apps above households register."""

import uuid

import pytest

from households import registry


@pytest.fixture(autouse=True)
def _only_the_tests_entries(monkeypatch):
    """The mechanics, without the apps' real entries (purchases registers its mover and counter in ready())."""
    monkeypatch.setattr(registry, "_movers", {})
    monkeypatch.setattr(registry, "_counters", {})


def test_movers_are_called_with_keywords_and_their_counts_merged():
    calls = []

    def purchases(**kwargs):
        calls.append(("purchases", kwargs))
        return {"purchases": 2, "warranties": 1, "duplicates": ["A"]}

    def other(**kwargs):
        calls.append(("other", kwargs))
        return {"warranties": 3, "duplicates": ["B"], "note": "x"}

    source, target = uuid.uuid4(), uuid.uuid4()
    with registry.registered("a", mover=purchases), registry.registered("b", mover=other):
        moved = registry.records_move(from_household_id=source, to_household_id=target, user_id=7, move_all=False)
    assert moved == {"purchases": 2, "warranties": 4, "duplicates": ["A", "B"], "note": "x"}
    expected = {"from_household_id": source, "to_household_id": target, "user_id": 7, "move_all": False}
    assert calls == [("purchases", expected), ("other", expected)]
    assert registry.records_move(from_household_id=source, to_household_id=target, user_id=7, move_all=True) == {}


def test_counters_add_up_and_registering_again_replaces():
    household_id = uuid.uuid4()
    with registry.registered("a", counter=lambda h: 2), registry.registered("b", counter=lambda h: 3):
        assert registry.records_count(household_id) == 5
        registry.register_record_counter("a", lambda h: 0)
        assert registry.records_count(household_id) == 3
    assert registry.records_count(household_id) == 0


def test_registered_restores_the_previous_entry_and_unregister_drops_both():
    def first(h):
        return 1

    registry.register_record_counter("app", first)
    registry.register_record_mover("app", lambda **kw: {"n": 1})
    try:
        with registry.registered("app", counter=lambda h: 10):
            assert registry.records_count(uuid.uuid4()) == 10
        assert registry.records_count(uuid.uuid4()) == 1
    finally:
        registry.unregister("app")
    assert registry.records_count(uuid.uuid4()) == 0
    assert registry.records_move(from_household_id=None, to_household_id=None, user_id=1, move_all=True) == {}
