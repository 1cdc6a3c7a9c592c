"""Analytics routes: /api/analytics/<endpoint>, with or without a trailing slash."""

from spends.api.routers import OptionalSlashRouter

from .views import AnalyticsViewSet

router = OptionalSlashRouter()
router.register("analytics", AnalyticsViewSet, basename="analytics")
urlpatterns = router.urls
