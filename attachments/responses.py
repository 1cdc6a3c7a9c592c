"""The download of an attachment: its bytes with the safe headers of API.md § Attachments, for the API and the
admin alike (plain Django, below api/)."""

from django.http import FileResponse

from attachments import services
from attachments.models import Attachment

PDF = "application/pdf"

# Served files can never run script or load anything, even if a browser were to render them.
FILE_CSP = "default-src 'none'; sandbox"
# A PDF is shown in the web app's preview frame (same origin only). Chromium's PDF viewer does not run in a sandboxed
# document, so a PDF goes without `sandbox`: its exact type and nosniff keep it from ever being read as a page.
PDF_CSP = "default-src 'none'; frame-ancestors 'self'"


def file_response(attachment: Attachment) -> FileResponse:
    """The attachment's bytes with the safe headers of API.md § Attachments. Raises services.FileMissing."""
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
