"""Purchases: what a household bought, for how much, where and when, and who of its members added it."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
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
    # Return windows (API.md § Version 2): the last day it may be returned, and the day it was (status RETURNED).
    return_by = models.DateField(null=True, blank=True, help_text="Last day to return it; null: no return window.")
    returned_on = models.DateField(
        null=True, blank=True, help_text="The day it was returned: set exactly when the status is RETURNED."
    )
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
            # A RETURNED purchase has its return date, and only a RETURNED one has one.
            models.CheckConstraint(
                condition=models.Q(status=PurchaseStatus.RETURNED, returned_on__isnull=False)
                | (~models.Q(status=PurchaseStatus.RETURNED) & models.Q(returned_on__isnull=True)),
                name="purchases_purchase_returned_on_iff_returned",
            ),
            models.CheckConstraint(
                condition=models.Q(returned_on__isnull=True) | models.Q(returned_on__gte=models.F("purchase_date")),
                name="purchases_purchase_returned_after_purchase",
            ),
            models.CheckConstraint(
                condition=models.Q(return_by__isnull=True) | models.Q(return_by__gte=models.F("purchase_date")),
                name="purchases_purchase_return_by_after_purchase",
            ),
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
            # purchase_list ?returnable= and the return-window reminders and calendar feed: open windows by date.
            models.Index(fields=["household", "return_by"], name="purchase_household_return_idx"),
        ]

    def __str__(self):
        return f"{self.product_name} ({self.purchase_date})"

    def clean(self):
        self.product_name = (self.product_name or "").strip()
        self.currency_code = (self.currency_code or "").strip().upper()
        errors = return_window_errors(
            status=self.status,
            purchase_date=self.purchase_date,
            return_by=self.return_by,
            returned_on=self.returned_on,
        )
        if errors:
            raise ValidationError(errors)


def return_window_errors(*, status, purchase_date, return_by, returned_on) -> dict[str, str]:
    """The return window's rules across fields (also database constraints), as {field: message}: `return_by` and
    `returned_on` not before `purchase_date`; `returned_on` only on a RETURNED purchase. The model's clean() and the
    import run them; a RETURNED purchase without `returned_on` is completed by the caller before (services)."""
    errors = {}
    if purchase_date is not None and return_by is not None and return_by < purchase_date:
        errors["return_by"] = "The return window cannot end before the purchase date."
    if returned_on is not None:
        if status != PurchaseStatus.RETURNED:
            errors["returned_on"] = "Only a RETURNED purchase has a return date: set status RETURNED, or omit it."
        elif purchase_date is not None and returned_on < purchase_date:
            errors["returned_on"] = "It cannot be returned before the purchase date."
    elif status == PurchaseStatus.RETURNED:
        errors["returned_on"] = "A RETURNED purchase needs the day it was returned."
    return errors
