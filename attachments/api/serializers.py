"""Shapes of the attachment endpoints (API.md § Attachments): the attachment object and the upload form."""

from django.urls import reverse
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

from attachments.choices import AttachmentKind
from attachments.models import Attachment
from attachments.services import attachment_file_present


class AttachmentKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=AttachmentKind.choices, **kwargs)


class AttachmentKindFieldSchema(OpenApiSerializerFieldExtension):
    """`kind` as one named component, AttachmentKindEnum: other `kind` fields (backups) have other choices, and
    drf-spectacular's enum naming would otherwise warn about the clash."""

    target_class = AttachmentKindField

    def map_serializer_field(self, auto_schema, direction):
        component = ResolvedComponent(
            name="AttachmentKindEnum",
            type=ResolvedComponent.SCHEMA,
            object="AttachmentKindEnum",
            schema={
                "type": "string",
                "enum": AttachmentKind.values,
                "description": "\n".join(f"* `{value}` - {label}" for value, label in AttachmentKind.choices),
            },
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


class AttachmentSerializer(serializers.ModelSerializer):
    kind = AttachmentKindField(read_only=True)
    purchase_id = serializers.UUIDField(read_only=True)
    content_type = serializers.CharField(read_only=True, help_text="Detected from the bytes, not the client's.")
    size = serializers.IntegerField(read_only=True, help_text="Bytes.")
    sha256 = serializers.CharField(read_only=True, help_text="SHA-256 of the content, lower-case hex.")
    available = serializers.SerializerMethodField(
        help_text="false when the file is missing from storage (checked now)."
    )
    download_url = serializers.SerializerMethodField(help_text="Path of the download endpoint.")

    class Meta:
        model = Attachment
        fields = [
            "id",
            "purchase_id",
            "kind",
            "filename",
            "content_type",
            "size",
            "sha256",
            "available",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_available(self, obj) -> bool:
        # Checked on every read (a stat, not a query): the contract says false whenever the file is missing.
        return attachment_file_present(sha256=obj.sha256)

    def get_download_url(self, obj) -> str:
        return reverse("attachment-download", kwargs={"pk": obj.pk})


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="PDF, JPEG, PNG, WebP, HEIC/HEIF, GIF or plain UTF-8 text (not HTML, SVG, XML or scripts), "
        "checked on the bytes. At most MAX_UPLOAD_SIZE (25 MB)."
    )
    kind = AttachmentKindField(default=AttachmentKind.OTHER)
