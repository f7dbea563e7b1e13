"""Which commune offers which service at which stage, mirrored into the public schema, and its
history by month (written only by ``catalog.services``; read by the public host and the
Fünfliber report without opening a commune's schema)."""

from django.db import models


class OfferIndex(models.Model):
    """Public mirror of which commune offers which service at which stage.

    Written only by ``catalog.services`` when a commune changes its offer, so the public host
    can show "who offers this" without ever opening a commune's schema.
    """

    commune = models.ForeignKey("tenants.Commune", on_delete=models.CASCADE, related_name="offers")
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.PROTECT, related_name="offer_index"
    )
    stage = models.CharField(max_length=10)
    link_url = models.URLField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["commune", "service"], name="offer_index_unique")
        ]

    def __str__(self) -> str:
        return f"{self.commune_id}:{self.service_id} ({self.stage})"


class OfferSnapshot(models.Model):
    """The stage of a commune's offer at the end of a month (public, by month).

    Written whenever an offer changes (the row of the current month) and by
    ``manage.py rollout_snapshot`` (every offer of the month); a month without a row keeps the
    stage of the latest earlier row. ``withdrawn`` records that an offer was taken down.
    """

    WITHDRAWN = "withdrawn"

    commune = models.ForeignKey(
        "tenants.Commune", on_delete=models.CASCADE, related_name="offer_snapshots"
    )
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.PROTECT, related_name="snapshots"
    )
    month = models.DateField(help_text="First day of the month (Europe/Zurich).")
    stage = models.CharField(max_length=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "service", "month"], name="offer_snapshot_unique"
            )
        ]
        indexes = [models.Index(fields=["month"], name="offer_snapshot_month")]

    def __str__(self) -> str:
        return f"{self.commune_id}:{self.service_id} {self.month:%Y-%m} ({self.stage})"
