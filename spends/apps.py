from django.apps import AppConfig
from django.db.backends.signals import connection_created


class SpendsConfig(AppConfig):
    name = "spends"
    verbose_name = "Spends Tracker"

    def ready(self):
        from spends.api import authentication
        from spends.db import install_sqlite_unicode_functions
        from spends.money_sql import install_sqlite_money_functions

        authentication.connect()

        connection_created.connect(install_sqlite_unicode_functions, dispatch_uid="spends-sqlite-unicode")
        connection_created.connect(install_sqlite_money_functions, dispatch_uid="spends-sqlite-money")
