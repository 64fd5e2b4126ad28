from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from taskmanager.accounts.services import InvalidCredentials, token_create, token_revoke, user_register
from taskmanager.api.authentication import BearerTokenAuthentication
from taskmanager.api.serializers import (
    RegisterInputSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
    UserOutputSerializer,
)
from taskmanager.api.throttles import LoginRateThrottle


class TokenView(APIView):
    """POST exchanges a username and password for a token; DELETE revokes the token used."""

    authentication_classes = [BearerTokenAuthentication]

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_throttles(self):
        return [LoginRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(request=TokenInputSerializer, responses={200: TokenOutputSerializer, 429: None}, auth=[])
    def post(self, request):
        data = _valid(TokenInputSerializer, request)
        try:
            token, instance = token_create(request=request, **data)
        except InvalidCredentials:
            raise AuthenticationFailed("Invalid username or password.") from None
        return Response(TokenOutputSerializer({"token": token, "expiry": instance.expiry}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        if request.auth is None:
            raise NotAuthenticated("Send the token to revoke as a Bearer credential.")
        token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RegisterView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=RegisterInputSerializer, responses={201: UserOutputSerializer, 403: None})
    def post(self, request):
        if not settings.TASKMANAGER_ALLOW_SIGNUP:
            raise PermissionDenied("Sign-up is disabled on this server.")
        user = user_register(**_valid(RegisterInputSerializer, request))
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class MeView(APIView):
    @extend_schema(responses={200: UserOutputSerializer})
    def get(self, request):
        return Response(UserOutputSerializer(request.user).data)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
