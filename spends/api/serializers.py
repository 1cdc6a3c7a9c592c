"""Serializers shared by every API app, and TrimmedCharField (field classes that code below the API uses too are in
spends.fields)."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from spends.api.exceptions import CODES
from spends.api.scope import request_scope, scope_for
from spends.fields import CurrencyCodeField


class TrimmedCharField(serializers.CharField):
    """CharField that trims (DRF's default) and states its limits in the schema."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", True)
        super().__init__(**kwargs)


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
    home_currency = serializers.SerializerMethodField(
        help_text="ISO 4217 code your totals are converted to (API.md § Currencies). It is your household's: every "
        "member of a household has the same home currency, so one converted total holds for all of them."
    )

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "is_staff", "is_superuser", "email", "home_currency"]

    def get_home_currency(self, user) -> str:
        request = self.context.get("request")
        if request is not None and request.user.pk == user.pk:
            return request_scope(request).home_currency  # the request's scope: no query of its own
        return scope_for(user).home_currency


class MeUpdateSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False, allow_blank=True, help_text="Where reminders are emailed.")
    home_currency = CurrencyCodeField(
        required=False,
        help_text="Your household's home currency (owner only: it changes every member's totals). Every purchase "
        "whose rate is not MANUAL is converted again at the reference rate of its day.",
    )


HEALTH_CHECK_CHOICES = ["ok", "error"]


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField()
    database = serializers.ChoiceField(choices=HEALTH_CHECK_CHOICES, help_text="`error`: unreachable (503).")
    cache = serializers.ChoiceField(
        choices=HEALTH_CHECK_CHOICES, help_text="`error`: unreachable; the app works without it (still 200)."
    )
    version = serializers.CharField()
