"""The rules of a catalog entry's fields, once: DRF field factories (no serializer), which the API's
CatalogEntrySerializer declares its fields from and the import and the admin's resources run on names and urls."""

from rest_framework import fields

from catalog.models import NAME_MAX_LENGTH
from spends.fields import HttpUrlField


def name() -> fields.CharField:
    return fields.CharField(max_length=NAME_MAX_LENGTH, trim_whitespace=True)


def url() -> HttpUrlField:
    return HttpUrlField(max_length=500, required=False, allow_blank=True, default="")


NAME = name()  # for readers below the API: an unbound field keeps no state between runs
URL = url()
