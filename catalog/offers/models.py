"""A commune's activation of catalogue services (commune schema; edited via catalog.services)."""

from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    LINK = "link", _("Link auf den bisherigen Online-Schalter")
    FORM = "form", _("Formular (Bearbeitung durch die Verwaltung)")
    AUTOMATED = "automated", _("automatisiert")


class ServiceOffer(models.Model):
    # Points into the public catalogue; catalogue rows are retired, never deleted (DO_NOTHING).
    # No database constraint: see cases.models.Case.service.
    service = models.OneToOneField(
        "catalog.Service", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    stage = models.CharField(_("Stufe"), max_length=10, choices=Stage.choices, default=Stage.FORM)
    active = models.BooleanField(_("aufgeschaltet"), default=True)
    link_url = models.URLField(_("Link (bisheriger Online-Schalter)"), blank=True)
    fee_override = models.DecimalField(
        _("Gebühr der Gemeinde (CHF)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    responsible_group = models.ForeignKey(
        Group, verbose_name=_("zuständige Gruppe"), null=True, blank=True, on_delete=models.SET_NULL
    )
    department = models.CharField(_("zuständiges Amt"), max_length=200, blank=True)
    contact_email = models.EmailField(_("Kontakt E-Mail"), blank=True)
    contact_phone = models.CharField(_("Kontakt Telefon"), max_length=40, blank=True)
    notes = models.TextField(_("Hinweise"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Angebot")
        verbose_name_plural = _("Angebote")

    def __str__(self) -> str:
        return f"{self.service_id} ({self.stage})"
