from spends.api.routers import OptionalSlashRouter

from .views import PurchaseViewSet

router = OptionalSlashRouter()
router.register("purchases", PurchaseViewSet, basename="purchase")
urlpatterns = router.urls
