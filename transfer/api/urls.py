"""Export and import routes (API.md § Export and import), with or without a trailing slash."""

from django.urls import re_path

from .views import ExportCsvView, ExportJsonView, ImportCsvView, ImportJsonView

urlpatterns = [
    re_path(r"^export/json/?$", ExportJsonView.as_view(), name="export-json"),
    re_path(r"^export/csv/?$", ExportCsvView.as_view(), name="export-csv"),
    re_path(r"^import/json/?$", ImportJsonView.as_view(), name="import-json"),
    re_path(r"^import/csv/?$", ImportCsvView.as_view(), name="import-csv"),
]
