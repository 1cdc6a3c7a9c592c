from django.urls import re_path

from spends.api.viewsets import UUID_REGEX

from .views import BackupViewSet

urlpatterns = [
    re_path(r"^backup/list/?$", BackupViewSet.as_view({"get": "list_backups"}), name="backup-list"),
    re_path(r"^backup/create/?$", BackupViewSet.as_view({"post": "create_backup"}), name="backup-create"),
    re_path(r"^backup/status/?$", BackupViewSet.as_view({"get": "backup_status"}), name="backup-status"),
    re_path(
        r"^backup/settings/?$",
        BackupViewSet.as_view({"get": "backup_settings", "put": "update_backup_settings"}),
        name="backup-settings",
    ),
    re_path(r"^backup/restore/?$", BackupViewSet.as_view({"post": "restore"}), name="backup-restore"),
    re_path(
        rf"^backup/restore/(?P<restore_id>{UUID_REGEX})/?$",
        BackupViewSet.as_view({"get": "restore_status"}),
        name="backup-restore-status",
    ),
    re_path(
        rf"^backup/(?P<pk>{UUID_REGEX})/download/?$",
        BackupViewSet.as_view({"get": "download"}),
        name="backup-download",
    ),
    re_path(rf"^backup/(?P<pk>{UUID_REGEX})/?$", BackupViewSet.as_view({"delete": "destroy"}), name="backup-detail"),
]
