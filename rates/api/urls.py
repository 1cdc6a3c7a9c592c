"""Reference-rate routes (API.md § Version 2 → Currencies), with or without a trailing slash."""

from django.urls import re_path

from .views import RatesImportView, RateView

urlpatterns = [
    re_path(r"^rates/?$", RateView.as_view(), name="rates"),
    re_path(r"^rates/import/?$", RatesImportView.as_view(), name="rates-import"),
]
