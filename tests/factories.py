"""factory_boy factories for every model (no fixtures with hard-coded keys).

The purchase, warranty and catalog factories write as the write services do: each created row bumps the data
version of its scope (spends.data_versions), so a cached analytics answer read before it is not served after it.
"""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from catalog.models import Brand, Retailer
from catalog.services import CATALOG_SCOPE
from households.choices import Role
from households.models import Household, Membership
from purchases import conversion, summaries
from purchases.choices import PurchaseStatus, RateSource
from purchases.models import Purchase
from spends import data_versions
from warranties.choices import WarrantyStatus, WarrantyType
from warranties.models import Warranty

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def household_of(user):
    """The id of `user`'s household (read now: a join or a leave moves a user)."""
    return Membership.objects.values_list("household_id", flat=True).get(user=user)


def member(household, role=Role.EDITOR, **user_fields):
    """A new user who is a member of `household` with `role` (their personal household is left behind, empty)."""
    user = UserFactory(**user_fields)
    Membership.objects.filter(user=user).update(household=household, role=role)
    return user


class _BumpingFactory(factory.django.DjangoModelFactory):
    """Bumps `_scope(created row)` after the insert, as the row's write service would."""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        created = super()._create(model_class, *args, **kwargs)
        data_versions.bump(cls._scope(created))
        return created

    @staticmethod
    def _scope(created) -> str:
        return CATALOG_SCOPE


class RetailerFactory(_BumpingFactory):
    class Meta:
        model = Retailer

    name = factory.Sequence(lambda n: f"Retailer {n}")


class BrandFactory(_BumpingFactory):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")


class PurchaseFactory(_BumpingFactory):
    class Meta:
        model = Purchase

    @staticmethod
    def _scope(created) -> str:
        return data_versions.household_scope(created.household_id)

    class Params:
        # `PurchaseFactory(owner=user)`: a purchase of the user's household, created by the user (what the first
        # release called its owner). Without owner or household: a new user's. Pass `household=` with
        # `created_by=` for another member's.
        owner = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Converted as the write services convert (purchases.conversion): the rate of its day unless given."""
        purchase = model_class(*args, **kwargs)
        for name in ("price", "exchange_rate", "purchase_date"):  # tests may give text ("12.50", "2025-01-15")
            setattr(purchase, name, model_class._meta.get_field(name).to_python(getattr(purchase, name)))
        if purchase.exchange_rate is not None and purchase.rate_source is None:
            purchase.rate_source = RateSource.MANUAL
        conversion.complete(purchase)
        purchase.save(force_insert=True)
        summaries.apply(after=summaries.values_of(purchase))  # as purchases.services.purchase_save (#24)
        data_versions.bump(cls._scope(purchase))
        return purchase

    household = factory.LazyAttribute(lambda o: Household.objects.get(memberships__user=o.owner))
    created_by = factory.SelfAttribute("owner")
    product_name = factory.Sequence(lambda n: f"Product {n}")
    price = Decimal("10.00")
    currency_code = "USD"
    status = PurchaseStatus.RECEIVED
    purchase_date = datetime.date(2025, 1, 15)


class WarrantyFactory(_BumpingFactory):
    class Meta:
        model = Warranty

    @staticmethod
    def _scope(created) -> str:
        return data_versions.household_scope(created.purchase.household_id)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Its part of the purchase summaries too (#24), as warranties.services.warranty_create."""
        created = []
        purchase = kwargs["purchase"]
        summaries.follow(
            {purchase.pk}, lambda: created.append(super(WarrantyFactory, cls)._create(model_class, *args, **kwargs))
        )
        return created[0]

    purchase = factory.SubFactory(PurchaseFactory)
    warranty_start = factory.LazyAttribute(lambda w: w.purchase.purchase_date)
    warranty_end = factory.LazyAttribute(lambda w: w.warranty_start + datetime.timedelta(days=365))
    warranty_type = WarrantyType.LIMITED
    status = WarrantyStatus.ACTIVE
