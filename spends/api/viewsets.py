"""The base viewset for a household's records: scoping, the role check, pagination, filtering and UUID lookups in
one place."""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated

from spends.api.pagination import SkipLimitPagination
from spends.api.scope import READ_ONLY_MESSAGE, request_scope

# A path id that is not a UUID does not match the route, so the catch-all answers 404 (never a 400 or 500).
UUID_REGEX = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


class UUIDLookupMixin:
    lookup_value_regex = UUID_REGEX


class HouseholdWritePermission(BasePermission):
    """Every member reads; writes need a role that may write (OWNER, EDITOR). A VIEWER gets 403 on every write.
    A view marks a POST that changes nothing (an import's dry run) with `is_read_only_request(request)`."""

    message = READ_ONLY_MESSAGE

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        read_only = getattr(view, "is_read_only_request", None)
        if read_only is not None and read_only(request):
            return True
        return request_scope(request).can_write


class ScopedViewMixin:
    """`self.scope` is the caller's household and role (one query per request, kept on the request)."""

    @property
    def scope(self):
        return request_scope(self.request)


class ScopedModelViewSet(ScopedViewMixin, UUIDLookupMixin, viewsets.ModelViewSet):
    """Subclasses return the household's rows from a selector in `scoped_queryset(household_id)`; nothing else can
    leak through. `get_queryset` is final here: it answers `.none()` while drf-spectacular generates the schema and
    for anonymous callers, so a subclass cannot forget the scoping. Writes need a writing role."""

    permission_classes = [IsAuthenticated, HouseholdWritePermission]
    pagination_class = SkipLimitPagination
    filter_backends = [DjangoFilterBackend]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def scoped_queryset(self, household_id):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or not self.request.user.is_authenticated:
            return self.queryset.none()
        return self.scoped_queryset(self.scope.household_id)

    def filter_queryset(self, queryset):
        # A detail route finds its row by id; the list's query filters do not apply there (API.md lists them under
        # the list endpoints). Building and validating a FilterSet for every detail request cost ~1.3 ms (#10).
        if self.detail:
            return queryset
        return super().filter_queryset(queryset)
