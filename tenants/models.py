"""Communes (one PostgreSQL schema each), their domains and their population figures."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


class Commune(TenantMixin):
    class Status(models.TextChoices):
        ACTIVE = "active", _("aktiv")
        MERGED = "merged", _("fusioniert")

    bfs_number = models.PositiveIntegerField(_("BFS-Nummer"), unique=True)
    name = models.CharField(_("Name"), max_length=100)
    slug = models.SlugField(_("Kurzname"), max_length=60, unique=True)
    canton = models.CharField(_("Kanton"), max_length=2, default="LU")
    district = models.CharField(_("Wahlkreis"), max_length=60)
    status = models.CharField(
        _("Status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("fusioniert in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="absorbed",
    )
    valid_from = models.DateField(_("gültig ab"), null=True, blank=True)
    valid_to = models.DateField(_("gültig bis"), null=True, blank=True)
    public_innovator = models.BooleanField(_("Public Innovator"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Schemas are created by tenants.services (cloned from the template), never on save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]
        verbose_name = _("Gemeinde")
        verbose_name_plural = _("Gemeinden")

    def __str__(self) -> str:
        return f"{self.name} ({self.bfs_number})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def primary_domain(self) -> str | None:
        domain = next((d for d in self.domains.all() if d.is_primary), None)
        return domain.domain if domain else None


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("Domain")
        verbose_name_plural = _("Domains")


class PopulationFigure(models.Model):
    """Permanent resident population of a commune at 31 December of a year."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="populations")
    year = models.PositiveSmallIntegerField(_("Jahr (Stand 31.12.)"))
    residents = models.PositiveIntegerField(_("Ständige Wohnbevölkerung"))
    source = models.TextField(_("Quelle"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["commune", "year"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "year"], name="population_one_per_year")
        ]
        verbose_name = _("Bevölkerungszahl")
        verbose_name_plural = _("Bevölkerungszahlen")

    def __str__(self) -> str:
        return f"{self.commune.name} {self.year}: {self.residents}"
