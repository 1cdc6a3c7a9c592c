"""The download of an attachment: its bytes with the safe headers of API.md § Attachments, for the API and the
admin alike (plain Django, below api/)."""

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseRedirect

from attachments import services
from attachments.models import Attachment

PDF = "application/pdf"

# Served files can never run script or load anything, even if a browser were to render them.
FILE_CSP = "default-src 'none'; sandbox"
# A PDF is shown in the web app's preview frame (same origin only). Chromium's PDF viewer does not run in a sandboxed
# document, so a PDF goes without `sandbox`: its exact type and nosniff keep it from ever being read as a page.
PDF_CSP = "default-src 'none'; frame-ancestors 'self'"


def file_response(attachment: Attachment) -> HttpResponse:
    """The attachment's bytes with the safe headers of API.md § Attachments, streamed from the storage (a folder or
    S3) through the app. With MEDIA_PRESIGNED on an S3 storage: a 302 to a presigned URL of the object instead,
    valid MEDIA_PRESIGNED_SECONDS. Raises services.FileMissing."""
    if getattr(settings, "MEDIA_PRESIGNED", False):
        expire = getattr(settings, "MEDIA_PRESIGNED_SECONDS", 60)
        url = services.attachment_presigned_url(attachment=attachment, expire=expire)
        if url is not None:
            response = HttpResponseRedirect(url)
            response["Cache-Control"] = "private, no-store"  # the URL expires; never cache the redirect
            response["Referrer-Policy"] = "no-referrer"
            return response
    handle = services.attachment_open(attachment=attachment)
    response = FileResponse(
        handle,
        as_attachment=not services.is_inline(attachment.content_type),
        filename=attachment.filename,
        content_type=services.response_content_type(attachment.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    if attachment.content_type == PDF:
        response["Content-Security-Policy"] = PDF_CSP
        response["X-Frame-Options"] = "SAMEORIGIN"  # the middleware's DENY leaves a header that is already set
    else:
        response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = "private, no-cache"
    return response
