"""The analytics app: read-only aggregates over the caller's purchases and warranties (API.md § Analytics)."""

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"
