"""The admin's "Data management" page: backups, downloads, restore behind a confirmation page, the schedule."""

import functools
import uuid
from pathlib import Path

from django.contrib import admin, messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.timesince import timesince

from backups import recovery, restore, services
from backups.choices import BackupStatus
from backups.common import pending_delete, pending_dir, pending_publish
from backups.forms import BackupNowForm, BackupSettingsForm, RestoreUploadForm
from backups.management.commands._output import human_size
from backups.models import Backup, BackupSettings, RestoreJob
from spends import backup_registry

PENDING_RESTORE_SESSION_KEY = "backups_pending_restore"


def _superuser_only(view):
    """403 for a signed-in staff user who is not a superuser (admin_view already sends others to the login)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_active and request.user.is_superuser):
            raise PermissionDenied("Only a superuser may manage backups: an archive holds every user's data.")
        return view(request, *args, **kwargs)

    return wrapped


@admin.register(Backup)
class BackupAdmin(admin.ModelAdmin):
    """Listed in the admin as "Backups"; its page is the Data management page."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    # An archive holds every user's data (and restoring one replaces it): superusers only, staff included in the
    # refusal. Every custom view below goes through _superuser_view (403 for anyone else).
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(_superuser_only(view))

        return [
            path("backup-now/", wrap(self.backup_now), name="backups_backup_now"),
            path("<uuid:backup_id>/download/", wrap(self.download), name="backups_backup_download"),
            path("restore/", wrap(self.restore_upload), name="backups_backup_restore"),
            path("restore/confirm/", wrap(self.restore_confirm), name="backups_backup_restore_confirm"),
            path("schedule/", wrap(self.schedule), name="backups_backup_schedule"),
            *super().get_urls(),
        ]

    def _page(self, request, **extra):
        recovery.recover_if_idle()  # a backup or restore whose process died shows as failed, not running
        status = services.backup_status()
        last = status["last_successful"]
        context = {
            **self.admin_site.each_context(request),
            "title": "Data management",
            "opts": self.model._meta,
            "status": status,
            "last_summary": (
                f"{timesince(last.created_at, timezone.now())} ago, {last.file_count} files, "
                f"{human_size(last.size_bytes)}"
                if last
                else None
            ),
            "backups": Backup.objects.order_by("-created_at")[:50],
            "restores": RestoreJob.objects.order_by("-created_at")[:10],
            "backup_form": BackupNowForm(),
            "restore_form": RestoreUploadForm(),
            "schedule_form": BackupSettingsForm(instance=BackupSettings.load()),
            **extra,
        }
        return TemplateResponse(request, "backups/admin/data_management.html", context)

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied("Only a superuser may manage backups: an archive holds every user's data.")
        return self._page(request)

    def backup_now(self, request):
        if request.method != "POST":
            return redirect("admin:backups_backup_changelist")
        form = BackupNowForm(request.POST)
        if form.is_valid():
            backup = services.backup_request(kind=form.cleaned_data["kind"], user=request.user)
            messages.info(request, f"Backup started ({backup.kind}). It is listed below with its status.")
        return redirect("admin:backups_backup_changelist")

    def download(self, request, backup_id):
        backup = Backup.objects.filter(pk=backup_id, status=BackupStatus.SUCCEEDED).first()
        if backup is None:
            raise Http404("No such backup")
        try:
            handle = services.backup_open(backup)
        except services.BackupError as exc:
            raise Http404(str(exc)) from None
        return FileResponse(handle, as_attachment=True, filename=backup.filename, content_type="application/zip")

    def restore_upload(self, request):
        if request.method != "POST":
            return redirect("admin:backups_backup_changelist")
        form = RestoreUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, restore_form=form)
        pending = pending_dir() / f"{uuid.uuid4().hex}.zip"
        with open(pending, "wb") as out:
            for chunk in form.cleaned_data["file"].chunks():
                out.write(chunk)
        foreign = ""
        try:
            try:
                manifest = restore.backup_validate(pending)
            except restore.ForeignArchive as exc:  # offered behind a second, explicit confirmation
                foreign = " ".join(exc.messages)
                manifest = restore.backup_validate(pending, allow_foreign=True)
        except ValidationError as exc:
            pending.unlink(missing_ok=True)
            messages.error(request, "This file cannot be restored, nothing was changed: " + " ".join(exc.messages))
            return redirect("admin:backups_backup_changelist")
        pending_publish(pending)  # the confirmation may reach another node
        request.session[PENDING_RESTORE_SESSION_KEY] = {
            "name": pending.name,
            "filename": form.cleaned_data["file"].name,
            "foreign": bool(foreign),
        }
        context = {
            **self.admin_site.each_context(request),
            "title": "Replace all data with this backup?",
            "opts": self.model._meta,
            "manifest": manifest,
            "foreign": foreign,
            "filename": form.cleaned_data["file"].name,
            "current": backup_registry.summaries(),  # each app registers its line (AppConfig.ready)
            "upload_count": sum(1 for m in manifest["members"] if m["path"].startswith("uploads/")),
            "confirm_url": reverse("admin:backups_backup_restore_confirm"),
        }
        return TemplateResponse(request, "backups/admin/restore_confirm.html", context)

    def restore_confirm(self, request):
        pending = request.session.pop(PENDING_RESTORE_SESSION_KEY, None)
        if request.method != "POST" or not pending:
            return redirect("admin:backups_backup_changelist")
        path = pending_dir() / Path(pending["name"]).name
        if request.POST.get("confirm") != "yes":
            pending_delete(path.name)
            messages.info(request, "Restore cancelled. Nothing was changed.")
            return redirect("admin:backups_backup_changelist")
        if pending.get("foreign") and request.POST.get("allow_foreign") != "yes":
            pending_delete(path.name)
            messages.error(
                request,
                "Restore refused, nothing was changed: this archive is not signed by this installation (changed "
                "after it was written, or made elsewhere) and the second confirmation was not given.",
            )
            return redirect("admin:backups_backup_changelist")
        with transaction.atomic():  # the task runner picks it up once this commits
            job = restore.restore_request(
                restored_from=pending["filename"],
                user=request.user,
                upload=path,
                allow_foreign=bool(pending.get("foreign")),
            )
        self._restore_message(request, restore.restore_wait(job.pk) or job)
        if not request.session.exists(request.session.session_key):
            # Sessions are not in backups: the restore signed everyone out, this admin included.
            logout(request)
            messages.info(request, "Sessions are not kept in backups: sign in again.")
        return redirect("admin:backups_backup_changelist")

    @staticmethod
    def _restore_message(request, job: RestoreJob) -> None:
        if job.status == BackupStatus.FAILED:
            messages.error(request, f"Restore refused or failed: {job.error}")
            return
        if job.status != BackupStatus.SUCCEEDED:
            messages.info(
                request,
                f"The restore is running in the background (restore {job.pk}); it is listed below with its status. "
                "When it has finished, everyone signs in again.",
            )
            return
        report = job.result
        level = messages.SUCCESS if report["integrity"]["ok"] else messages.WARNING
        messages.add_message(
            request,
            level,
            f"Restored from {report['restored_from']}: {report['files_restored']} files restored, "
            f"{report['files_skipped']} already present. Integrity: "
            + ("ok" if report["integrity"]["ok"] else "; ".join(report["integrity"]["problems"]))
            + f". The previous data is kept as restore point {report['restore_point_id']}.",
        )

    def schedule(self, request):
        if request.method != "POST":
            return redirect("admin:backups_backup_changelist")
        form = BackupSettingsForm(request.POST, instance=BackupSettings.load())
        if not form.is_valid():
            return self._page(request, schedule_form=form)
        form.save()
        messages.success(request, "Backup schedule saved.")
        return redirect("admin:backups_backup_changelist")
