"""Admin pieces shared by the apps."""

from django.contrib import admin
from django.db import transaction
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV

from spends import data_versions


class ImportExportForUserAdmin(ImportExportModelAdmin):
    """django-import-export buttons whose resources get the signed-in user (`user=`), so imports and exports are
    scoped to that user's data exactly as the API's are. CSV only: the one file format the contract defines."""

    import_formats = [CSV]
    export_formats = [CSV]

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {**super().get_export_resource_kwargs(request, **kwargs), "user": request.user}


class DataVersionAdminMixin:
    """Admin writes bump the data versions of what they change (spends.data_versions), in the write's transaction:
    Django runs the change form and the delete view in one; the bulk delete action is given one here.

    Subclasses name the scopes of a queryset's rows in `data_version_scopes(queryset)`.
    """

    def data_version_scopes(self, queryset) -> set[str]:
        raise NotImplementedError

    def _scopes_of(self, obj) -> set[str]:
        return self.data_version_scopes(self.model.objects.filter(pk=obj.pk)) if obj.pk else set()

    def save_model(self, request, obj, form, change):
        before = self._scopes_of(obj) if change else set()  # a row moved to another household changes both
        super().save_model(request, obj, form, change)
        _bump_all(before | self._scopes_of(obj))  # inlines are saved later in the same transaction

    def delete_model(self, request, obj):
        scopes = self._scopes_of(obj)
        super().delete_model(request, obj)
        _bump_all(scopes)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            scopes = self.data_version_scopes(queryset)
            super().delete_queryset(request, queryset)
            _bump_all(scopes)


def _bump_all(scopes) -> None:
    for scope in sorted(scopes):  # one order everywhere: concurrent transactions never wait on each other in a cycle
        data_versions.bump(scope)


def admin_extend(model, *admin_classes, site=admin.site):
    """Register `model` again, its registered ModelAdmin extended with `admin_classes` (ModelAdmin subclasses).

    How an app adds its part (buttons, inlines, views) to the admin of a model of an app below it, which must not
    import it: `transfer` adds import/export to the purchase admin, `attachments` its files. Each app extends
    whatever is registered when its admin module runs, so the order of INSTALLED_APPS does not matter. The extension
    classes come after the registered one, so the registered admin's own attributes and overrides win, and each
    extension sits just before `ModelAdmin` in the method order (it must call `super()` where it overrides).
    """
    registered = type(site.get_model_admin(model))
    extended = type(registered.__name__, (registered, *admin_classes), {"__module__": registered.__module__})
    site.unregister(model)
    site.register(model, extended)
    return extended
