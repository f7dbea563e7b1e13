"""Pages of the staff second factor: enter a code, set up the authenticator app, new recovery
codes. Thin: ``accounts.second_factor`` does the work."""

from __future__ import annotations

import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from . import second_factor


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code aus der Authenticator-App oder Wiederherstellungscode"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Staff enter the code of their authenticator app (or a recovery code)."""
    if not second_factor.has_second_factor(request.user):
        return redirect(f"/zweiter-faktor/einrichten/?next={_next(request)}")
    if request.method == "GET" and second_factor.request_verified(request):
        return HttpResponseRedirect(_next(request))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        device, message = second_factor.code_check(
            user=request.user, code=form.cleaned_data["code"]
        )
        if device is not None:
            second_factor.session_verify(request, device)
            return HttpResponseRedirect(_next(request))
        form.add_error("code", message)
        status = 429 if message == str(second_factor.CODE_LOCKED) else 400
    return render(
        request,
        "accounts/second_factor_verify.html",
        {
            "form": form,
            "next": _next(request),
            "has_passkey": second_factor.has_passkey(request.user),
        },
        status=status,
    )


def _qr_svg(device: TOTPDevice) -> str:
    out = io.BytesIO()
    write_qrcode_image(device.config_url, out)
    svg = out.getvalue().decode()
    svg = svg[svg.index("<svg") :]
    return svg.replace("<svg", '<svg role="img" aria-label="QR-Code für die Authenticator-App"', 1)


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: secret as text and QR code, confirmed with a first code;
    then the recovery codes, shown once. Replacing a device needs the current factor."""
    if second_factor.has_second_factor(request.user) and not second_factor.request_verified(
        request
    ):
        return redirect(f"/zweiter-faktor/?next={_next(request)}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None or request.method == "GET":
        device = second_factor.totp_enrol_start(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.totp_enrol_confirm(
            user=request.user, device=device, code=form.cleaned_data["code"]
        )
        if codes is not None:
            second_factor.session_verify(request, device)
            return render(
                request,
                "accounts/second_factor_codes.html",
                {"codes": codes, "next": _next(request)},
            )
        form.add_error("code", second_factor.CODE_WRONG)
    return render(
        request,
        "accounts/second_factor_enrol.html",
        {
            "form": form,
            "secret": second_factor.secret_b32(device),
            "qr": mark_safe(_qr_svg(device)),  # noqa: S308 - SVG made by qrcode from our own URL
            "next": _next(request),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working); needs the second factor."""
    if not second_factor.request_verified(request):
        return redirect("/zweiter-faktor/?next=/zweiter-faktor/wiederherstellungscodes/")
    if request.method == "POST":
        codes = second_factor.recovery_codes_new(user=request.user)
        return render(request, "accounts/second_factor_codes.html", {"codes": codes, "next": "/"})
    return render(request, "accounts/second_factor_recovery.html")
