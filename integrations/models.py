"""Public schema: failing adapters across communes, for the cantonal office.

Rows refer to a case by value (commune BFS number + case UUID): public tables never point into
a commune's schema.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class AdapterFailure(models.Model):
    """One failed attempt of an automated step in some commune (transient or permanent)."""

    commune_bfs = models.PositiveIntegerField(_("BFS-Nummer der Gemeinde"), db_index=True)
    commune_name = models.CharField(_("Gemeinde"), max_length=100, blank=True)
    case_id = models.UUIDField(_("Geschäft (UUID)"), default=uuid.uuid4)
    case_reference = models.CharField(_("Geschäftsnummer"), max_length=20, blank=True)
    service_key = models.CharField(_("Dienstleistung"), max_length=80, blank=True)
    step_key = models.CharField(_("Schritt"), max_length=60)
    attempt = models.PositiveSmallIntegerField(_("Versuch"), default=1)
    adapter_key = models.CharField(_("Schnittstelle"), max_length=80, db_index=True)
    transient = models.BooleanField(_("vorübergehend"), default=False)
    handed_to_clerk = models.BooleanField(_("an Sachbearbeitung übergeben"), default=False)
    error_code = models.CharField(_("Fehlercode"), max_length=80, blank=True)
    error_message = models.TextField(_("Fehlermeldung"), blank=True)
    at = models.DateTimeField(_("Zeitpunkt"), db_index=True)

    class Meta:
        ordering = ["-at"]
        constraints = [
            # One row per attempt: a redelivered failure of the same attempt is not counted twice.
            models.UniqueConstraint(
                fields=["commune_bfs", "case_id", "step_key", "attempt"],
                name="adapter_failure_once_per_attempt",
            )
        ]
        indexes = [models.Index(fields=["adapter_key", "-at"], name="adapter_failure_recent")]
        verbose_name = _("Schnittstellenfehler")
        verbose_name_plural = _("Schnittstellenfehler")

    def __str__(self) -> str:
        return f"{self.adapter_key} {self.commune_bfs} {self.case_reference} #{self.attempt}"
