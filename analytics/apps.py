"""The analytics app: read-only aggregates over the caller's purchases and warranties (API.md § Analytics)."""

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self):
        # Cache invalidation on every write to purchases, warranties and the catalog.
        from analytics import signals

        signals.connect()
