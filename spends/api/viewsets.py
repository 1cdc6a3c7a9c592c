"""The base viewset for records a user owns: scoping, pagination, filtering and UUID lookups in one place."""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from spends.api.pagination import SkipLimitPagination

# A path id that is not a UUID does not match the route, so the catch-all answers 404 (never a 400 or 500).
UUID_REGEX = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


class UUIDLookupMixin:
    lookup_value_regex = UUID_REGEX


class OwnedModelViewSet(UUIDLookupMixin, viewsets.ModelViewSet):
    """Subclasses return the caller's rows from a selector in `owned_queryset`; nothing else can leak through.

    `get_queryset` is final here: it answers `.none()` while drf-spectacular generates the schema and for
    anonymous callers, so a subclass cannot forget owner scoping.
    """

    permission_classes = [IsAuthenticated]
    pagination_class = SkipLimitPagination
    filter_backends = [DjangoFilterBackend]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def owned_queryset(self, owner):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or not self.request.user.is_authenticated:
            return self.queryset.none()
        return self.owned_queryset(self.request.user)

    def filter_queryset(self, queryset):
        # A detail route finds its row by id; the list's query filters do not apply there (API.md lists them under
        # the list endpoints). Building and validating a FilterSet for every detail request cost ~1.3 ms (#10).
        if self.detail:
            return queryset
        return super().filter_queryset(queryset)
