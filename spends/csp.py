"""Content-Security-Policy: django-csp's middleware, with inline styles allowed on the admin's pages only.

The policy itself is `CONTENT_SECURITY_POLICY` in settings. Django's admin (a `<style>` block on some change lists),
django-import-export's admin pages and our admin templates write inline styles; scripts stay `'self'` everywhere.
"""

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware as BaseCSPMiddleware

ADMIN_PREFIX = "/admin/"
INLINE_STYLES = {"style-src": [UNSAFE_INLINE]}


class CSPMiddleware(BaseCSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(ADMIN_PREFIX) and parts.update is None:
            parts.update = INLINE_STYLES
        return parts
