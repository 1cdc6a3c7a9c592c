"""URLs: the admin, the API (each app's router), the OpenAPI schema and docs, a JSON 404 for the rest of /api/,
and the web dashboard's pages (`/`, `/sign-in`)."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from spends import frontend
from spends.api import views
from spends.api.health import HealthView
from spends.api.routers import OptionalSlashRouter
from spends.api.tokens import ApiTokenViewSet

token_router = OptionalSlashRouter()
token_router.register("auth/tokens", ApiTokenViewSet, basename="auth-tokens")

api_patterns = [
    re_path(r"^health/?$", HealthView.as_view(), name="health"),
    re_path(r"^auth/token/?$", views.TokenView.as_view(), name="auth-token"),
    re_path(r"^auth/login/?$", views.LoginView.as_view(), name="auth-login"),
    re_path(r"^auth/logout/?$", views.LogoutView.as_view(), name="auth-logout"),
    # auth/me is households.api's (its PATCH sets the household's home currency).
    path("", include(token_router.urls)),
    re_path(r"^schema/?$", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's set-up script is a second request (?script), not inline, so the page needs no 'unsafe-inline'.
    re_path(
        r"^docs/?$",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="spends/swagger_ui.html"),
        name="docs",
    ),
    # ReDoc writes its styles into <style> elements as it renders: inline styles (not scripts) are allowed there.
    re_path(
        r"^redoc/?$",
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularRedocView.as_view(url_name="schema", template_name="spends/redoc.html")
        ),
        name="redoc",
    ),
    path("", include("households.api.urls")),
    path("", include("catalog.api.urls")),
    path("", include("rates.api.urls")),
    path("", include("purchases.api.urls")),
    path("", include("warranties.api.urls")),
    path("", include("analytics.api.urls")),
    path("", include("transfer.api.urls")),
    path("", include("backups.api.urls")),
    path("", include("attachments.api.urls")),
    path("", include("reminders.api.urls")),
    path("", include("receipts.api.urls")),
    re_path(r"^.*$", views.api_not_found),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    # The web dashboard (issue #12): the app shell and its sign-in page; all data come from the API above.
    path("", frontend.app, name="app"),
    path("sign-in", frontend.sign_in, name="sign-in"),
    path("manifest.webmanifest", frontend.manifest, name="manifest"),
    path("favicon.ico", frontend.favicon, name="favicon"),
]

admin.site.site_header = "Spends Tracker"
admin.site.site_title = "Spends Tracker admin"
admin.site.index_title = "Purchases, warranties and catalog"
