from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_save


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = "Households"

    def ready(self):
        from households import scoping, services

        # A new user (sign-up, createsuperuser, the admin, seed_data) gets a personal household at once, so every
        # scoped request finds one. The receiver stays inside this app.
        post_save.connect(services.on_user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="households.user")
        scoping.connect()  # a kept scope stops counting when a membership or household changes (households.scoping)
