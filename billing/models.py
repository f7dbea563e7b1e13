"""The Digitalisierungsfünfliber: rates, the append-only ledger and the usage counters (public).

The ledger is append-only in the database itself (trigger from migration 0003): UPDATE, DELETE
and TRUNCATE of a non-empty ledger raise. A correction is a reversing entry (``reverses``) with
the negated amount; an entry is reversed at most once (one-to-one).

Usage counters refer to a case by value (commune BFS number + case UUID), never by a foreign
key into a commune schema.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The realisation phase. Which years the programme has is data (``ProgrammeYear``); this tuple
# only names the years the original financing decision fixed (seeded by migration).
PROGRAMME_YEARS = (2021, 2022, 2023, 2024)


class Kind(models.TextChoices):
    COMMUNE_CONTRIBUTION = "commune_contribution", _("Beitrag Gemeinde")
    CANTON_CASH = "canton_cash", _("Beitrag Kanton (Geld)")
    CANTON_IN_KIND = "canton_in_kind", _("Beitrag Kanton (Sachleistung)")
    EXPENDITURE = "expenditure", _("Ausgabe")
    BUDGET = "budget", _("Budget")


INCOME_KINDS = (Kind.COMMUNE_CONTRIBUTION, Kind.CANTON_CASH, Kind.CANTON_IN_KIND)


class Category(models.TextChoices):
    PROJECT_ORGANISATION = "projektorganisation", _("Projektorganisation")
    PORTAL = "entwicklung_portal", _("Entwicklung Portallösung")
    PROCESSES = "modellierung_prozesse", _("Modellierung Prozesse")
    INTERFACES = "entwicklung_schnittstellen", _("Entwicklung Schnittstellen")
    PUBLIC_INNOVATORS = "public_innovators", _("Public Innovators")
    RESERVE = "reserve", _("Reserve")


class Phase(models.TextChoices):
    REALISATION = "realisation", _("Realisierung")
    OPERATIONS = "operations", _("Betrieb")


class ProgrammeYear(models.Model):
    """One year of the programme and its financing rule (booked data, not code).

    Realisation years take the per-resident rate of ``ContributionRate`` and the canton matches
    the communes. Operations years share ``operating_costs`` between canton and communes by the
    key ``canton_share_percent``; the communes' part is split by population.
    """

    year = models.PositiveSmallIntegerField(_("Jahr"), unique=True)
    phase = models.CharField(_("Phase"), max_length=12, choices=Phase.choices)
    operating_costs = models.DecimalField(
        _("Betriebskosten (CHF)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    canton_share_percent = models.DecimalField(
        _("Anteil Kanton (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    basis = models.CharField(_("Grundlage"), max_length=300, blank=True)

    class Meta:
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(canton_share_percent__isnull=True)
                | models.Q(canton_share_percent__gte=0, canton_share_percent__lte=100),
                name="programme_year_share_0_100",
            ),
            models.CheckConstraint(
                condition=models.Q(operating_costs__isnull=True) | models.Q(operating_costs__gte=0),
                name="programme_year_costs_not_negative",
            ),
        ]
        verbose_name = _("Programmjahr")
        verbose_name_plural = _("Programmjahre")

    def __str__(self) -> str:
        return f"{self.year} ({self.get_phase_display()})"


def default_booking_date(year: int, today: dt.date | None = None) -> dt.date:
    """Today if it lies in ``year``, else the nearest day of that year (31.12. of a past year)."""
    today = today or dt.date.today()
    return min(max(today, dt.date(year, 1, 1)), dt.date(year, 12, 31))


class ContributionRate(models.Model):
    """The Fünfliber rate per resident for one year (CHF)."""

    year = models.PositiveSmallIntegerField(_("Jahr"), unique=True)
    rate = models.DecimalField(_("Ansatz pro Einwohner/in (CHF)"), max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="rate_positive"),
        ]
        verbose_name = _("Beitragsansatz")
        verbose_name_plural = _("Beitragsansätze")

    def __str__(self) -> str:
        return f"{self.year}: CHF {self.rate}"


class LedgerEntry(models.Model):
    """One booking of the Fünfliber ledger; never changed, never deleted."""

    year = models.PositiveSmallIntegerField(_("Jahr"))
    kind = models.CharField(_("Art"), max_length=24, choices=Kind.choices)
    commune = models.ForeignKey(
        "tenants.Commune",
        verbose_name=_("Gemeinde"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    category = models.CharField(_("Kategorie"), max_length=32, choices=Category.choices, blank=True)
    amount = models.DecimalField(_("Betrag (CHF)"), max_digits=12, decimal_places=2)
    text = models.CharField(_("Buchungstext"), max_length=300)
    document_ref = models.CharField(_("Beleg"), max_length=120, blank=True)
    # Basis of a commune contribution: population at 31.12. of the previous year and the rate.
    population_basis = models.PositiveIntegerField(_("Bevölkerung (Basis)"), null=True, blank=True)
    rate = models.DecimalField(
        _("Ansatz (CHF)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("storniert Buchung"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("gebucht von"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    booked_at = models.DateTimeField(_("gebucht am"), auto_now_add=True)
    # The day the money moved (invoice paid, contribution due): the time series follow it.
    booking_date = models.DateField(_("Buchungsdatum"))

    class Meta:
        ordering = ["-booked_at", "-id"]
        indexes = [
            models.Index(fields=["year", "kind"], name="ledger_year_kind"),
            models.Index(fields=["booking_date"], name="ledger_booking_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="commune_contribution", commune__isnull=False)
                    | (~models.Q(kind="commune_contribution") & models.Q(commune__isnull=True))
                ),
                name="ledger_commune_only_for_contributions",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind__in=["expenditure", "budget"]) & ~models.Q(category="")
                    | ~models.Q(kind__in=["expenditure", "budget"]) & models.Q(category="")
                ),
                name="ledger_category_only_for_expenditure_budget",
            ),
            models.CheckConstraint(
                condition=models.Q(reverses__isnull=False) | models.Q(amount__gte=0),
                name="ledger_amount_not_negative_unless_reversal",
            ),
        ]
        verbose_name = _("Buchung")
        verbose_name_plural = _("Buchungen (Hauptbuch)")

    def __str__(self) -> str:
        return f"{self.year} {self.get_kind_display()} CHF {self.amount}"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class UsageCase(models.Model):
    """One digital case as counted for the reports (by value; makes the counters idempotent)."""

    commune_bfs = models.PositiveIntegerField()
    case_id = models.UUIDField()
    service_key = models.CharField(max_length=80)
    month = models.DateField(help_text="First day of the month of submission (Europe/Zurich).")
    submitted_at = models.DateTimeField()
    outside_office_hours = models.BooleanField()
    # False: a clerk recorded the order for the resident (counter, phone, letter).
    digital = models.BooleanField(default=True, db_default=True)
    completed_at = models.DateTimeField(null=True)
    automated = models.BooleanField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["commune_bfs", "case_id"], name="usage_case_unique")
        ]
        verbose_name = _("Fall (Nutzung)")
        verbose_name_plural = _("Fälle (Nutzung)")

    def __str__(self) -> str:
        return f"{self.commune_bfs}:{self.case_id}"


class UsageMonthly(models.Model):
    """Counters per commune, service and month of submission.

    An order is either digital (the resident placed it online: portal form or API) or recorded
    (a clerk entered it for the resident); ``digital_cases + recorded_cases`` are all orders.
    The other counters cover all orders.
    """

    commune_bfs = models.PositiveIntegerField(_("BFS-Nummer"))
    service_key = models.CharField(_("Dienstleistung"), max_length=80)
    month = models.DateField(_("Monat"))
    digital_cases = models.PositiveIntegerField(_("digitale Fälle"), default=0)
    recorded_cases = models.PositiveIntegerField(
        _("durch Verwaltung erfasst"), default=0, db_default=0
    )
    outside_office_hours = models.PositiveIntegerField(_("ausserhalb Bürozeiten"), default=0)
    completed_cases = models.PositiveIntegerField(_("abgeschlossen"), default=0)
    automated_cases = models.PositiveIntegerField(_("vollautomatisch"), default=0)
    processing_seconds = models.BigIntegerField(_("Bearbeitungszeit (Sekunden)"), default=0)

    class Meta:
        ordering = ["month", "commune_bfs", "service_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["commune_bfs", "service_key", "month"], name="usage_monthly_unique"
            )
        ]
        indexes = [models.Index(fields=["month", "commune_bfs"], name="usage_month_commune")]
        verbose_name = _("Nutzung pro Monat")
        verbose_name_plural = _("Nutzung pro Monat")

    def __str__(self) -> str:
        return f"{self.commune_bfs} {self.service_key} {self.month:%Y-%m}"


ZERO = Decimal("0.00")


class Deliverable(models.Model):
    """Something the money bought: a service moved up in N communes, a connector in operation,
    a Public Innovator pilot. Expenditures are linked to it (``ExpenditureLink``)."""

    class Kind(models.TextChoices):
        STAGE = "stage", _("Leistung auf Formular/automatisiert gebracht")
        CONNECTOR = "connector", _("Schnittstelle in Betrieb genommen")
        PILOT = "pilot", _("Pilot Public Innovator")

    kind = models.CharField(_("Art"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("Titel"), max_length=200)
    service_key = models.CharField(_("Dienstleistung"), max_length=80, blank=True)
    stage = models.CharField(_("neue Stufe"), max_length=10, blank=True)
    communes = models.PositiveIntegerField(_("Anzahl Gemeinden"), default=0)
    delivered_on = models.DateField(_("geliefert am"))
    description = models.TextField(_("Beschreibung"), blank=True)

    class Meta:
        ordering = ["delivered_on", "id"]
        verbose_name = _("Ergebnis")
        verbose_name_plural = _("Ergebnisse")

    def __str__(self) -> str:
        return self.title


class ExpenditureLink(models.Model):
    """An expenditure paid (in part) for a deliverable; the ledger row itself stays untouched."""

    entry = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="deliverable_links"
    )
    deliverable = models.ForeignKey(Deliverable, on_delete=models.PROTECT, related_name="links")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "deliverable"], name="expenditure_link_unique")
        ]
        verbose_name = _("Verknüpfung Ausgabe–Ergebnis")
        verbose_name_plural = _("Verknüpfungen Ausgabe–Ergebnis")

    def __str__(self) -> str:
        return f"{self.entry_id} → {self.deliverable_id}"
