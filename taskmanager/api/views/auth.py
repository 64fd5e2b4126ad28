from contextlib import contextmanager

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import (
    APIException,
    AuthenticationFailed,
    NotAuthenticated,
    PermissionDenied,
    Throttled,
)
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from taskmanager.accounts.limits import HashingBusy, Limited
from taskmanager.accounts.preferences import preferences_update
from taskmanager.accounts.services import (
    InvalidCredentials,
    token_create,
    token_revoke,
    token_revoke_all,
    user_register,
)
from taskmanager.api.authentication import BearerTokenAuthentication
from taskmanager.api.serializers import (
    MeInputSerializer,
    MeOutputSerializer,
    RegisterInputSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
    UserOutputSerializer,
)
from taskmanager.config.client_address import client_address


class PasswordChecksBusy(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_detail = "The server is busy checking other passwords. Try again in a moment."

    def __init__(self, wait: int):
        super().__init__()
        self.wait = wait  # DRF sends it as Retry-After


@contextmanager
def password_limits_as_api_errors():
    try:
        yield
    except Limited as refusal:
        raise Throttled(wait=refusal.retry_after, detail=str(refusal)) from None
    except HashingBusy as busy:
        raise PasswordChecksBusy(wait=busy.retry_after) from None


class TokenView(APIView):
    """POST exchanges a username and password for a token; DELETE revokes the token used."""

    authentication_classes = [BearerTokenAuthentication]

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(request=TokenInputSerializer, responses={200: TokenOutputSerializer, 429: None}, auth=[])
    def post(self, request):
        data = _valid(TokenInputSerializer, request)
        try:
            with password_limits_as_api_errors():
                token, instance = token_create(request=request, client=client_address(request), **data)
        except InvalidCredentials:
            raise AuthenticationFailed("Invalid username or password.") from None
        return Response(TokenOutputSerializer({"token": token, "expiry": instance.expiry}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        if request.auth is None:
            raise NotAuthenticated("Send the token to revoke as a Bearer credential.")
        token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenCollectionView(APIView):
    """DELETE revokes every token of the caller: "log out everywhere"."""

    authentication_classes = [BearerTokenAuthentication]

    @extend_schema(
        request=None,
        responses={204: None},
        summary="Log out everywhere",
        description="Revokes every token of the caller, the one sent included, on every device.",
    )
    def delete(self, request):
        token_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RegisterView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=RegisterInputSerializer, responses={201: UserOutputSerializer, 403: None, 429: None}
    )
    def post(self, request):
        if not settings.TASKMANAGER_ALLOW_SIGNUP:
            raise PermissionDenied("Sign-up is disabled on this server.")
        data = _valid(RegisterInputSerializer, request)
        with password_limits_as_api_errors():
            user = user_register(client=client_address(request), **data)
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class MeView(APIView):
    @extend_schema(responses={200: MeOutputSerializer})
    def get(self, request):
        return Response(MeOutputSerializer(request.user).data)

    @extend_schema(request=MeInputSerializer, responses={200: MeOutputSerializer})
    def patch(self, request):
        preferences_update(user=request.user, **_valid(MeInputSerializer, request))
        return Response(MeOutputSerializer(request.user).data)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
