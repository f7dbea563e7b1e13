"""Users: cantonal staff in the public schema, commune administrators, clerks and residents in
each commune's schema. One model, e-mail as the login."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    email = models.EmailField(_("E-Mail-Adresse"), unique=True)
    role = models.CharField(_("Rolle"), max_length=16, choices=Role.choices, default=Role.RESIDENT)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = PortalUserManager()

    class Meta:
        verbose_name = _("Benutzer")
        verbose_name_plural = _("Benutzer")

    def save(self, *args, **kwargs):
        self.email = (self.email or "").lower()
        self.username = self.email
        super().save(*args, **kwargs)

    @property
    def is_clerk(self) -> bool:
        return self.role in (self.Role.CLERK, self.Role.ADMIN)
