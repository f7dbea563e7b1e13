from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import lockout, logins, second_factor, selectors, services
from .models import Sex
from .selectors import SEX_INVALID
from .throttle import ClientScopedRateThrottle


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(label=_("E-Mail-Adresse"))
    password = serializers.CharField(label=_("Passwort"), trim_whitespace=False)
    otp = serializers.CharField(
        label=_("Code des zweiten Faktors"),
        required=False,
        allow_blank=True,
        help_text="staff only: TOTP code or a recovery code",
    )


class TokenView(APIView):
    """Exchange e-mail and password for an API token of this commune."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer(
                "TokenResponse",
                {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
            )
        },
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wait = lockout.slowdown_wait(request=request, username=data.validated_data["email"])
        if wait:
            return Response(
                {"detail": lockout.slowdown_message(wait)},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(wait)},
            )
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
        verified = False
        if second_factor.is_staff_account(user):
            device, message = second_factor.code_check(
                user=user, code=data.validated_data.get("otp", "")
            )
            if device is None:
                return Response(
                    {"otp": [message], "detail": str(second_factor.STAFF_API_REFUSED)},
                    status=status.HTTP_403_FORBIDDEN,
                )
            verified = True
        key, token = logins.token_issue(
            user=user, context=logins.PASSWORD_LOGIN, label="API", second_factor=verified
        )
        return Response({"token": key, "expires_at": token.expires_at})


class TokenItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    prefix = serializers.CharField(help_text="the first 8 characters of the key")
    label = serializers.CharField()
    level = serializers.CharField(help_text="login quality the token was issued for")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class TokenListView(APIView):
    """The signed-in user's API tokens that still work; DELETE ``{id}/`` revokes one."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=TokenItemSerializer(many=True))
    def get(self, request):
        return Response(
            TokenItemSerializer(logins.tokens_active(user=request.user), many=True).data
        )


class TokenRevokeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None, 404: None})
    def delete(self, request, token_id: int):
        if not logins.tokens_revoke(user=request.user, token_id=token_id):
            return Response({"detail": _("Kein solches Token.")}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutApiView(APIView):
    """Revoke the token this request carries (API logout)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        token = getattr(request.user, "api_token", None)
        if token is not None:
            logins.tokens_revoke(user=request.user, token_id=token.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


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


class ProfileSerializer(serializers.Serializer):
    first_name = serializers.CharField(allow_blank=True, max_length=150)
    last_name = serializers.CharField(allow_blank=True, max_length=150)
    date_of_birth = serializers.DateField(allow_null=True, required=False)
    ahv_number = serializers.CharField(
        allow_blank=True, max_length=20, help_text="756.XXXX.XXXX.XX"
    )
    sex = serializers.ChoiceField(
        choices=[("", "keine Angabe"), *Sex.choices],
        allow_blank=True,
        required=False,
        help_text='Geschlecht (amtlich), eCH-0044: "1" männlich, "2" weiblich, "" keine Angabe',
        error_messages={"invalid_choice": SEX_INVALID},
    )
    street = serializers.CharField(allow_blank=True, max_length=100)
    house_number = serializers.CharField(allow_blank=True, max_length=12, required=False)
    postcode = serializers.CharField(allow_blank=True, max_length=10)
    town = serializers.CharField(allow_blank=True, max_length=100)
    phone = serializers.CharField(allow_blank=True, max_length=30, required=False)
    email = serializers.EmailField(read_only=True)


class ProfileView(APIView):
    """The signed-in user's identity data; PUT replaces it (all required fields at once)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ProfileSerializer)
    def get(self, request):
        data = selectors.profile_for(request.user)
        data["date_of_birth"] = data["date_of_birth"] or None
        return Response(ProfileSerializer(data).data)

    @extend_schema(request=ProfileSerializer, responses=ProfileSerializer)
    def put(self, request):
        incoming = ProfileSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        values = {"house_number": "", "phone": "", "date_of_birth": None, "sex": ""}
        values.update(incoming.validated_data)
        services.profile_update(user=request.user, **values)
        return self.get(request)
