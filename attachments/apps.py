from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    name = "attachments"
    verbose_name = "Attachments"

    def ready(self):
        from attachments import backup_hooks
        from attachments.models import UPLOADS_DIR
        from spends.backup_registry import register_integrity_check, register_uploads

        register_uploads(prefix=f"{UPLOADS_DIR}/", names=backup_hooks.upload_names)
        register_integrity_check(backup_hooks.integrity_problems)
