"""Receipt routes: /api/receipts/suggest, with or without a trailing slash."""

from django.urls import re_path

from .views import ReceiptSuggestView

urlpatterns = [
    re_path(r"^receipts/suggest/?$", ReceiptSuggestView.as_view(), name="receipts-suggest"),
]
