"""The shapes of /api/rates and /api/rates/import (API.md § Version 2 → Currencies)."""

from rest_framework import serializers

from rates.ecb import SOURCE
from spends.fields import CurrencyCodeField


class RateQuerySerializer(serializers.Serializer):
    currency = CurrencyCodeField(help_text="ISO 4217 code of the currency to convert from.")
    date = serializers.DateField(
        required=False, help_text="The day (YYYY-MM-DD) the rate is wanted for; default: today (UTC)."
    )
    home = CurrencyCodeField(
        required=False,
        help_text=(
            "The currency to convert into; default: your home currency (GET /api/auth/me). An addition to API.md."
        ),
    )


class RateSerializer(serializers.Serializer):
    currency = serializers.CharField()
    home_currency = serializers.CharField()
    date = serializers.DateField(
        allow_null=True,
        help_text="The ECB publication day used (the latest on or before the day asked, at most 7 days before); the "
        "day asked when both currencies are the same; null when no rate is known.",
    )
    rate = serializers.CharField(
        allow_null=True,
        help_text="Home-currency units per 1 unit of `currency`, a decimal string: the ECB's figure against the euro, "
        'or a cross rate through the euro at 10 significant digits (half-even). "1" for the same currency; null when '
        "the ECB does not publish one of the currencies or published nothing in the 7 days before.",
    )
    source = serializers.ChoiceField(
        choices=[SOURCE],
        allow_null=True,
        help_text='"ECB" when the rate comes from the ECB\'s reference rates; null when there is no rate, or when both '
        "currencies are the same (the rate is 1 by definition).",
    )


class RatesImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The ECB's eurofxref-hist.csv or eurofxref-hist.zip. At most IMPORT_MAX_UPLOAD_SIZE (20 MB)."
    )


class RatesImportReportSerializer(serializers.Serializer):
    days_added = serializers.IntegerField(help_text="Publication days that had no rate before.")
    rates_added = serializers.IntegerField(help_text="(currency, day) rates written; stored ones are left as they are.")
    last_day = serializers.DateField(allow_null=True, help_text="The latest publication day stored after the import.")
