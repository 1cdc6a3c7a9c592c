"""Admin pieces shared by the apps."""

from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV


class ImportExportForUserAdmin(ImportExportModelAdmin):
    """django-import-export buttons whose resources get the signed-in user (`user=`), so imports and exports are
    scoped to that user's data exactly as the API's are. CSV only: the one file format the contract defines."""

    import_formats = [CSV]
    export_formats = [CSV]

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {**super().get_export_resource_kwargs(request, **kwargs), "user": request.user}
