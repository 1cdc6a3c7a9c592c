"""The web dashboard's two pages (issue #12): the single-page app shell at `/` and the sign-in page.

Both are plain templates. Everything they show and change goes through the REST API with the session
(API.md § Browser sessions); these views only decide which page to send and make sure the csrftoken cookie is set.
The sign-in page also checks where to go afterwards (`?next=`): only a path on this site, never another origin.
"""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView

SIGN_IN_URL = "/sign-in"


def safe_next(request) -> str:
    r"""The `next` parameter when it is a path on this site, else "/".

    Django's own check refuses other hosts and schemes, `//host`, `/\host` and the tab/newline tricks browsers
    strip (`/<TAB>/evil.example` is `//evil.example` to them). The page checks the value once more before it goes.
    """
    target = request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed and target.startswith("/") else "/"


@method_decorator([ensure_csrf_cookie, never_cache], name="dispatch")
class AppView(TemplateView):
    """The app shell (Dashboard, Purchases, Warranties, Import/Export, Backups); signed-out visitors go to sign-in."""

    template_name = "app/shell.html"

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(SIGN_IN_URL)
        return super().get(request, *args, **kwargs)


@method_decorator([ensure_csrf_cookie, never_cache], name="dispatch")
class SignInView(TemplateView):
    """The sign-in page; it posts to /api/auth/login itself. A signed-in visitor goes straight to the app."""

    template_name = "app/sign_in.html"

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("/")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "next": safe_next(self.request)}


MANIFEST_TYPE = "application/manifest+json"
THEME_COLOR = "#2f5d8a"


@cache_control(max_age=86400, public=True)
def manifest(request):
    """The web app manifest (installing the app on a phone or desktop): name, start page, colours and icons."""
    icons = [
        {"src": static("app/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        *({"src": static(f"app/icons/icon-{n}.png"), "sizes": f"{n}x{n}", "type": "image/png"} for n in (192, 512)),
        {"src": static("app/icons/maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
    ]
    body = {
        "name": "Spends Tracker",
        "short_name": "Spends",
        "description": "Purchases, warranties, receipts and reminders.",
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": icons,
    }
    return JsonResponse(body, content_type=MANIFEST_TYPE)


@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: the icon, not a 404 in the console."""
    return redirect(static("app/icons/favicon.ico"), permanent=True)


app = AppView.as_view()
sign_in = SignInView.as_view()
