"""Project-level endpoints: health, authentication (API.md § Health, § Authentication, § Browser sessions)."""

import logging

from django.contrib.auth import authenticate, login, logout
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from spends import lockout, tokens
from spends.api.exceptions import json_error
from spends.api.parsers import SafeJSONParser
from spends.api.serializers import (
    CredentialsSerializer,
    ErrorSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UserSerializer,
)
from spends.api.throttling import ScopedClientThrottle, SignInAddressThrottle, SignInUsernameThrottle

logger = logging.getLogger(__name__)

ERRORS_400 = OpenApiResponse(ErrorSerializer, description="Wrong credentials or malformed body.")
ERROR_401 = OpenApiResponse(ErrorSerializer, description="Not signed in.")
ERROR_429 = OpenApiResponse(
    ErrorSerializer,
    description="Too many attempts from this address or for this username, or the sign-in is locked out (throttled).",
)


class CredentialsView(APIView):
    """Shared by the token and login endpoints: JSON only, so a cross-site HTML form cannot post here.

    Throttled per client address and per username (spends.api.throttling); a username or address locked out after
    repeated failures (django-axes, spends.lockout) is 429 as well, before its password is even checked.
    """

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [SafeJSONParser]
    throttle_classes = [SignInAddressThrottle, SignInUsernameThrottle]
    serializer_class = CredentialsSerializer

    def authenticated_user(self, request):
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(request, username=data["username"], password=data["password"])
        if user is None and lockout.is_locked_out(request):
            raise Throttled(wait=lockout.retry_after(request), detail=lockout.MESSAGE)
        if user is None:
            raise ValidationError({"non_field_errors": ["Unable to sign in with the provided credentials."]})
        return user, data


class TokenView(CredentialsView):
    serializer_class = TokenRequestSerializer

    @extend_schema(
        tags=["auth"],
        summary="Obtain a new API token",
        description="Every successful call issues a NEW token (optionally named). Only a hash of it is stored, so the "
        "key is shown in this answer only; list and revoke tokens with /api/auth/tokens.",
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, 400: ERRORS_400, 429: ERROR_429},
    )
    def post(self, request):
        user, data = self.authenticated_user(request)
        _, key = tokens.token_issue(user=user, name=data.get("name", ""))
        return Response({"token": key})


class LoginView(CredentialsView):
    @extend_schema(
        tags=["auth"],
        summary="Sign in with a session (browser clients)",
        request=CredentialsSerializer,
        responses={200: UserSerializer, 400: ERRORS_400, 429: ERROR_429},
    )
    def post(self, request):
        user, _ = self.authenticated_user(request)
        login(request, user)
        return Response(UserSerializer(user, context={"request": request}).data)


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["auth"], summary="Sign out", request=None, responses={204: None, 401: ERROR_401})
    def post(self, request):
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@method_decorator(ensure_csrf_cookie, name="dispatch")
class MeView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedClientThrottle]
    throttle_scope = "auth_me"

    @extend_schema(
        tags=["auth"],
        summary="The signed-in user (also sets the csrftoken cookie)",
        responses={200: UserSerializer, 401: ERROR_401},
    )
    def get(self, request):
        return Response(UserSerializer(request.user, context={"request": request}).data)


@csrf_exempt  # a 404 must not turn into a CSRF 403 for unsafe methods: nothing here reads or writes anything
def api_not_found(request, *args, **kwargs):
    """Last URL pattern under /api/: unknown paths get the JSON 404 in every mode (DEBUG bypasses handler404)."""
    return json_error(404, "Not found.")
