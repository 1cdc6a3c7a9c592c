"""The admin's import/export buttons on the purchase, retailer and brand admins, with this app's resources.

`purchases` and `catalog` sit below `transfer` and do not import it: they register their admins without the buttons,
and this module extends them (`spends.admin_mixins.admin_extend`). The method order stays the one of
`class PurchaseAdmin(DataVersionAdminMixin, ImportExportForUserAdmin)`. Importing their admin modules first makes
sure they are registered whatever the order of INSTALLED_APPS.
"""

import catalog.admin  # noqa: F401  (registers the catalog admins this module extends)
import purchases.admin  # noqa: F401  (registers the purchase admin this module extends)
from catalog.models import Brand, Retailer
from purchases.models import Purchase
from spends.admin_mixins import ImportExportForUserAdmin, admin_extend
from transfer.resources import BrandResource, PurchaseResource, RetailerResource


class PurchaseImportExportAdmin(ImportExportForUserAdmin):
    resource_classes = [PurchaseResource]


class RetailerImportExportAdmin(ImportExportForUserAdmin):
    resource_classes = [RetailerResource]


class BrandImportExportAdmin(ImportExportForUserAdmin):
    resource_classes = [BrandResource]


admin_extend(Purchase, PurchaseImportExportAdmin)
admin_extend(Retailer, RetailerImportExportAdmin)
admin_extend(Brand, BrandImportExportAdmin)
