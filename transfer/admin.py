"""The admin's import/export buttons on the purchase, retailer and brand admins, with this app's resources.

`purchases` and `catalog` sit below `transfer` and do not import it: they register their admins without the buttons,
and this module registers the same admins again with `ImportExportForUserAdmin` mixed in after them (so the method
order is the one of `class PurchaseAdmin(DataVersionAdminMixin, ImportExportForUserAdmin)`). Importing their admin
modules first makes the order of INSTALLED_APPS irrelevant.
"""

from django.contrib import admin

from catalog.admin import BrandAdmin, RetailerAdmin
from catalog.models import Brand, Retailer
from purchases.admin import PurchaseAdmin
from purchases.models import Purchase
from spends.admin_mixins import ImportExportForUserAdmin
from transfer.resources import BrandResource, PurchaseResource, RetailerResource


class PurchaseImportExportAdmin(PurchaseAdmin, ImportExportForUserAdmin):
    resource_classes = [PurchaseResource]


class RetailerImportExportAdmin(RetailerAdmin, ImportExportForUserAdmin):
    resource_classes = [RetailerResource]


class BrandImportExportAdmin(BrandAdmin, ImportExportForUserAdmin):
    resource_classes = [BrandResource]


for model, model_admin in [
    (Purchase, PurchaseImportExportAdmin),
    (Retailer, RetailerImportExportAdmin),
    (Brand, BrandImportExportAdmin),
]:
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
