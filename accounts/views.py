from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from . import lockout, selectors, services
from .forms import ProfileForm, RegistrationForm, ResidentPasswordResetForm
from .models import User
from .throttle import account_mail_allowed, client_ip

TOO_MANY = _("Zu viele Anfragen für diese Adresse. Bitte versuchen Sie es in einer Stunde erneut.")


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-Mail-Adresse"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    error_messages = {
        # The same answer whether or not an account exists (and for a deactivated one, unless
        # the password was right: see clean()).
        "invalid_login": _(
            "E-Mail-Adresse oder Passwort ist falsch. Bitte prüfen Sie beide Angaben "
            "(beim Passwort zählt die Gross- und Kleinschreibung)."
        ),
        "inactive": _(
            "Dieses Konto ist deaktiviert. Bitte wenden Sie sich an die Gemeindeverwaltung."
        ),
        "unverified": _(
            "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse mit dem Link, den wir Ihnen "
            "geschickt haben. Keine E-Mail erhalten? Registrieren Sie sich erneut."
        ),
    }

    retry_after = 0

    def clean_username(self) -> str:
        return self.cleaned_data["username"].lower()

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and self.cleaned_data.get("password"):
            # Too many failures for this account from all addresses: not even tried (no
            # password check, no axes record) until the short wait is over.
            self.retry_after = lockout.slowdown_wait(request=self.request, username=username)
            if self.retry_after:
                raise ValidationError(lockout.slowdown_message(self.retry_after), code="slowed")
        try:
            return super().clean()
        except ValidationError:
            # Only someone who knows the password learns that the address awaits verification
            # or that the account is deactivated; never while django-axes has locked it out.
            if getattr(self.request, "axes_locked_out", False):
                raise
            email = self.cleaned_data.get("username", "")
            password = self.cleaned_data.get("password") or ""
            if selectors.registration_pending(email=email, password=password):
                raise ValidationError(
                    self.error_messages["unverified"], code="unverified"
                ) from None
            if selectors.account_deactivated(email=email, password=password):
                raise ValidationError(self.error_messages["inactive"], code="inactive") from None
            raise


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        """Without ``next``: clerks and administrators land in the back office's inbox
        (``settings.BACKOFFICE_HOME_URL``), residents on the commune's start page."""
        if self.request.user.role in (User.Role.CLERK, User.Role.ADMIN):
            return resolve_url(settings.BACKOFFICE_HOME_URL)
        return super().get_default_redirect_url()

    def form_valid(self, form):
        response = super().form_valid(form)
        lockout.device_remember(self.request, response, username=form.get_user().get_username())
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.retry_after:
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "provider": settings.OIDC["name"]}


@require_http_methods(["GET", "POST"])
def register(request):
    """Open a resident account; it stays inactive until the e-mail link is followed."""
    if request.user.is_authenticated:
        return redirect("profile")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not account_mail_allowed(email=form.cleaned_data["email"], client_ip=client_ip(request)):
            form.add_error(None, TOO_MANY)
            return render(request, "accounts/register.html", {"form": form}, status=429)
        services.resident_register(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            base_url=request.build_absolute_uri("/"),
        )
        return redirect("register-done")
    return render(request, "accounts/register.html", {"form": form})


@require_http_methods(["GET", "POST"])
def login_unlock(request, token: str):
    """The link of the lockout notice: shows a button (mail scanners only GET), which clears the
    account's login failures and lets this browser skip the slow-down."""
    user = lockout.unlock_user(token=token)
    if user is None:
        return render(request, "accounts/unlock.html", {"invalid": True}, status=400)
    if request.method == "GET":
        return render(request, "accounts/unlock.html", {"invalid": False})
    lockout.unlock(user=user)
    messages.success(request, _("Die Sperre ist aufgehoben. Sie können sich jetzt anmelden."))
    response = redirect("login")
    lockout.device_remember(request, response, username=user.email)
    return response


def register_done(request):
    return render(request, "accounts/register_done.html")


def register_verify(request, token: str):
    """Follow the link of the verification e-mail."""
    try:
        services.resident_verify_email(token=token)
    except services.VerificationError as exc:
        return render(request, "accounts/register_invalid.html", {"reason": exc.code}, status=400)
    messages.success(
        request, _("Ihre E-Mail-Adresse ist bestätigt. Sie können sich jetzt anmelden.")
    )
    return redirect("login")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """Show and edit the resident's identity data."""
    source = selectors.profile_verified_source(request.user)
    initial = selectors.profile_for(request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, initial=initial, verified_source=source)
        if form.is_valid():
            try:
                services.profile_update(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Ihre Angaben wurden gespeichert."))
                return redirect("profile")
    else:
        form = ProfileForm(initial=initial, verified_source=source)
    return render(request, "accounts/profile.html", {"form": form, "email": request.user.email})


class PasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form):
        if not account_mail_allowed(
            email=form.cleaned_data["email"], client_ip=client_ip(self.request)
        ):
            form.add_error(None, TOO_MANY)
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


password_reset = PasswordResetView.as_view(
    form_class=ResidentPasswordResetForm,
    template_name="accounts/password_reset_form.html",
    success_url=reverse_lazy("password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A new password; it revokes every API token of the account (``User.save``). For a
    registration still awaiting verification (link from the notice of a second registration)
    it also verifies the account: the link proved the mailbox."""

    def form_valid(self, form):
        response = super().form_valid(form)
        services.resident_activate_after_reset(user=form.user)
        return response


password_reset_confirm = PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("password_reset_complete"),
)
password_change = login_required(
    auth_views.PasswordChangeView.as_view(
        template_name="accounts/password_change.html",
        success_url=reverse_lazy("password_change_done"),
    )
)
password_change_done = login_required(
    auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
