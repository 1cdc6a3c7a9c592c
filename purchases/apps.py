from django.apps import AppConfig


def backup_summary() -> str:
    """What a restore would replace, for the admin's confirmation page (registered with backups)."""
    from django.db.models import Count

    from purchases.models import Purchase

    households = Purchase.objects.aggregate(n=Count("household", distinct=True))["n"]
    return f"{Purchase.objects.count()} purchases of {households} household(s)"


class PurchasesConfig(AppConfig):
    name = "purchases"
    verbose_name = "Purchases"

    def ready(self):
        from households.registry import (
            register_home_currency_listener,
            register_record_counter,
            register_record_mover,
        )
        from purchases import conversion, services, summaries
        from rates.services import register_rates_added_listener
        from spends.backup_registry import register_after_restore, register_summary

        register_summary(backup_summary)
        # A restored database's analytics summaries are recomputed from its rows (an archive may predate them).
        register_after_restore(summaries.recompute)
        # Joining a household with one's records moves the purchases (warranties and attachments follow them).
        register_record_mover(self.label, services.purchases_move)
        register_record_counter(self.label, services.purchases_count)
        # A household's new home currency re-converts its purchases (one UPDATE per currency).
        register_home_currency_listener(self.label, conversion.household_reconvert)
        # Newer reference rates convert the purchases that were waiting for them.
        register_rates_added_listener(self.label, conversion.rates_added)
