"""Attachments of the caller's household's purchases (API.md § Attachments). Thin: parse the request, call
`attachments.services` or the selectors, answer. Another household's purchase or attachment is a 404; uploads and
deletions are writes (a VIEWER gets 403), downloads are reads."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from attachments import selectors, services
from attachments.models import Attachment
from attachments.responses import file_response
from spends.api.pagination import SkipLimitPagination
from spends.api.serializers import ErrorSerializer
from spends.api.viewsets import HouseholdWritePermission, ScopedViewMixin
from spends.sizes import readable_size

from .serializers import AttachmentSerializer, AttachmentUploadSerializer

TAGS = ["attachments"]
MULTIPART_OVERHEAD = 64 * 1024  # boundaries, part headers and the `kind` field around the file


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The file is larger than the upload limit."


class UnsupportedFileType(exceptions.APIException):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_code = "unsupported_media_type"
    default_detail = "Unsupported file type."


class FileErrorsNegotiation(DefaultContentNegotiation):
    """A download ignores Accept (asking for image/png must not give a 406); its errors are JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _too_large() -> PayloadTooLarge:
    limit = services.max_upload_size()
    return PayloadTooLarge(f"The file is larger than the upload limit of {readable_size(limit)}.")


ERROR_413 = OpenApiResponse(ErrorSerializer, description="The file is larger than MAX_UPLOAD_SIZE (payload_too_large).")
ERROR_415 = OpenApiResponse(
    ErrorSerializer,
    description="The bytes are not PDF, JPEG, PNG, WebP, HEIC/HEIF, GIF or plain text, or the request is not "
    "multipart/form-data (unsupported_media_type).",
)


class PurchaseAttachmentListView(ScopedViewMixin, GenericAPIView):
    """A purchase's attachments: every member of its household lists them; an upload is a write (OWNER, EDITOR; a
    VIEWER gets 403). Another household's purchase answers 404."""

    permission_classes = [IsAuthenticated, HouseholdWritePermission]
    serializer_class = AttachmentSerializer
    pagination_class = SkipLimitPagination
    parser_classes = [MultiPartParser, FormParser]
    queryset = Attachment.objects.none()  # model for OpenAPI only; rows come from the selector

    def _purchase(self):
        purchase = selectors.attachment_purchase_get(
            household_id=self.scope.household_id, purchase_id=self.kwargs["purchase_id"]
        )
        if purchase is None:
            raise Http404
        return purchase

    @extend_schema(
        tags=TAGS,
        summary="List a purchase's attachments, newest first",
        responses={200: AttachmentSerializer(many=True)},
    )
    def get(self, request, purchase_id):
        attachments_page = self.paginate_queryset(
            selectors.attachment_list(household_id=self.scope.household_id, purchase=self._purchase())
        )
        return self.get_paginated_response(AttachmentSerializer(attachments_page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Attach a file to a purchase",
        description="multipart/form-data with `file` and optional `kind` (default OTHER). The type is detected from "
        "the bytes; identical content is stored once.",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer, 413: ERROR_413, 415: ERROR_415},
    )
    def post(self, request, purchase_id):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > services.max_upload_size() + MULTIPART_OVERHEAD:
            raise _too_large()  # refused before the body is read
        purchase = self._purchase()
        form = AttachmentUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            attachment = services.attachment_upload(
                purchase=purchase,
                uploaded_file=form.validated_data["file"],
                kind=form.validated_data["kind"],
                created_by=request.user,
            )
        except services.FileTooLarge:
            raise _too_large() from None
        except services.UnsupportedFileType as exc:
            raise UnsupportedFileType(str(exc)) from None
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDetailView(ScopedViewMixin, GenericAPIView):
    """One attachment of the caller's household: every member reads it; deleting is a write (OWNER, EDITOR; a VIEWER
    gets 403). Another household's attachment answers 404."""

    permission_classes = [IsAuthenticated, HouseholdWritePermission]
    serializer_class = AttachmentSerializer
    queryset = Attachment.objects.none()

    def get_object(self):
        return get_object_or_404(selectors.attachment_list(household_id=self.scope.household_id), pk=self.kwargs["pk"])

    @extend_schema(tags=TAGS, summary="Get an attachment", responses={200: AttachmentSerializer})
    def get(self, request, pk):
        return Response(AttachmentSerializer(self.get_object()).data)

    @extend_schema(
        tags=TAGS,
        summary="Delete an attachment",
        description="The stored file goes when no other attachment has the same content.",
        responses={204: None},
    )
    def delete(self, request, pk):
        services.attachment_delete(attachment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttachmentDownloadView(ScopedViewMixin, GenericAPIView):
    """The bytes of an attachment of the caller's household: a read, open to every member (VIEWER too)."""

    permission_classes = [IsAuthenticated, HouseholdWritePermission]
    content_negotiation_class = FileErrorsNegotiation
    queryset = Attachment.objects.none()

    @extend_schema(
        tags=TAGS,
        summary="Download an attachment's bytes",
        description="Content-Type is the detected type; `Content-Disposition` is `inline` for images and PDF and "
        "`attachment` otherwise, with the original filename. Every file is served with "
        "`Content-Security-Policy: default-src 'none'; sandbox` and `X-Frame-Options: DENY`, except a PDF: "
        "`default-src 'none'; frame-ancestors 'self'` and `X-Frame-Options: SAMEORIGIN`, so the web app can show it in "
        "a preview frame (Chromium's PDF viewer does not run in a sandboxed document). 404 also when the file is "
        "missing from storage (the attachment then shows `available: false`). The bytes stream from the storage "
        "(a folder, or S3) through the app; with `MEDIA_PRESIGNED=true` and an S3 storage the answer is a `302` to a "
        "presigned URL of the object, valid `MEDIA_PRESIGNED_SECONDS` (default 60), which the object store answers "
        "with the same Content-Type and Content-Disposition.",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file (served with its detected content type)."
            ),
            302: OpenApiResponse(description="MEDIA_PRESIGNED=true (S3 storage): `Location` is a presigned URL."),
        },
    )
    def get(self, request, pk):
        attachment = get_object_or_404(selectors.attachment_list(household_id=self.scope.household_id), pk=pk)
        try:
            return file_response(attachment)
        except services.FileMissing as exc:
            raise exceptions.NotFound(str(exc)) from None
