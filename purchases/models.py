"""Purchases: what a household bought, for how much, where and when, and who of its members added it."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from purchases.choices import PurchaseStatus

PRODUCT_NAME_MAX_LENGTH = 255
NOTES_MAX_LENGTH = 10_000


class PurchaseQuerySet(models.QuerySet):
    def in_household(self, household_id):
        return self.filter(household_id=household_id)


class Purchase(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The household owns the purchase, and with it its warranties and attachments: they have no household of their
    # own (a child can never be in another household than its purchase), so they are scoped through this one.
    # Indexed by the (household, …) indexes below, which every household query uses; no separate FK index.
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="purchases", db_index=False
    )
    # Who added it; kept when they leave the household or their account goes.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    product_name = models.CharField(max_length=PRODUCT_NAME_MAX_LENGTH)
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    currency_code = models.CharField(max_length=3)
    retailer = models.ForeignKey(
        "catalog.Retailer", on_delete=models.PROTECT, null=True, blank=True, related_name="purchases"
    )
    brand = models.ForeignKey(
        "catalog.Brand", on_delete=models.PROTECT, null=True, blank=True, related_name="purchases"
    )
    status = models.CharField(max_length=16, choices=PurchaseStatus.choices, default=PurchaseStatus.ORDERED)
    purchase_date = models.DateField()
    notes = models.TextField(blank=True, default="", max_length=NOTES_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PurchaseQuerySet.as_manager()

    class Meta:
        ordering = ["-purchase_date", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="purchases_purchase_price_not_negative"),
            models.CheckConstraint(
                condition=models.Q(status__in=PurchaseStatus.values), name="purchases_purchase_status_valid"
            ),
            models.CheckConstraint(condition=~models.Q(product_name=""), name="purchases_purchase_name_not_empty"),
        ]
        indexes = [
            # purchase_list default order, recent_purchases, date range filters and monthly spending.
            models.Index(fields=["household", "-purchase_date", "-created_at"], name="purchase_household_date_idx"),
            # purchase_list ?status= and summary by_status.
            models.Index(fields=["household", "status"], name="purchase_household_status_idx"),
            # analytics selectors filter one currency at a time over a date range.
            models.Index(fields=["household", "currency_code", "purchase_date"], name="purchase_household_curdate_idx"),
            # ordering by price / created_at within a household's list.
            models.Index(fields=["household", "price"], name="purchase_household_price_idx"),
            models.Index(fields=["household", "created_at"], name="purchase_household_created_idx"),
            # catalog_with_purchase_count: the household's purchases per retailer / brand.
            models.Index(fields=["household", "retailer"], name="purchase_household_retail_idx"),
            models.Index(fields=["household", "brand"], name="purchase_household_brand_idx"),
        ]

    def __str__(self):
        return f"{self.product_name} ({self.purchase_date})"

    def clean(self):
        self.product_name = (self.product_name or "").strip()
        self.currency_code = (self.currency_code or "").strip().upper()
