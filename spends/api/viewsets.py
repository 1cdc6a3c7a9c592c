"""The base viewset for a household's records: scoping, the role check, pagination, filtering and UUID lookups in
one place."""

from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response

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
    # A lean GET path (issue #24, decision 3), or None for DRF's generic one. A module or object with
    # `rows(queryset)`: a page of the scoped, filtered queryset as plain rows (the paginator counts the queryset
    # itself); `render(page)`: the page's objects, as the serializer would give them (the schema is still the
    # serializer's); `get(household_id=, pk=)`: the household's object `pk`, or None. The scoping and the permissions
    # stay here: the list reads get_queryset(), the detail the caller's household from the same scope, after the same
    # permission checks. Optionally `page(view, request)`: a list's page read its own way, with the paginator's count,
    # skip and limit set (paginator.counted), or None for the way above.
    reader = None

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

    def list(self, request, *args, **kwargs):
        if self.reader is None:
            return super().list(request, *args, **kwargs)
        prepared = getattr(self.reader, "page", None)
        items = None if prepared is None else prepared(self, request)
        if items is not None:
            return self.get_paginated_response(items)
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginator.paginate_queryset(queryset, request, view=self, rows=self.reader.rows)
        return self.get_paginated_response(self.reader.render(page))

    def retrieve(self, request, *args, **kwargs):
        if self.reader is None:
            return super().retrieve(request, *args, **kwargs)
        if not request.user.is_authenticated:  # never reached past IsAuthenticated; kept as get_queryset keeps it
            raise NotAuthenticated
        found = self.reader.get(
            household_id=self.scope.household_id, pk=self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        )
        if found is None:
            raise Http404
        return Response(found)
