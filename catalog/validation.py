"""The rules of a catalog entry's fields, without DRF (the API's CatalogEntrySerializer has the same ones): used by
code below the API that reads catalog names and urls, the import and the admin's resources."""

from catalog.models import NAME_MAX_LENGTH
from spends import parsing

NAME = parsing.Text(max_length=NAME_MAX_LENGTH)
URL = parsing.HttpUrl(max_length=500, allow_blank=True, default="")
