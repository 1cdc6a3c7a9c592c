"""The shared catalog: retailers and brands, one list for every user."""

import uuid

from django.db import models
from django.db.models.functions import Lower

NAME_MAX_LENGTH = 100


class CatalogQuerySet(models.QuerySet):
    def ordered(self):
        # Case-insensitive by name (API.md § Settled details); id breaks ties for a stable page order.
        return self.order_by(Lower("name"), "id")


class CatalogEntry(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    url = models.URLField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CatalogQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    def clean(self):
        self.name = (self.name or "").strip()


class Retailer(CatalogEntry):
    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("name"), name="catalog_retailer_name_ci_unique"),
            models.CheckConstraint(condition=~models.Q(name=""), name="catalog_retailer_name_not_empty"),
        ]


class Brand(CatalogEntry):
    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("name"), name="catalog_brand_name_ci_unique"),
            models.CheckConstraint(condition=~models.Q(name=""), name="catalog_brand_name_not_empty"),
        ]
