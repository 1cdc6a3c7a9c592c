"""Analytics query parameters (validated, 400 otherwise) and response shapes (API.md § Analytics).

Responses go through these serializers so money renders as a string with two decimals (a Decimal in a
hand-built Response would render as a float).
"""

import datetime

from django.conf import settings
from rest_framework import serializers

from analytics.api import lean
from analytics.selectors import GROUP_BY_CHOICES, HOME
from purchases.api.serializers import PurchaseSerializer
from spends import clock
from spends.fields import CurrencyCodeField, MoneyField
from warranties.api.serializers import WarrantyReadSerializer

MAX_PERIOD_DAYS = 3660


def default_currency():
    return settings.DEFAULT_CURRENCY


class AmountField(serializers.DecimalField):
    """A sum of money: a string with two decimals, with room for more digits than one price."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 20)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)


# --- query parameters -----------------------------------------------------------------------------------------


class AnswerCurrencyField(CurrencyCodeField):
    """An ISO 4217 code, or HOME (API.md § Currencies): every currency converted to the caller's home currency."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", len(HOME))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and data.strip().upper() == HOME:
            return HOME
        return super().to_internal_value(data)


CURRENCY_HELP = (
    "ISO 4217 code of the purchases that count, or HOME: every purchase, converted to your home currency at the rate "
    "of its day (price × exchange_rate summed exactly, rounded half-even to cents once, at the end); purchases without "
    "a rate are left out and counted in `unconverted_count`."
)


def _currency_field(**kwargs):
    kwargs.setdefault("default", default_currency)
    kwargs.setdefault("help_text", CURRENCY_HELP + " Default DEFAULT_CURRENCY.")
    return AnswerCurrencyField(**kwargs)


def _unconverted_field():
    return serializers.IntegerField(
        help_text="With currency=HOME: purchases left out of these figures because no exchange rate is known for "
        "them (a currency the ECB does not publish, a day before 1999). 0 for a currency code."
    )


def _home_currency_field():
    return serializers.CharField(
        allow_null=True, help_text="Your home currency: the unit of the money figures when currency is HOME."
    )


def _months_field():
    return serializers.IntegerField(
        min_value=1, max_value=120, default=12, help_text="Calendar months, the current one last (1..120)."
    )


def _limit_field():
    return serializers.IntegerField(min_value=1, max_value=100, default=10, help_text="Number of rows (1..100).")


class CurrencyQuerySerializer(serializers.Serializer):
    currency = _currency_field()


class DashboardQuerySerializer(serializers.Serializer):
    currency = _currency_field(
        default=None,
        help_text=CURRENCY_HELP + " Default: HOME when your household has purchases in more than one currency, else "
        "DEFAULT_CURRENCY.",
    )


class SpendingQuerySerializer(serializers.Serializer):
    months = _months_field()
    currency = _currency_field()


class MonthsQuerySerializer(serializers.Serializer):
    months = _months_field()


class LimitQuerySerializer(serializers.Serializer):
    limit = _limit_field()


class TopProductsQuerySerializer(serializers.Serializer):
    limit = _limit_field()
    currency = _currency_field()


class SpendingByPeriodQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day (inclusive); default 1 January of end's year.")
    end = serializers.DateField(required=False, help_text="Last day (inclusive); default today (UTC).")
    group_by = serializers.ChoiceField(choices=GROUP_BY_CHOICES, default="month")
    currency = _currency_field()

    def validate(self, attrs):
        end = attrs.get("end") or self.context.get("today") or clock.today()
        start = attrs.get("start") or datetime.date(end.year, 1, 1)
        if start > end:
            raise serializers.ValidationError("start must be on or before end.")
        if (end - start).days > MAX_PERIOD_DAYS:
            raise serializers.ValidationError(f"The range from start to end may span at most {MAX_PERIOD_DAYS} days.")
        return {**attrs, "start": start, "end": end}


# --- responses ------------------------------------------------------------------------------------------------


class SpendingMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    total_amount = AmountField()
    item_count = serializers.IntegerField()
    unconverted_count = _unconverted_field()


class SpendingPeriodSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM-DD (day), YYYY-Www (ISO week) or YYYY-MM (month).")
    total_amount = AmountField()
    item_count = serializers.IntegerField()
    unconverted_count = _unconverted_field()


class SpendingByPeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    currency = serializers.CharField()
    home_currency = _home_currency_field()
    group_by = serializers.ChoiceField(choices=GROUP_BY_CHOICES)
    total_amount = AmountField()
    item_count = serializers.IntegerField()
    unconverted_count = _unconverted_field()
    series = SpendingPeriodSerializer(many=True)


class PurchaseStatusCountsSerializer(serializers.Serializer):
    ORDERED = serializers.IntegerField()
    RECEIVED = serializers.IntegerField()
    RETURNED = serializers.IntegerField(help_text="Counted here only: a returned purchase is in no money total.")


class SpendingSummarySerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="The currency asked for: an ISO 4217 code or HOME.")
    home_currency = _home_currency_field()
    total_spent = AmountField()
    item_count = serializers.IntegerField()
    unconverted_count = _unconverted_field()
    average_price = AmountField(allow_null=True)
    min_price = MoneyField(allow_null=True)
    max_price = MoneyField(allow_null=True)
    first_purchase_date = serializers.DateField(allow_null=True)
    last_purchase_date = serializers.DateField(allow_null=True)
    this_month_spent = AmountField()
    by_status = PurchaseStatusCountsSerializer()
    currencies = serializers.ListField(child=serializers.CharField(), help_text="Every currency the caller has used.")
    warranty_cost_total = AmountField(
        help_text="What the coverages of the counted purchases cost, in the requested currency (0.00 when none)."
    )


class WarrantyTimelineMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    active = serializers.IntegerField()
    expired = serializers.IntegerField()
    expiring_soon = serializers.IntegerField()


class WarrantySummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    active = serializers.IntegerField()
    expired = serializers.IntegerField()
    voided = serializers.IntegerField()
    expiring_soon = serializers.IntegerField()


class RetailerShareSerializer(serializers.Serializer):
    retailer_id = serializers.UUIDField(allow_null=True)
    retailer_name = serializers.CharField(help_text='"Unknown" for purchases without a retailer.')
    count = serializers.IntegerField()
    percentage = serializers.FloatField(help_text="Share of the purchase count, 2 decimals; the rows add up to 100.")
    total_spent = AmountField()
    unconverted_count = _unconverted_field()


class BrandShareSerializer(serializers.Serializer):
    brand_id = serializers.UUIDField(allow_null=True)
    brand_name = serializers.CharField(help_text='"Unknown" for purchases without a brand.')
    count = serializers.IntegerField()
    percentage = serializers.FloatField(help_text="Share of the purchase count, 2 decimals; the rows add up to 100.")
    total_spent = AmountField()
    unconverted_count = _unconverted_field()


class TopProductSerializer(serializers.Serializer):
    product_name = serializers.CharField(help_text="The most recent spelling of the name.")
    count = serializers.IntegerField()
    total_spent = AmountField()
    avg_price = AmountField()
    unconverted_count = _unconverted_field()


class ReturnClosingSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    product_name = serializers.CharField()
    return_by = serializers.DateField(help_text="The last day it may be returned.")
    days_left = serializers.IntegerField(help_text="Days from today (UTC) to return_by; 0 on the last day.")
    price = MoneyField()
    currency_code = CurrencyCodeField()


class DashboardSerializer(serializers.Serializer):
    spending = SpendingMonthSerializer(many=True)
    summary = SpendingSummarySerializer()
    warranty_timeline = WarrantyTimelineMonthSerializer(many=True)
    warranty_summary = WarrantySummarySerializer()
    retailers = RetailerShareSerializer(many=True)
    brands = BrandShareSerializer(many=True)
    top_products = TopProductSerializer(many=True)
    recent_purchases = PurchaseSerializer(many=True, read_only=True)
    recent_warranties = WarrantyReadSerializer(many=True, read_only=True)
    expiring_warranties = WarrantyReadSerializer(
        many=True,
        read_only=True,
        help_text="Addition to API.md: ACTIVE warranties ending within 30 days (today included), soonest first, "
        "at most 10.",
    )
    returns_closing = ReturnClosingSerializer(
        many=True,
        help_text="Addition to API.md: open return windows (not RETURNED) whose return_by is within 30 days (today "
        "included), soonest first, at most 10.",
    )

    def to_representation(self, instance):
        # Issue #24: the answer of analytics.dashboard.dashboard(), its recent lists already rendered as objects
        # (purchases.representation), rendered by analytics.api.lean to what DRF's walk over these fields gives. The
        # fields stay: they are the schema.
        return _render_dashboard(instance)


_render_dashboard = lean.renderer(
    DashboardSerializer, passed=("recent_purchases", "recent_warranties", "expiring_warranties")
)
