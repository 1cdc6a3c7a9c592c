"""The caller's household, its invites and members (API.md § Version 2 → Households). Reads via selectors, writes via
services; the scope (household and role) comes from the scoped plumbing, once per request."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from households import selectors, services
from households.choices import Role
from households.models import Invite, Membership
from spends.api.pagination import SkipLimitPagination
from spends.api.scope import request_scope
from spends.api.serializers import ErrorSerializer, MeUpdateSerializer, UserSerializer
from spends.api.views import MeView as BaseMeView
from spends.api.viewsets import ScopedViewMixin

from .serializers import (
    HouseholdJoinedSerializer,
    HouseholdSerializer,
    HouseholdUpdateSerializer,
    InviteCreatedSerializer,
    InviteCreateSerializer,
    InviteSerializer,
    JoinSerializer,
    MemberRoleSerializer,
    MemberSerializer,
)

TAGS = ["household"]
ERROR_403 = OpenApiResponse(ErrorSerializer, description="Only an owner of the household may (permission_denied).")
ERROR_409 = OpenApiResponse(
    ErrorSerializer, description="The household would be left without an owner (conflict); nothing changed."
)
ALL_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


class IsHouseholdOwner(BasePermission):
    """The methods a view lists in `owner_methods` (all by default) need the OWNER role in the caller's household."""

    message = "Only an owner of the household may manage its name, members and invites."

    def has_permission(self, request, view):
        if request.method not in getattr(view, "owner_methods", ALL_METHODS):
            return True
        return request_scope(request).role == Role.OWNER


class HouseholdAPIView(ScopedViewMixin, APIView):
    permission_classes = [IsAuthenticated, IsHouseholdOwner]

    def household_response(self, serializer_class=HouseholdSerializer, *, household_id=None, my_role=None, **extra):
        household = selectors.household_get(household_id=household_id or self.scope.household_id)
        return Response(serializer_class.represent(household, my_role=my_role or self.scope.role, **extra))


class HouseholdView(HouseholdAPIView):
    owner_methods = frozenset({"PATCH"})

    @extend_schema(
        tags=TAGS, summary="Your household: its name, your role and its members", responses=HouseholdSerializer
    )
    def get(self, request):
        return self.household_response()

    @extend_schema(
        tags=TAGS,
        summary="Rename your household (owner)",
        description="`name` is trimmed, 1..100 characters.",
        request=HouseholdUpdateSerializer,
        responses={200: HouseholdSerializer, 403: ERROR_403},
    )
    def patch(self, request):
        body = HouseholdUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if "name" in body.validated_data:
            services.household_rename(household_id=self.scope.household_id, name=body.validated_data["name"])
        return self.household_response()


class InviteListView(ScopedViewMixin, mixins.ListModelMixin, generics.GenericAPIView):
    permission_classes = [IsAuthenticated, IsHouseholdOwner]
    pagination_class = SkipLimitPagination
    filter_backends = []
    serializer_class = InviteSerializer
    queryset = Invite.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.invite_pending_list(household_id=self.scope.household_id)

    @extend_schema(
        tags=TAGS,
        summary="Your household's pending invites (owner)",
        description='Unused, unexpired invites, newest first. The codes are masked (prefix + "…"): a code is '
        "shown in full only when it is created.",
        responses={200: InviteSerializer(many=True), 403: ERROR_403},
    )
    def get(self, request):
        return self.list(request)

    @extend_schema(
        tags=TAGS,
        summary="Create an invite code (owner)",
        description="A single-use code that lets one user join this household in `role`; it expires after "
        "HOUSEHOLD_INVITE_DAYS (7) days. The code is shown in this answer only.",
        request=InviteCreateSerializer,
        responses={201: InviteCreatedSerializer, 403: ERROR_403},
    )
    def post(self, request):
        body = InviteCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        invite, code = services.invite_create(
            household_id=self.scope.household_id, role=body.validated_data["role"], created_by=request.user
        )
        data = InviteCreatedSerializer({"code": code, "role": invite.role, "expires_at": invite.expires_at}).data
        return Response(data, status=status.HTTP_201_CREATED)


class InviteDetailView(HouseholdAPIView):
    @extend_schema(
        tags=TAGS,
        summary="Revoke an invite (owner)",
        description="`code` is the full code or its public prefix as shown in the list (with or without the "
        'trailing "…"). An unknown code, or one already used, → 404.',
        parameters=[OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH)],
        request=None,
        responses={204: None, 403: ERROR_403},
    )
    def delete(self, request, code):
        if not services.invite_revoke(household_id=self.scope.household_id, code=code):
            raise NotFound("No pending invite of your household has this code.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class JoinView(HouseholdAPIView):
    owner_methods = frozenset()

    @extend_schema(
        tags=TAGS,
        summary="Join a household with an invite code",
        description="Answers the new household, plus `moved` (an addition to API.md: the records moved, by kind). "
        "`bring_data` defaults to false. A used, expired or unknown code, or one of your own household → 400 on "
        "`code`. 409 when you are the last owner of a household that keeps other members.",
        request=JoinSerializer,
        responses={200: HouseholdJoinedSerializer, 409: ERROR_409},
    )
    def post(self, request):
        body = JoinSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        household, moved = services.household_join(user=request.user, **body.validated_data)
        membership = Membership.objects.only("role").get(user=request.user)
        return self.household_response(
            HouseholdJoinedSerializer, household_id=household.pk, my_role=membership.role, moved=moved
        )


USER_ID = OpenApiParameter("user_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The member's user id.")


class MemberView(HouseholdAPIView):
    owner_methods = frozenset({"PATCH"})

    @extend_schema(
        tags=TAGS,
        summary="Change a member's role (owner)",
        description="Answers the member. Demoting the household's last owner → 409. A user who is not a member of "
        "your household → 404.",
        parameters=[USER_ID],
        request=MemberRoleSerializer,
        responses={200: MemberSerializer, 403: ERROR_403, 409: ERROR_409},
    )
    def patch(self, request, user_id):
        # Another household's member is a 404 whatever the body says (nothing about them is revealed by a 400).
        if not Membership.objects.filter(household_id=self.scope.household_id, user_id=int(user_id)).exists():
            raise NotFound("This user is not a member of your household.")
        body = MemberRoleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            membership = services.membership_role_set(
                household_id=self.scope.household_id, user_id=int(user_id), role=body.validated_data["role"]
            )
        except Membership.DoesNotExist:
            raise NotFound("This user is not a member of your household.") from None
        return Response(MemberSerializer(membership).data)

    @extend_schema(
        tags=TAGS,
        summary="Remove a member (owner), or leave (yourself)",
        description="The member removed, or leaving, gets a new empty personal household; the records stay with "
        "this household. Removing the last owner → 409.",
        parameters=[USER_ID],
        request=None,
        responses={204: None, 403: ERROR_403, 409: ERROR_409},
    )
    def delete(self, request, user_id):
        user_id = int(user_id)
        if user_id != request.user.pk and self.scope.role != Role.OWNER:
            self.permission_denied(request, message=IsHouseholdOwner.message)
        try:
            services.membership_remove(household_id=self.scope.household_id, user_id=user_id)
        except Membership.DoesNotExist:
            raise NotFound("This user is not a member of your household.") from None
        return Response(status=status.HTTP_204_NO_CONTENT)


HOME_CURRENCY_OWNER_ONLY = (
    "Only an owner of the household may change its home currency: it converts every member's totals."
)


class MeView(BaseMeView):
    """`GET /api/auth/me` (spends.api.views) and its PATCH: the caller's email and home currency, which is their
    household's (API.md § Currencies): setting it re-converts the household's purchases (households.services)."""

    @extend_schema(
        tags=["auth"],
        summary="Change your email or your household's home currency",
        description=(
            "`email`: yours (blank clears it). `home_currency`: your household's, so every member's totals are "
            "converted to it; only an owner may change it (403 otherwise). Every purchase whose rate is not MANUAL "
            "gets the reference rate of its day in the new currency, in one transaction; MANUAL rates are kept. "
            "Answers the user object, as GET does."
        ),
        request=MeUpdateSerializer,
        responses={200: UserSerializer, 400: OpenApiResponse(ErrorSerializer), 403: ERROR_403},
    )
    def patch(self, request):
        body = MeUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scope = request_scope(request)
        home_currency = body.validated_data.get("home_currency")
        if home_currency is not None and home_currency != scope.home_currency and scope.role != Role.OWNER:
            raise PermissionDenied(HOME_CURRENCY_OWNER_ONLY)
        services.me_update(
            user=request.user,
            household_id=scope.household_id,
            email=body.validated_data.get("email"),
            home_currency=home_currency,
        )
        request._spends_scope = None  # the home currency may have changed: resolve the scope again
        return Response(UserSerializer(request.user, context={"request": request}).data)
