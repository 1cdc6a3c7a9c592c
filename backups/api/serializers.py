from rest_framework import serializers

from backups.choices import BackupFrequency, BackupKind, BackupStatus
from backups.models import Backup, BackupSettings
from backups.services import BACKUP_OBJECT_FIELDS
from spends.api.filters import TRUE_VALUES


class BackupSerializer(serializers.ModelSerializer):
    parent_id = serializers.UUIDField(read_only=True, allow_null=True)
    is_restore_point = serializers.BooleanField(
        read_only=True, help_text="Made by a restore, of the data it replaced: restore it to undo that restore."
    )

    class Meta:
        model = Backup
        fields = list(BACKUP_OBJECT_FIELDS)
        read_only_fields = fields


class BackupCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=BackupKind.choices, default=BackupKind.FULL)


class ScheduleSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    frequency = serializers.ChoiceField(choices=BackupFrequency.choices)
    keep_last = serializers.IntegerField()
    next_run_at = serializers.DateTimeField(allow_null=True)


class BackupStatusSerializer(serializers.Serializer):
    latest = BackupSerializer(allow_null=True)
    last_successful = BackupSerializer(allow_null=True)
    schedule = ScheduleSerializer()


class BackupStatusQuerySerializer(serializers.Serializer):
    id = serializers.UUIDField(required=False)


class BackupSettingsSerializer(serializers.ModelSerializer):
    # PUT replaces: an omitted field goes back to its default (API.md § Settled details).
    enabled = serializers.BooleanField(default=False)
    frequency = serializers.ChoiceField(choices=BackupFrequency.choices, default=BackupFrequency.DAILY)
    keep_last = serializers.IntegerField(min_value=1, max_value=365, default=7)

    class Meta:
        model = BackupSettings
        fields = ["enabled", "frequency", "keep_last"]


class RestoreRequestSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="A backup .zip (multipart).")
    backup_id = serializers.UUIDField(required=False, help_text="Or the id of a stored backup.")
    confirm = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Must be true: all current data will be replaced (also as ?confirm=true).",
    )
    allow_foreign = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Restore an archive whose signature does not verify with this installation's backup key (changed "
        "after it was written, made by another installation, or made before archives were signed). Also as "
        "?allow_foreign=true. Without it such an archive is refused with 400 on `file`.",
    )

    def validate(self, attrs):
        if bool(attrs.get("file")) == bool(attrs.get("backup_id")):
            raise serializers.ValidationError(
                {"non_field_errors": ["Send either a backup .zip as `file` or a `backup_id`."]}
            )
        return attrs


def confirmed(value) -> bool:
    return str(value).strip().lower() in TRUE_VALUES if value is not None else False


class IntegritySerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())


class RestoreReportSerializer(serializers.Serializer):
    restored_from = serializers.CharField()
    restore_point_id = serializers.UUIDField(allow_null=True)
    files_restored = serializers.IntegerField()
    files_skipped = serializers.IntegerField()
    integrity = IntegritySerializer()


class RestoreAcceptedSerializer(serializers.Serializer):
    restore_id = serializers.UUIDField(help_text="Poll GET /api/backup/restore/{restore_id} until it ends.")
    status = serializers.ChoiceField(choices=BackupStatus.choices)


class RestoreJobSerializer(serializers.Serializer):
    restore_id = serializers.UUIDField(source="id")
    status = serializers.ChoiceField(choices=BackupStatus.choices)
    restored_from = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    restore_point_id = serializers.UUIDField(
        allow_null=True, help_text="The full backup of the data from before this restore, once it is made."
    )
    result = RestoreReportSerializer(allow_null=True, help_text="The restore's report once it has succeeded.")
    error = serializers.CharField(help_text="Why it failed (empty otherwise).")
