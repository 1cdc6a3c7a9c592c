"""A router whose routes answer with and without a trailing slash, without redirecting (API.md § Conventions)."""

from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    def __init__(self):
        super().__init__(trailing_slash=False)
        self.trailing_slash = "/?"
