"""The import upload limit shared by the file imports (transfer's CSV/JSON import, the rates import): the setting,
the 413, and the checks before and after the body is read."""

from django.conf import settings
from rest_framework import exceptions

from spends.sizes import readable_size

DEFAULT_IMPORT_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the file


def import_max_upload_size() -> int:
    return getattr(settings, "IMPORT_MAX_UPLOAD_SIZE", DEFAULT_IMPORT_MAX_UPLOAD_SIZE)


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "payload_too_large"

    def __init__(self):
        limit = import_max_upload_size()
        super().__init__(f"The file is larger than the import limit of {readable_size(limit)}.")


def refuse_a_long_body(request) -> None:
    """413 before the body is read, when its declared length cannot fit the limit."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > import_max_upload_size() + MULTIPART_OVERHEAD:
        raise PayloadTooLarge()


def multipart_file(request):
    """The multipart form field "file" within the limit: 400 when it is missing, 413 when it is too large."""
    upload = request.FILES.get("file")
    if upload is None:
        raise exceptions.ValidationError({"file": ['Send the file as the multipart form field "file".']})
    if upload.size > import_max_upload_size():
        raise PayloadTooLarge()
    return upload
