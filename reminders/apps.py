from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Warranty reminders"

    def ready(self):
        from purchases.signals import purchase_written
        from reminders import notify, quiet
        from spends.events import backup_failed

        # Notification channels hear of purchase writes and failed backups (reminders.notify).
        purchase_written.connect(notify.on_purchase_written, dispatch_uid="reminders-purchase-written")
        backup_failed.connect(notify.on_backup_failed, dispatch_uid="reminders-backup-failed")
        quiet.connect()  # the households known to have no channel forget it when channels, members or users change
