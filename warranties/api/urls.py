from django.urls import re_path

from spends.api.routers import OptionalSlashRouter
from spends.api.viewsets import UUID_REGEX

from .claims import ClaimViewSet
from .views import WarrantyViewSet

router = OptionalSlashRouter()
router.register("warranties", WarrantyViewSet, basename="warranty")
# Claims are listed and filed under their warranty, and read, changed and deleted by their own id (no /api/claims list).
urlpatterns = [
    *router.urls,
    re_path(
        rf"^warranties/(?P<id>{UUID_REGEX})/claims/?$",
        ClaimViewSet.as_view({"get": "list", "post": "create"}),
        name="warranty-claim-list",
    ),
    re_path(
        rf"^claims/(?P<pk>{UUID_REGEX})/?$",
        ClaimViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="claim-detail",
    ),
]
