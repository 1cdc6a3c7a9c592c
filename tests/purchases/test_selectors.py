"""purchase_list shares one cached query shape per day between owners (#10); each caller gets its own clone."""

import datetime

import pytest

from purchases import selectors
from spends import clock
from tests.factories import PurchaseFactory, WarrantyFactory, household_of

pytestmark = pytest.mark.django_db


def test_owners_never_see_each_others_rows_through_the_shared_shape(owner, other_user):
    mine = PurchaseFactory(owner=owner)
    theirs = PurchaseFactory(owner=other_user)
    assert [p.pk for p in selectors.purchase_list(household_id=household_of(owner))] == [mine.pk]
    assert [p.pk for p in selectors.purchase_list(household_id=household_of(other_user))] == [theirs.pk]
    assert [p.pk for p in selectors.purchase_list(household_id=household_of(owner))] == [mine.pk]
    shape = selectors._purchase_list_shape(clock.today())
    assert shape._result_cache is None  # never evaluated, only cloned
    assert "household" not in str(shape.query.where)


def test_the_shape_follows_the_day(owner):
    purchase = PurchaseFactory(owner=owner)
    WarrantyFactory(
        purchase=purchase, warranty_start=datetime.date(2025, 1, 1), warranty_end=datetime.date(2025, 6, 30)
    )
    on = {
        day: selectors.purchase_list(household_id=household_of(owner), today=day).get().warranty_effective_status
        for day in (datetime.date(2025, 6, 30), datetime.date(2025, 7, 1), datetime.date(2025, 6, 30))
    }
    assert on == {datetime.date(2025, 6, 30): "ACTIVE", datetime.date(2025, 7, 1): "EXPIRED"}
    days = (
        selectors.purchase_list(household_id=household_of(owner), today=datetime.date(2025, 6, 1))
        .get()
        .warranty_days_remaining
    )
    assert days == 29


def test_apps_above_annotate_every_row_through_the_registry(owner, monkeypatch):
    """purchases imports no warranty: warranties registers the nested warranty's status (WarrantiesConfig.ready)."""
    from django.db.models import Value

    from warranties.selectors import purchase_row_annotations

    assert purchase_row_annotations in selectors._row_annotations
    purchase = PurchaseFactory(owner=owner)
    WarrantyFactory(
        purchase=purchase, warranty_start=datetime.date(2025, 1, 1), warranty_end=datetime.date(2025, 6, 30)
    )
    PurchaseFactory(owner=owner)  # no warranty: null, not ACTIVE
    monkeypatch.setattr(selectors, "_row_annotations", list(selectors._row_annotations))

    def registered(*, today):
        return {"registered_day": Value(today.isoformat())}

    selectors.register_row_annotations(registered)
    try:
        rows = selectors.purchase_list(household_id=household_of(owner), today=datetime.date(2025, 6, 1))
        assert {(p.pk == purchase.pk, p.warranty_effective_status, p.warranty_days_remaining) for p in rows} == {
            (True, "ACTIVE", 29),
            (False, None, None),
        }
        assert {p.registered_day for p in rows} == {"2025-06-01"}
    finally:
        selectors._purchase_list_shape.cache_clear()  # the shape built with the test's annotation
