"""POST /api/receipts/suggest (API.md § Receipt suggestions): a purchase suggested from a receipt. Thin: check the
upload like an attachment, call receipts.services, answer. Nothing is written."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from attachments import services as attachment_services
from attachments.api.views import ERROR_413, MULTIPART_OVERHEAD, _too_large
from receipts import extract, services
from spends.api.serializers import ErrorSerializer
from spends.api.throttling import ScopedClientThrottle

from .serializers import ReceiptSuggestionSerializer, ReceiptUploadSerializer


class OcrUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_detail = "No OCR engine is installed on the server."


class ReadTimeout(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable_entity"
    default_detail = "Reading the receipt took too long."


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


class ReceiptSuggestView(APIView):
    """Any signed-in user, VIEWER included: nothing is written, and the retailer comes from the shared catalog."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [ScopedClientThrottle]  # per user (RECEIPTS_THROTTLE_RATE)
    throttle_scope = "receipts"

    @extend_schema(
        tags=["receipts"],
        summary="Suggest a purchase from a receipt (nothing is written)",
        description="multipart/form-data with `file`. A PDF's text layer is read with pypdf; images and scanned PDFs "
        "with Tesseract OCR (in a child process with a timeout, RECEIPTS_OCR_TIMEOUT, default 20 s, and a memory cap). "
        "Nothing is stored: the client shows the suggestion for the user to confirm, then creates the purchase (and "
        "may attach the same file). Any signed-in member may ask, a VIEWER too (it writes nothing). Throttled per "
        "user (RECEIPTS_THROTTLE_RATE, default 30/minute).",
        request={"multipart/form-data": ReceiptUploadSerializer},
        responses={
            200: ReceiptSuggestionSerializer,
            400: _error("No `file`, or a file that is not a readable PDF, JPEG, PNG, WebP or HEIC (validation_error)."),
            413: ERROR_413,
            422: _error("Reading the receipt took longer than the timeout (unprocessable_entity)."),
            429: _error("Too many receipts in a short time (throttled)."),
            503: _error("An image or a scanned PDF, and no OCR engine installed (service_unavailable)."),
        },
    )
    def post(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > attachment_services.max_upload_size() + MULTIPART_OVERHEAD:
            raise _too_large()  # refused before the body is read, as for attachments
        form = ReceiptUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            extracted, suggestion = services.receipt_suggest(uploaded_file=form.validated_data["file"])
        except attachment_services.FileTooLarge:
            raise _too_large() from None
        except (attachment_services.UnsupportedFileType, extract.Unreadable) as exc:
            raise exceptions.ValidationError({"file": [str(exc)]}) from None
        except extract.NoOcrEngine as exc:
            raise OcrUnavailable(str(exc)) from None
        except extract.ExtractTimeout as exc:
            raise ReadTimeout(str(exc)) from None
        answer = {
            "engine": extracted.engine,
            "text": extracted.text,
            "suggestion": suggestion,
            "confidence": suggestion.confidence,
        }
        return Response(ReceiptSuggestionSerializer(answer).data)
