"""factory_boy factories for every model (no fixtures with hard-coded keys)."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from catalog.models import Brand, Retailer
from purchases.choices import PurchaseStatus
from purchases.models import Purchase
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


class RetailerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Retailer

    name = factory.Sequence(lambda n: f"Retailer {n}")


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")


class PurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Purchase

    owner = factory.SubFactory(UserFactory)
    product_name = factory.Sequence(lambda n: f"Product {n}")
    price = Decimal("10.00")
    currency_code = "USD"
    status = PurchaseStatus.RECEIVED
    purchase_date = datetime.date(2025, 1, 15)


class WarrantyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warranty

    purchase = factory.SubFactory(PurchaseFactory)
    warranty_start = factory.LazyAttribute(lambda w: w.purchase.purchase_date)
    warranty_end = factory.LazyAttribute(lambda w: w.warranty_start + datetime.timedelta(days=365))
    warranty_type = WarrantyType.LIMITED
    status = WarrantyStatus.ACTIVE
