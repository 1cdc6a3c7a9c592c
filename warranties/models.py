"""Warranties (coverages): any number per purchase; the effective status is worked out against today in SQL."""

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When

from spends import clock
from spends.db import DaysBetween
from warranties.choices import ClaimStatus, EffectiveStatus, WarrantyStatus, WarrantyType


def effective_status_expressions(*, prefix: str = "", alias: str = "", today=None) -> dict:
    """SQL expressions for a warranty's effective status and days remaining on `today` (default: today UTC).

    `prefix` reaches the warranty from another model ("warranty__" from a purchase); `alias` prefixes the
    annotation names. VOIDED if voided; else EXPIRED when the end is before today; else ACTIVE.
    `days_remaining` is end - today for ACTIVE warranties with an end, else null.
    """
    today_value = Value(today or clock.today(), output_field=models.DateField())
    status, end = f"{prefix}status", f"{prefix}warranty_end"
    # Reached through a nullable relation, "no warranty" must stay null rather than read as ACTIVE.
    missing = [When(**{f"{prefix}id__isnull": True}, then=Value(None))] if prefix else []
    return {
        f"{alias}effective_status": Case(
            *missing,
            When(**{status: WarrantyStatus.VOIDED}, then=Value(EffectiveStatus.VOIDED)),
            When(**{f"{end}__lt": today_value}, then=Value(EffectiveStatus.EXPIRED)),
            default=Value(EffectiveStatus.ACTIVE),
            output_field=models.CharField(),
        ),
        f"{alias}days_remaining": Case(
            When(**{status: WarrantyStatus.VOIDED}, then=Value(None)),
            When(**{f"{end}__isnull": True}, then=Value(None)),
            When(**{f"{end}__lt": today_value}, then=Value(None)),
            default=DaysBetween(today_value, F(end)),
            output_field=models.IntegerField(),
        ),
    }


def effective_status_of(warranty, today=None) -> tuple[str, int | None]:
    """(effective status, days remaining) of a warranty in memory, by effective_status_expressions' rules (the same
    in Python, for a write's answer rendered without reading the row back; tests compare both)."""
    today = today or clock.today()
    if warranty.status == WarrantyStatus.VOIDED:
        return EffectiveStatus.VOIDED, None
    if warranty.warranty_end is not None and warranty.warranty_end < today:
        return EffectiveStatus.EXPIRED, None
    return EffectiveStatus.ACTIVE, None if warranty.warranty_end is None else (warranty.warranty_end - today).days


class WarrantyQuerySet(models.QuerySet):
    def in_household(self, household_id):
        return self.filter(purchase__household_id=household_id)

    def with_effective_status(self, today=None):
        """Annotate `effective_status` (ACTIVE/EXPIRED/VOIDED) and `days_remaining` for `today` (UTC).

        Both are SQL expressions, so filtering and ordering by them happen in the database and are right the
        day after a warranty ends without any job having run.
        """
        return self.annotate(**effective_status_expressions(today=today))

    def active_on(self, today):
        return self.filter(Q(warranty_end__isnull=True) | Q(warranty_end__gte=today), status=WarrantyStatus.ACTIVE)

    def expired_on(self, today):
        return self.filter(status=WarrantyStatus.ACTIVE, warranty_end__lt=today)

    def expiring_between(self, today, days):
        """ACTIVE warranties ending from `today` to `today + days`, both days included."""
        return self.filter(
            status=WarrantyStatus.ACTIVE,
            warranty_end__gte=today,
            warranty_end__lte=today + datetime.timedelta(days=days),
        )


class Warranty(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Its household is its purchase's: not stored here, so a warranty can never be in another household than its
    # purchase (scoping goes through purchase__household).
    # Several coverages per purchase (maker's, retailer's extended plan, card protection...): a ForeignKey since #21.
    purchase = models.ForeignKey("purchases.Purchase", on_delete=models.CASCADE, related_name="warranties")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    warranty_start = models.DateField()
    warranty_end = models.DateField(null=True, blank=True)
    warranty_type = models.CharField(max_length=16, choices=WarrantyType.choices, default=WarrantyType.LIMITED)
    status = models.CharField(max_length=16, choices=WarrantyStatus.choices, default=WarrantyStatus.ACTIVE)
    provider = models.CharField(max_length=255, blank=True, default="")
    notes = models.TextField(blank=True, default="", max_length=10_000)
    # What the coverage cost, in its purchase's currency (null: unknown or free).
    cost = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    # db_default too: the importer INSERTs rows with the columns it knows (transfer.writing.insert_rows).
    reference = models.CharField(max_length=255, blank=True, default="", db_default="")  # policy or contract number
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WarrantyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "warranties"
        constraints = [
            models.CheckConstraint(
                condition=Q(warranty_end__isnull=True) | Q(warranty_end__gte=F("warranty_start")),
                name="warranties_warranty_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(warranty_end__isnull=False) | Q(warranty_type=WarrantyType.LIFETIME),
                name="warranties_warranty_end_null_only_lifetime",
            ),
            models.CheckConstraint(
                condition=Q(warranty_type__in=WarrantyType.values), name="warranties_warranty_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=WarrantyStatus.values), name="warranties_warranty_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(cost__isnull=True) | Q(cost__gte=0), name="warranties_warranty_cost_not_negative"
            ),
        ]
        indexes = [
            # expiring / timeline / ordering by end date: range scans on warranty_end.
            models.Index(fields=["warranty_end"], name="warranty_end_idx"),
            models.Index(fields=["status", "warranty_end"], name="warranty_status_end_idx"),
            # recent_warranties: newest created first.
            models.Index(fields=["created_at"], name="warranty_created_idx"),
        ]

    def __str__(self):
        # The purchase is cached where admin pages show warranties (its inline's related manager, select_related).
        product = self.purchase.product_name
        if self.warranty_end is None:
            return f"Lifetime warranty of {product}"
        return f"Warranty of {product} until {self.warranty_end.isoformat()}"

    def clean(self):
        errors = {}
        if self.warranty_end is None and self.warranty_type != WarrantyType.LIFETIME:
            errors["warranty_end"] = ["Warranty end is required unless the warranty is lifetime."]
        if self.warranty_start and self.warranty_end and self.warranty_end < self.warranty_start:
            errors["warranty_end"] = ["Warranty end must be on or after the warranty start."]
        if errors:
            raise ValidationError(errors)


class Claim(models.Model):
    """A claim filed on a warranty (API.md § Version 2, claims). Its household is its warranty's purchase's.

    An APPROVED or RESOLVED claim whose `extends_warranty_to` is later than the warranty's end moves that end
    (warranties.claims_services); `previous_warranty_end` keeps the end it replaced, and is set exactly while this
    claim's extension is applied.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    warranty = models.ForeignKey(Warranty, on_delete=models.CASCADE, related_name="claims")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.OPEN)
    issue = models.TextField(max_length=2_000)
    resolution = models.TextField(blank=True, default="", max_length=10_000)
    extends_warranty_to = models.DateField(null=True, blank=True)
    previous_warranty_end = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="warranties_claim_closed_after_opened",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=False) | Q(status=ClaimStatus.OPEN),
                name="warranties_claim_closed_unless_open",
            ),
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="warranties_claim_status_valid"),
        ]
        indexes = [
            # claim_list of one warranty, by opening date.
            models.Index(fields=["warranty", "opened_on"], name="claim_warranty_opened_idx"),
        ]

    def __str__(self):
        issue = self.issue if len(self.issue) <= 60 else self.issue[:59] + "…"
        return f"Claim opened {self.opened_on.isoformat()}: {issue} ({self.get_status_display().lower()})"

    def clean(self):
        if self.status != ClaimStatus.OPEN and self.closed_on is None:
            raise ValidationError({"closed_on": ["Closed on is required unless the claim is open."]})
        if self.opened_on and self.closed_on and self.closed_on < self.opened_on:
            raise ValidationError({"closed_on": ["Closed on must be on or after the opened on date."]})
