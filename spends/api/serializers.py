"""Serializers and fields shared by every API app."""

import pycountry
from django.contrib.auth import get_user_model
from rest_framework import serializers

from spends.api.exceptions import CODES


class TrimmedCharField(serializers.CharField):
    """CharField that trims (DRF's default) and states its limits in the schema."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", True)
        super().__init__(**kwargs)


class CurrencyCodeField(serializers.CharField):
    """An ISO 4217 code; input is trimmed and upper-cased ("eur" → "EUR")."""

    default_error_messages = {"invalid_currency": '"{value}" is not an ISO 4217 currency code.'}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("min_length", 3)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data).upper()
        if pycountry.currencies.get(alpha_3=value) is None:
            self.fail("invalid_currency", value=value)
        return value


def is_currency_code(value: str) -> bool:
    return len(value) == 3 and pycountry.currencies.get(alpha_3=value.upper()) is not None


class MoneyField(serializers.DecimalField):
    """Decimal(10,2), not negative, always rendered as a string with two decimals."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)


class HttpUrlField(serializers.URLField):
    """http(s) URLs only (DRF's URLField also accepts ftp://)."""

    default_error_messages = {"scheme": "Enter an http:// or https:// URL."}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value and not value.lower().startswith(("http://", "https://")):
            self.fail("scheme")
        return value


class ErrorSerializer(serializers.Serializer):
    """The error body of every error response."""

    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=sorted({*CODES.values(), "parse_error"}))
    errors = serializers.DictField(required=False, help_text="Field → list of messages (validation errors only).")


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenRequestSerializer(CredentialsSerializer):
    name = TrimmedCharField(
        max_length=100, required=False, allow_blank=True, help_text="A name to tell this token apart (optional)."
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The new API token: send it as `Authorization: Token <token>`. Shown once.")


class ApiTokenSerializer(serializers.Serializer):
    """One of the caller's API tokens; never its key (only a hash of it is stored)."""

    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    last_used_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Recorded at most once a minute; null until first used."
    )


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "username", "is_staff", "is_superuser"]


HEALTH_CHECK_CHOICES = ["ok", "error"]


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField()
    database = serializers.ChoiceField(choices=HEALTH_CHECK_CHOICES, help_text="`error`: unreachable (503).")
    cache = serializers.ChoiceField(
        choices=HEALTH_CHECK_CHOICES, help_text="`error`: unreachable; the app works without it (still 200)."
    )
    version = serializers.CharField()
