from spends.api.routers import OptionalSlashRouter

from .views import WarrantyViewSet

router = OptionalSlashRouter()
router.register("warranties", WarrantyViewSet, basename="warranty")
urlpatterns = router.urls
