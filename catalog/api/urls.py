from spends.api.routers import OptionalSlashRouter

from .views import BrandViewSet, RetailerViewSet

router = OptionalSlashRouter()
router.register("retailers", RetailerViewSet, basename="retailer")
router.register("brands", BrandViewSet, basename="brand")
urlpatterns = router.urls
