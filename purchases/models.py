"""Purchases: what a household bought, for how much, where and when, and who of its members added it."""

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower, Trim

from purchases.choices import PurchaseStatus, RateSource
from spends.money_sql import ExactDecimalField

PRODUCT_NAME_MAX_LENGTH = 255
# Home units per unit of the purchase's currency: at most 10 significant digits (the reference rates' precision,
# rates.selectors), from 10^11 down to 10^-18 (the old lira's cross rates are about 2E-7).
EXCHANGE_RATE_MAX_DIGITS = 30
EXCHANGE_RATE_DECIMAL_PLACES = 18
HOME_PRICE_MAX_DIGITS = 24
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
    # API.md § Currencies: the conversion to the household's home currency, set on every write (purchases.conversion)
    # and stored, so a converted total is a plain SUM. All three null: no rate known (left out of converted totals).
    exchange_rate = models.DecimalField(
        max_digits=EXCHANGE_RATE_MAX_DIGITS,
        decimal_places=EXCHANGE_RATE_DECIMAL_PLACES,
        null=True,
        blank=True,
        help_text="Home-currency units per 1 unit of the currency on the purchase date; null: no rate known.",
    )
    rate_source = models.CharField(
        max_length=6,
        choices=RateSource.choices,
        null=True,
        blank=True,
        help_text="ECB: the reference rate of the day; MANUAL: set by hand, kept across edits; null: home currency "
        "(rate 1) or no rate.",
    )
    home_price = models.DecimalField(
        max_digits=HOME_PRICE_MAX_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="price × exchange_rate in the home currency, rounded half-even to cents.",
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
            # Neither a home price nor a source without a rate; rates are positive. (A rate always has its home price
            # too, which purchases.conversion sets in the same statement; not a constraint, to keep the first bulk
            # conversion's migration simple.)
            models.CheckConstraint(
                condition=models.Q(home_price__isnull=True, exchange_rate__isnull=True) | models.Q(exchange_rate__gt=0),
                name="purchases_purchase_home_price_needs_rate",
            ),
            models.CheckConstraint(
                condition=models.Q(rate_source__isnull=True)
                | models.Q(rate_source__in=RateSource.values, exchange_rate__isnull=False),
                name="purchases_purchase_rate_source_valid",
            ),
        ]
        indexes = [
            # purchase_list default order (to its `id` tiebreak), recent_purchases, date range filters and monthly
            # spending. With `id` a deep page's ids are an index-only scan (spends.api.pagination.page_rows, #24).
            models.Index(
                fields=["household", "-purchase_date", "-created_at", "id"], name="purchase_household_order_idx"
            ),
            # purchase_list ?status= and summary by_status.
            models.Index(fields=["household", "status"], name="purchase_household_status_idx"),
            # analytics selectors filter one currency at a time over a date range.
            models.Index(fields=["household", "currency_code", "purchase_date"], name="purchase_household_curdate_idx"),
            # ordering by price / created_at within a household's list.
            models.Index(fields=["household", "price"], name="purchase_household_price_idx"),
            models.Index(fields=["household", "created_at"], name="purchase_household_created_idx"),
            # purchase_list ?retailer_id= / ?brand_id= with ?currency_code= and a date range (#24: the count of a
            # filtered list reads the index only; its page scans it backwards by date), and on their first column
            # catalog_with_purchase_count (the household's purchases per retailer / brand). They replaced the
            # (household, retailer) and (household, brand) indexes: no more indexes for a write to maintain.
            models.Index(
                fields=["household", "retailer", "currency_code", "purchase_date"], name="purchase_retailer_curdate_idx"
            ),
            models.Index(
                fields=["household", "brand", "currency_code", "purchase_date"], name="purchase_brand_curdate_idx"
            ),
            # purchase_list ?returnable= and the return-window reminders and calendar feed: open windows by date.
            models.Index(fields=["household", "return_by"], name="purchase_household_return_idx"),
            # spending_summary's min_price / max_price (one index probe each, the totals come from the summaries):
            # in one currency, and converted (HOME).
            models.Index(fields=["household", "currency_code", "price"], name="purchase_summary_price_idx"),
            models.Index(fields=["household", "home_price"], name="purchase_summary_home_idx"),
            # top_products: the newest spelling of a product name (one index probe per listed product).
            models.Index(
                F("household"),
                Lower(Trim("product_name")),
                F("purchase_date").desc(),
                F("created_at").desc(),
                F("id").desc(),
                name="purchase_top_products_name_idx",
            ),
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


class PurchaseSummary(models.Model):
    """Per-household totals of the purchases, kept in the write's transaction (purchases.summaries), which the
    analytics answers read instead of the rows. Several kinds of row in one table, so a write changes them all with one
    statement:

    - MONTH: per month × currency × status, over every purchase (RETURNED too, for `by_status`);
    - RETAILER, BRAND: per currency × retailer (brand), over the purchases not RETURNED;
    - PRODUCT: per currency × product name (lowercased and trimmed by the database), over those not RETURNED;
    - NAME: the same per product name over every currency (`currency_code` ""), for the top products in HOME: one
      row per name, so the top ten are an index scan, not an aggregate of every name × currency;
    - START, END, SHORT: the household's warranties (of every purchase, RETURNED too) counted (`purchases`, every
      other measure 0) per warranty status × start day (`month`; START), × end day (`ends`, 9999-12-31 for none; END),
      and × start day × end day for the short ones only (end − start ≤ 30 days; SHORT). One-dimensional, so their
      number grows with the days, not days × durations; the warranty analytics' counts are sums and differences of
      them (analytics.summarised.timeline_counts). Day granularity: they compare the days with today and L + 30.

    MONTH rows also hold the cost of their purchases' warranties (`warranty_cents`, `warranty_home_exact`).

    A column a kind does not use holds a fixed placeholder (month 0001-01-01, the nil UUID, ""). Not one table per
    month × currency × retailer × brand × status: with hundreds of retailers and brands that cross product has about
    as many rows as there are purchases, and reading it would cost what reading the rows costs.

    No purchase of a key is `purchases` 0: such a row may stay (every measure is then 0) and every read leaves it
    out; a recomputation (`verify_summaries --fix`, an import, a restore) drops it. The retailer and brand are plain
    keys, not foreign keys (no purchase: the nil UUID), so the key is never NULL and a catalog entry can go once no
    purchase names it."""

    MONTH, RETAILER, BRAND, PRODUCT, NAME, START, END, SHORT = "m", "r", "b", "p", "n", "s", "e", "t"
    KINDS = [
        (MONTH, "month × currency × status"),
        (RETAILER, "currency × retailer"),
        (BRAND, "currency × brand"),
        (PRODUCT, "currency × product name"),
        (NAME, "product name over every currency"),
        (START, "warranties: status × start day"),
        (END, "warranties: status × end day"),
        (SHORT, "warranties of 30 days or less: status × start day × end day"),
    ]
    household = models.ForeignKey("households.Household", on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=1, choices=KINDS)
    month = models.DateField(
        help_text="MONTH rows: the month's first day; START and SHORT rows: the warranties' start; others: 0001-01-01."
    )
    ends = models.DateField(
        default=datetime.date(9999, 12, 31),
        help_text="END and SHORT rows: the warranties' end (END: 9999-12-31 for none, LIFETIME); others: 9999-12-31.",
    )
    currency_code = models.CharField(max_length=3)
    retailer_key = models.UUIDField(help_text="RETAILER rows: the retailer's id (the nil UUID: none); others: nil.")
    brand_key = models.UUIDField(help_text="BRAND rows: the brand's id (the nil UUID: none); others: nil.")
    status = models.CharField(
        max_length=16,
        help_text="MONTH rows: the purchase status; START, END, SHORT rows: the warranty status; others: empty.",
    )
    name_key = models.TextField(
        help_text="PRODUCT and NAME rows: LOWER(TRIM(product_name)) as the database computes it."
    )
    purchases = models.BigIntegerField(help_text="How many purchases (START, END, SHORT rows: how many warranties).")
    converted = models.BigIntegerField(help_text="How many of them have an exchange rate.")
    price_cents = models.BigIntegerField(help_text="The sum of their prices, in cents of the currency.")
    home_exact = ExactDecimalField(help_text="The exact sum of price × exchange_rate of the converted ones.")
    warranty_cents = models.BigIntegerField(
        default=0, help_text="MONTH rows: the sum of the costs of their warranties, in cents of the currency."
    )
    warranty_home_exact = ExactDecimalField(
        default=Decimal(0),
        help_text="MONTH rows: the exact sum of warranty cost × the purchase's exchange_rate (converted).",
    )

    class Meta:
        constraints = [
            # The upsert's conflict target; its prefix (household, kind, currency) serves every summary read.
            models.UniqueConstraint(
                fields=[
                    "household",
                    "kind",
                    "currency_code",
                    "month",
                    "ends",
                    "status",
                    "retailer_key",
                    "brand_key",
                    "name_key",
                ],
                name="purchase_summary_key",
            ),
        ]
        indexes = [
            # The warranty timeline's and summary's ranges: the END rows of a status by end day (covering: the
            # summary reads them from the index alone, not from ~5,000 heap pages at 1M; partial: the other kinds'
            # upserts do not maintain it), the START and SHORT rows by start day.
            models.Index(
                fields=["household", "status", "ends"],
                include=["purchases"],
                condition=models.Q(kind="e"),
                name="purchase_summary_end_idx",
            ),
            models.Index(fields=["household", "kind", "status", "month"], name="purchase_summary_start_idx"),
            # The top products (analytics.selectors.top_product_rows): one row per name, read in the answer's order
            # and stopped after ten. A currency's by count then total in cents; HOME's by converted count then
            # exact home total. Partial: the other kinds' upserts do not maintain them.
            models.Index(
                fields=["household", "currency_code", "-purchases", "-price_cents", "name_key"],
                condition=models.Q(kind="p"),
                name="purchase_summary_top_idx",
            ),
            models.Index(
                fields=["household", "-converted", "-home_exact", "name_key"],
                condition=models.Q(kind="n"),
                name="purchase_summary_top_home_idx",
            ),
        ]


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
