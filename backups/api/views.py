"""Backups, superusers only (API.md § Backups). Views parse and answer; backups.services does the work."""

from django.db import transaction
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from backups import recovery, restore, services
from backups.choices import BackupStatus
from backups.models import Backup, BackupSettings, RestoreJob
from spends.api.pagination import SkipLimitPagination
from spends.api.parsers import SafeJSONParser
from spends.api.permissions import IsSuperuser
from spends.api.viewsets import UUID_REGEX
from spends.exceptions import Conflict

from .serializers import (
    BackupCreateSerializer,
    BackupSerializer,
    BackupSettingsSerializer,
    BackupStatusQuerySerializer,
    BackupStatusSerializer,
    RestoreAcceptedSerializer,
    RestoreJobSerializer,
    RestoreReportSerializer,
    RestoreRequestSerializer,
    confirmed,
)

TAGS = ["backups"]


class BackupViewSet(viewsets.GenericViewSet):
    permission_classes = [IsSuperuser]
    serializer_class = BackupSerializer
    pagination_class = SkipLimitPagination
    queryset = Backup.objects.none()
    lookup_value_regex = UUID_REGEX
    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return Backup.objects.order_by("-created_at")

    @extend_schema(tags=TAGS, summary="List backups, newest first", responses=BackupSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="list")
    def list_backups(self, request):
        recovery.recover_if_idle()  # a backup or restore whose process died shows as failed, not running
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(BackupSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Start a backup (runs as a background task)",
        request=BackupCreateSerializer,
        responses={202: BackupSerializer},
    )
    @action(detail=False, methods=["post"])
    def create_backup(self, request):
        if not isinstance(request.data, dict):  # a QueryDict (no body, or a form) is a dict too
            raise ValidationError({"non_field_errors": ['The body must be a JSON object such as {"kind": "full"}.']})
        body = BackupCreateSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        backup = services.backup_request(kind=body.validated_data["kind"], user=request.user)
        return Response(BackupSerializer(backup).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        tags=TAGS,
        summary="Latest and last successful backup and the schedule; with ?id= that one backup",
        parameters=[OpenApiParameter("id", str, description="A backup id (UUID)")],
        responses={200: BackupStatusSerializer},
    )
    @action(detail=False, methods=["get"], url_path="status")
    def backup_status(self, request):
        recovery.recover_if_idle()
        query = BackupStatusQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if "id" in query.validated_data:
            backup = Backup.objects.filter(pk=query.validated_data["id"]).first()
            if backup is None:
                raise NotFound()
            return Response(BackupSerializer(backup).data)
        return Response(BackupStatusSerializer(services.backup_status()).data)

    @extend_schema(tags=TAGS, summary="Download a backup archive (.zip)", responses={(200, "application/zip"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        backup = self.get_object()
        try:
            handle = services.backup_open(backup)
        except services.BackupError as exc:
            raise NotFound(str(exc)) from None
        return FileResponse(handle, as_attachment=True, filename=backup.filename, content_type="application/zip")

    @extend_schema(tags=TAGS, summary="Delete a backup and its archive", responses={204: None})
    def destroy(self, request, pk=None):
        services.backup_delete(backup=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(tags=TAGS, summary="Backup schedule", responses=BackupSettingsSerializer)
    @action(detail=False, methods=["get"], url_path="settings")
    def backup_settings(self, request):
        return Response(BackupSettingsSerializer(BackupSettings.load()).data)

    @extend_schema(
        tags=TAGS,
        summary="Change the backup schedule",
        request=BackupSettingsSerializer,
        responses=BackupSettingsSerializer,
    )
    @backup_settings.mapping.put
    def update_backup_settings(self, request):
        serializer = BackupSettingsSerializer(BackupSettings.load(), data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)

    @extend_schema(
        tags=TAGS,
        summary="Restore from an uploaded .zip or a stored backup (replaces all current data)",
        description="Needs confirm=true (query or body). The archive is checked before anything changes (400 on "
        "`file` otherwise, including an archive whose signature does not verify unless allow_foreign=true). The "
        "restore runs in the background task runner: the request waits up to BACKUP_RESTORE_WAIT_SECONDS (30) and "
        "answers 200 with the report when it is done, else 202 with the restore_id to poll. A restore point (a full "
        "backup of the current data) is made first and stays listed. Sessions are not restored: everyone signs in "
        "again. An archive of the other database engine (SQLite or PostgreSQL) is restored from its portable dump "
        "(format version 2), every line checked first (a bad one is a 400 and changes nothing); a format-1 SQLite "
        "archive restores on PostgreSQL through a migrated temporary copy.",
        parameters=[
            OpenApiParameter("confirm", bool, description="Must be true."),
            OpenApiParameter(
                "allow_foreign", bool, description="Restore an archive this installation did not sign (see the body)."
            ),
        ],
        request={"multipart/form-data": RestoreRequestSerializer, "application/json": RestoreRequestSerializer},
        responses={200: RestoreReportSerializer, 202: RestoreAcceptedSerializer},
    )
    @action(detail=False, methods=["post"])
    def restore(self, request):
        body = RestoreRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not (confirmed(request.query_params.get("confirm")) or body.validated_data["confirm"]):
            raise ValidationError(
                {
                    "confirm": [
                        "Restoring replaces ALL current data (purchases, warranties, attachments, users) with "
                        "the backup's. Send confirm=true to go ahead; a restore point is made first."
                    ]
                }
            )
        allow_foreign = confirmed(request.query_params.get("allow_foreign")) or body.validated_data["allow_foreign"]
        upload = body.validated_data.get("file")
        if upload is not None:
            job = self._request_upload_restore(request, upload, allow_foreign)
        else:
            backup = Backup.objects.filter(pk=body.validated_data["backup_id"], status="succeeded").first()
            if backup is None:
                raise NotFound("No successful backup with this id.")
            with transaction.atomic():  # enqueued on commit
                job = restore.restore_request(
                    restored_from=str(backup.pk), user=request.user, backup=backup, allow_foreign=allow_foreign
                )
        return self._restore_answer(restore.restore_wait(job.pk) or job)

    def _request_upload_restore(self, request, upload, allow_foreign):
        path = restore.save_upload(upload)
        try:
            restore.backup_check(path, allow_foreign=allow_foreign)  # quick: reads no member (400 on `file`)
            with transaction.atomic():  # enqueued on commit
                return restore.restore_request(
                    restored_from=upload.name, user=request.user, upload=path, allow_foreign=allow_foreign
                )
        except BaseException:
            path.unlink(missing_ok=True)
            raise

    @staticmethod
    def _restore_answer(job: RestoreJob) -> Response:
        if job.status == BackupStatus.SUCCEEDED:
            return Response(RestoreReportSerializer(job.result).data)
        if job.status == BackupStatus.FAILED:
            if job.error_kind == RestoreJob.ErrorKind.VALIDATION:
                raise ValidationError({"file": [job.error]})
            raise Conflict(job.error)
        body = {"restore_id": job.pk, "status": job.status}
        return Response(RestoreAcceptedSerializer(body).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        tags=TAGS,
        summary="A restore's progress and, once it has ended, its report or error",
        description="status is pending, running, succeeded (result holds the report) or failed (error says why; an "
        "interrupted restore is failed, never left running).",
        parameters=[OpenApiParameter("restore_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={200: RestoreJobSerializer},
    )
    def restore_status(self, request, restore_id=None):
        recovery.recover_if_idle()
        job = RestoreJob.objects.filter(pk=restore_id).first()
        if job is None:
            raise NotFound("No restore with this id.")
        return Response(RestoreJobSerializer(job).data)
