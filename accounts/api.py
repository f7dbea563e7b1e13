from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(label=_("E-Mail-Adresse"))
    password = serializers.CharField(label=_("Passwort"), trim_whitespace=False)


class TokenView(APIView):
    """Exchange e-mail and password for an API token of this commune."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request,
            username=data.validated_data["email"].lower(),
            password=data.validated_data["password"],
        )
        if getattr(request, "axes_locked_out", False):
            return Response(
                {
                    "detail": _(
                        "Zu viele fehlgeschlagene Anmeldungen. Bitte später erneut versuchen."
                    )
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None:
            return Response(
                {"detail": _("E-Mail-Adresse oder Passwort ist falsch.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    role = serializers.CharField()


class MeView(APIView):
    """The signed-in user of this commune."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)
