"""Daily reference rates against the euro, as the European Central Bank publishes them (API.md § Currencies)."""

from django.db import models

# The ECB's figures carry at most 6 decimals and 7 integer digits (the old Turkish lira, 1,912,400 per euro) in the
# whole history since 1999 (checked on the shipped eurofxref-hist.csv); 18/6 leaves room for 12 integer digits.
RATE_MAX_DIGITS = 18
RATE_DECIMAL_PLACES = 6


class Rate(models.Model):
    """Units of `currency` per one euro on publication day `day` (the ECB's own figure, never derived)."""

    currency = models.CharField(max_length=3, help_text="ISO 4217 code (never EUR: one euro is one euro).")
    day = models.DateField(help_text="The ECB's publication day.")
    rate = models.DecimalField(
        max_digits=RATE_MAX_DIGITS, decimal_places=RATE_DECIMAL_PLACES, help_text="Units of the currency per 1 EUR."
    )

    class Meta:
        ordering = ["-day", "currency"]
        constraints = [
            # One figure per currency and day. Its index (currency, day) also serves the selectors' "nearest earlier
            # publication day" look-ups (rate_on, rates_for: currency = X AND day BETWEEN d-7 AND d), which both
            # engines read as a range of this btree, in either direction; a second (currency, -day) index would only
            # double the cost of every insert (the migration writes 220,000 rows).
            models.UniqueConstraint(fields=["currency", "day"], name="rates_rate_currency_day_uniq"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="rates_rate_positive"),
        ]

    def __str__(self):
        return f"{self.currency} {self.rate} per EUR on {self.day.isoformat()}"
