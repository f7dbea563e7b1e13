"""Users: cantonal staff in the public schema, commune administrators, clerks and residents in
each commune's schema. One model, e-mail as the login."""

import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.crypto import EncryptedJSONField, EncryptedTextField, keyed_hash

from .validators import (
    ahv_normalize,
    validate_ahv_number,
    validate_date_of_birth,
    validate_phone,
    validate_swiss_postcode,
)


class PortalUserManager(UserManager):
    def _create_user(self, username, email, password, **extra_fields):
        email = self.normalize_email(email or username).lower()
        return super()._create_user(email, email, password, **extra_fields)

    def create_user(self, email=None, password=None, **extra_fields):
        return super().create_user(email, email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", User.Role.ADMIN)
        return super().create_superuser(email, email, password, **extra_fields)


class User(AbstractUser):
    class Role(models.TextChoices):
        CANTON = "canton", _("Kantonale Mitarbeiterin / kantonaler Mitarbeiter")
        ADMIN = "admin", _("Gemeindeadministration")
        CLERK = "clerk", _("Sachbearbeitung")
        RESIDENT = "resident", _("Einwohnerin / Einwohner")

    # username mirrors the e-mail so that Django's and axes' username handling keep working.
    # Accounts from the identity provider may have no e-mail address (AGOV need not hand one
    # over, or the address belongs to another account of the commune): NULL, never "".
    email = models.EmailField(_("E-Mail-Adresse"), unique=True, null=True, blank=True)
    role = models.CharField(_("Rolle"), max_length=16, choices=Role.choices, default=Role.RESIDENT)
    # The identity provider's subject (``sub``) of the person this account belongs to: the same
    # value in every commune and on the public host (one person, one identity).
    oidc_subject = models.CharField(
        _("Identität (Subjekt beim Login-Dienst)"),
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        editable=False,
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = PortalUserManager()

    class Meta:
        verbose_name = _("Benutzer")
        verbose_name_plural = _("Benutzer")

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower() or None
        if self.email:
            self.username = self.email
        elif not self.username:
            self.username = f"id-{uuid.uuid4().hex}"
        # set_password() on an existing account (reset link, password change, admin, command):
        # its API tokens stop working. A hash upgraded at login is not a new password.
        new_password = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if new_password:
            AuthToken.objects.filter(user=self, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )

    @property
    def is_clerk(self) -> bool:
        return self.role in (self.Role.CLERK, self.Role.ADMIN)


def ahv_search_hash(value: str) -> str:
    """The keyed hash an AHV number is searched by ("" for none), whatever its formatting."""
    digits = ahv_normalize(value or "")
    return keyed_hash(digits) if digits else ""


class Sex(models.TextChoices):
    """Official sex as in the ID and the resident register: the eCH-0044 ``sexType`` codes (the
    eCH-0020/0044 schemas the registers use know these two values only)."""

    MALE = "1", _("männlich")
    FEMALE = "2", _("weiblich")


class ResidentProfile(models.Model):
    """The identity data services need, one per user of a commune (blank until completed)."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="resident_profile", verbose_name=_("Konto")
    )
    date_of_birth = models.DateField(
        _("Geburtsdatum"), null=True, blank=True, validators=[validate_date_of_birth]
    )
    # Encrypted at rest (tenants.crypto); ahv_hash finds a number without decrypting.
    ahv_number = EncryptedTextField(_("AHV-Nummer"), blank=True, validators=[validate_ahv_number])
    ahv_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    sex = models.CharField(
        _("Geschlecht (amtlich)"),
        max_length=1,
        blank=True,
        choices=Sex.choices,
        help_text=_("wie im Ausweis; für Meldungen an das Einwohnerregister"),
    )
    street = models.CharField(_("Strasse"), max_length=100, blank=True)
    house_number = models.CharField(_("Hausnummer"), max_length=12, blank=True)
    postcode = models.CharField(
        _("Postleitzahl"), max_length=4, blank=True, validators=[validate_swiss_postcode]
    )
    town = models.CharField(_("Ort"), max_length=100, blank=True)
    phone = models.CharField(_("Telefon"), max_length=30, blank=True, validators=[validate_phone])
    # Set when names, date of birth and AHV number come from the identity provider: then they
    # are shown read-only with this source and cannot be changed by typing.
    verified_level = models.CharField(_("bestätigt mit"), max_length=16, blank=True)
    verified_at = models.DateTimeField(_("bestätigt am"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Personalien")
        verbose_name_plural = _("Personalien")

    def __str__(self) -> str:
        return str(self.user)

    def save(self, *args, **kwargs):
        self.ahv_hash = ahv_search_hash(self.ahv_number)
        if kwargs.get("update_fields") is not None and "ahv_number" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "ahv_hash"}
        super().save(*args, **kwargs)


class IdentityLogin(models.Model):
    """One login through the identity provider (AGOV / e-ID): who, at which quality level, and
    the claims the provider vouched for. Cases ordered in that login keep a copy of these claims
    as the source of the applicant's identity (``cases.Case.identity``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="identity_logins")
    subject = models.CharField(max_length=255)
    issuer = models.CharField(max_length=255)
    level = models.CharField(max_length=16)
    acr = models.CharField(max_length=255, blank=True)
    # Verified identity claims (first_name, last_name, date_of_birth ISO, ahv_number) when the
    # level is verified or e-ID; empty for e-mail logins.
    claims = EncryptedJSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Anmeldung über den Login-Dienst")
        verbose_name_plural = _("Anmeldungen über den Login-Dienst")

    def __str__(self) -> str:
        return f"{self.user} ({self.level}, {self.created_at:%d.%m.%Y %H:%M})"


class AuthToken(models.Model):
    """An API token: stored as a SHA-256 hash (the key is shown once), with the login quality
    it was issued for, an expiry, and revocation (logout, password change, by its owner)."""

    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("Anfang des Schlüssels"), max_length=8)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    level = models.CharField(_("Anmeldequalität"), max_length=16)
    identity_login = models.ForeignKey(
        IdentityLogin, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The second factor was checked when the token was issued (staff API access).
    second_factor = models.BooleanField(default=False)
    label = models.CharField(_("Bezeichnung"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("gültig bis"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(_("widerrufen am"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API-Token")
        verbose_name_plural = _("API-Tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
