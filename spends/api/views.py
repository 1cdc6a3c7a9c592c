"""Project-level endpoints: health, authentication (API.md § Health, § Authentication, § Browser sessions)."""

import logging

from django.contrib.auth import authenticate, login, logout
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from spends.api.exceptions import json_error
from spends.api.parsers import SafeJSONParser
from spends.api.serializers import (
    CredentialsSerializer,
    ErrorSerializer,
    TokenSerializer,
    UserSerializer,
)

logger = logging.getLogger(__name__)

ERRORS_400 = OpenApiResponse(ErrorSerializer, description="Wrong credentials or malformed body.")
ERROR_401 = OpenApiResponse(ErrorSerializer, description="Not signed in.")
ERROR_429 = OpenApiResponse(ErrorSerializer, description="Too many attempts.")


class CredentialsView(APIView):
    """Shared by the token and login endpoints: JSON only, so a cross-site HTML form cannot post here."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [SafeJSONParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    def authenticated_user(self, request):
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request, **serializer.validated_data)
        if user is None:
            raise ValidationError({"non_field_errors": ["Unable to sign in with the provided credentials."]})
        return user


class TokenView(CredentialsView):
    @extend_schema(
        tags=["auth"],
        summary="Obtain an API token",
        request=CredentialsSerializer,
        responses={200: TokenSerializer, 400: ERRORS_400, 429: ERROR_429},
    )
    def post(self, request):
        user = self.authenticated_user(request)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class LoginView(CredentialsView):
    @extend_schema(
        tags=["auth"],
        summary="Sign in with a session (browser clients)",
        request=CredentialsSerializer,
        responses={200: UserSerializer, 400: ERRORS_400, 429: ERROR_429},
    )
    def post(self, request):
        user = self.authenticated_user(request)
        login(request, user)
        return Response(UserSerializer(user).data)


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["auth"], summary="Sign out", request=None, responses={204: None, 401: ERROR_401})
    def post(self, request):
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@method_decorator(ensure_csrf_cookie, name="dispatch")
class MeView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_me"

    @extend_schema(
        tags=["auth"],
        summary="The signed-in user (also sets the csrftoken cookie)",
        responses={200: UserSerializer, 401: ERROR_401},
    )
    def get(self, request):
        return Response(UserSerializer(request.user).data)


@csrf_exempt  # a 404 must not turn into a CSRF 403 for unsafe methods: nothing here reads or writes anything
def api_not_found(request, *args, **kwargs):
    """Last URL pattern under /api/: unknown paths get the JSON 404 in every mode (DEBUG bypasses handler404)."""
    return json_error(404, "Not found.")
