"""Login through the identity provider (AGOV / e-ID) on every host: start, callback, linking an
existing e-mail account, logout at the provider too. Thin: the work is in ``accounts.oidc``
(protocol) and ``accounts.logins`` (accounts and sessions)."""

from __future__ import annotations

import time

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from . import logins, oidc
from .levels import AuthLevel
from .models import User
from .oidc import LoginFailed, ProviderIdentity

SESSION_NEXT = "portal_identity_next"
# A pending first login waits this long for the person to link or create an account.
PENDING_SECONDS = 600


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return "/"


def _failure(request: HttpRequest, failure: LoginFailed) -> HttpResponse:
    status = 503 if failure.code == "unavailable" else 400
    return render(
        request,
        "accounts/identity_error.html",
        {"message": failure.message, "code": failure.code},
        status=status,
    )


@require_GET
def identity_login(request: HttpRequest) -> HttpResponse:
    """Start a provider login; ``?stufe=verified|eid`` asks for that quality (step-up)."""
    next_url = _safe_next(request, request.GET.get("next"))
    level = request.GET.get("stufe") or ""
    if level not in AuthLevel.values:
        level = ""
    request.session[SESSION_NEXT] = next_url
    try:
        return oidc.authorize_redirect(
            request,
            redirect_uri=request.build_absolute_uri(reverse("oidc-callback")),
            level=level or None,
            prompt="login" if level else "",
        )
    except LoginFailed as failure:
        return _failure(request, failure)


def _finish(request: HttpRequest, user: User, identity: ProviderIdentity) -> HttpResponse:
    login = logins.identity_login_record(user=user, identity=identity)
    logins.session_login(request, user=user, login=login, id_token=identity.id_token)
    return HttpResponseRedirect(request.session.pop(SESSION_NEXT, "/"))


@require_GET
def identity_callback(request: HttpRequest) -> HttpResponse:
    """The provider's answer: check it, then log the person's account of this host in (new on
    the first login; a matching e-mail account is offered for linking, never merged)."""
    try:
        identity = oidc.identity_from_callback(request)
    except LoginFailed as failure:
        return _failure(request, failure)
    user = logins.account_for_identity(identity=identity)
    if user is not None:
        if not user.is_active:
            return _failure(request, LoginFailed("provider_error", error="Konto deaktiviert"))
        return _finish(request, user, identity)
    if logins.link_candidate_exists(identity=identity):
        request.session[logins.SESSION_PENDING] = {
            "identity": logins.identity_to_session(identity),
            "until": time.time() + PENDING_SECONDS,
        }
        return redirect("identity-link")
    return _finish(request, logins.account_create_for_identity(identity=identity), identity)


class LinkForm(forms.Form):
    email = forms.EmailField(
        label=_("E-Mail-Adresse des bestehenden Kontos"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Passwort des bestehenden Kontos"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


@require_http_methods(["GET", "POST"])
def identity_link(request: HttpRequest) -> HttpResponse:
    """First provider login where an e-mail account with the same address exists: link it by
    its password, or continue with a new account."""
    pending = request.session.get(logins.SESSION_PENDING) or {}
    if not pending or pending.get("until", 0) < time.time():
        request.session.pop(logins.SESSION_PENDING, None)
        return _failure(request, LoginFailed("state"))
    identity = logins.identity_from_session(pending["identity"])
    form = LinkForm(initial={"email": identity.email})
    if request.method == "POST":
        if request.POST.get("action") == "new":
            request.session.pop(logins.SESSION_PENDING, None)
            user = logins.account_create_for_identity(identity=identity)
            return _finish(request, user, identity)
        form = LinkForm(request.POST)
        if form.is_valid():
            try:
                user = logins.account_link(
                    identity=identity,
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password"],
                )
            except logins.LinkFailed as exc:
                form.add_error(None, exc.message)
            else:
                request.session.pop(logins.SESSION_PENDING, None)
                return _finish(request, user, identity)
    return render(
        request,
        "accounts/identity_link.html",
        {"form": form, "provider": settings.OIDC["name"]},
        status=400 if form.errors else 200,
    )


def public_login(request: HttpRequest) -> HttpResponse:
    """The public host's login page: residents log in through the provider only."""
    if request.user.is_authenticated:
        return redirect(_safe_next(request, request.GET.get("next")))
    return render(
        request,
        "accounts/public_login.html",
        {"next": _safe_next(request, request.GET.get("next")), "provider": settings.OIDC["name"]},
    )


class LogoutView(auth_views.LogoutView):
    """Log out here and, after a provider login, at the provider too (RP-initiated logout)."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get(logins.SESSION_ID_TOKEN, "")
        response = super().post(request, *args, **kwargs)
        if id_token:
            url = oidc.logout_url(
                id_token=id_token, post_logout_redirect_uri=request.build_absolute_uri("/")
            )
            if url:
                return HttpResponseRedirect(url)
        return response
