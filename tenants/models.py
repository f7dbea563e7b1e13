"""Communes (one PostgreSQL schema each), their domains and their population figures."""

import uuid

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from .crypto import EncryptedJSONField


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


class Handover(models.Model):
    """A hand-over between two communes of the portal (e.g. a move from Kriens to Emmen).

    Public schema, by value: the departure side writes it and sends a job into the target
    commune; the target reads only this row (never the sender's schema), does its part and
    answers with ``status`` and ``result``; a job back in the sender's commune closes it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("offen")
        ACKNOWLEDGED = "acknowledged", _("bestätigt")
        FAILED = "failed", _("gescheitert")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("Art"), max_length=40)
    from_commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="handovers_out", verbose_name=_("von")
    )
    to_commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="handovers_in", verbose_name=_("an")
    )
    case_id = models.UUIDField(_("Geschäft der sendenden Gemeinde (UUID)"))
    case_reference = models.CharField(_("Geschäftsnummer"), max_length=20, blank=True)
    payload = EncryptedJSONField(_("Inhalt"), default=dict)
    status = models.CharField(
        _("Status"), max_length=14, choices=Status.choices, default=Status.PENDING
    )
    result = EncryptedJSONField(_("Antwort"), default=dict, blank=True)
    error = models.TextField(_("Fehler"), blank=True)
    created_at = models.DateTimeField(_("erstellt"), auto_now_add=True)
    last_sent_at = models.DateTimeField(_("zuletzt an das Ziel gesendet"), null=True, blank=True)
    processed_at = models.DateTimeField(_("verarbeitet (Ziel)"), null=True, blank=True)
    closed_at = models.DateTimeField(_("abgeschlossen (Absender)"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_commune", "case_id", "kind"], name="handover_once_per_case"
            )
        ]
        verbose_name = _("Übergabe zwischen Gemeinden")
        verbose_name_plural = _("Übergaben zwischen Gemeinden")

    def __str__(self) -> str:
        return f"{self.kind}: {self.from_commune_id} → {self.to_commune_id} ({self.status})"


class CaseIndexEntry(models.Model):
    """One case of one person, by value, across communes (public schema): what the public
    host's "Meine Geschäfte" lists without ever opening a commune's schema.

    Written by the commune's case services in the same transaction as each status change; holds
    no form content, names or identity numbers — the owner is the identity provider's subject.
    """

    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+")
    case_id = models.UUIDField()
    reference = models.CharField(max_length=20)
    service_key = models.CharField(max_length=80)
    service_title_de = models.CharField(max_length=200)
    service_title_en = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=24)
    subject = models.CharField(max_length=255, db_index=True)
    submitted_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "case_id"], name="case_index_once")
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.status})"


class WorkerHeartbeat(models.Model):
    """A job worker process that is alive: it renews ``seen_at`` every few seconds
    (``tenants.heartbeat``); /healthz reports the portal degraded when none is recent."""

    worker_id = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.seen_at:%H:%M:%S})"


class OutboxJob(models.Model):
    """A job asked for in a transaction, written in that transaction (``tenants.outbox``): the
    workers' relay hands it to the broker once committed and deletes it. Ids only, as in the
    job's message; never names, addresses or form data."""

    schema_name = models.CharField(max_length=63)
    actor_name = models.CharField(max_length=100)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(db_default=Now())

    def __str__(self) -> str:
        return f"{self.actor_name} in {self.schema_name} ({self.created_at:%H:%M:%S})"


class CommuneConfig(models.Model):
    """One commune's own operations (public schema, one row per commune): its register and
    payment connections, its accounts, mail sender and the contact shown on its pages.

    Fields ending in ``_enc`` hold Fernet tokens (``tenants.config_secrets``), never plain secrets; they
    are written through ``tenants.services.commune_config_update`` only. ``health`` keeps the
    last "Verbindung testen" result per connection block.
    """

    commune = models.OneToOneField(
        Commune, on_delete=models.CASCADE, related_name="config", verbose_name=_("Gemeinde")
    )
    # Resident register (Einwohnerregister).
    resident_register_product = models.CharField(
        _("Einwohnerregister: Software"), max_length=80, blank=True
    )
    resident_register_url = models.URLField(_("Einwohnerregister: Endpunkt"), blank=True)
    resident_register_api_key_enc = models.TextField(blank=True)
    resident_register_sender_id = models.CharField(
        _("Einwohnerregister: eCH-0058-Absender"), max_length=40, blank=True
    )
    # Dog register (Hunderegister).
    dog_register_product = models.CharField(_("Hunderegister: Software"), max_length=80, blank=True)
    dog_register_url = models.URLField(_("Hunderegister: Endpunkt"), blank=True)
    dog_register_api_key_enc = models.TextField(blank=True)
    # Payment provider (online payment).
    payment_provider = models.CharField(_("Zahlungsanbieter"), max_length=80, blank=True)
    payment_url = models.URLField(_("Zahlungsanbieter: Endpunkt"), blank=True)
    payment_merchant_id = models.CharField(
        _("Zahlungsanbieter: Merchant-ID"), max_length=80, blank=True
    )
    payment_api_password_enc = models.TextField(blank=True)
    payment_sign_key_enc = models.TextField(blank=True)
    # Accounts and creditor of the QR-bills.
    qr_iban = models.CharField(_("QR-IBAN"), max_length=34, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    creditor_name = models.CharField(_("Zahlungsempfänger: Name"), max_length=70, blank=True)
    creditor_street = models.CharField(_("Zahlungsempfänger: Strasse"), max_length=70, blank=True)
    creditor_house_number = models.CharField(
        _("Zahlungsempfänger: Hausnummer"), max_length=16, blank=True
    )
    creditor_postcode = models.CharField(_("Zahlungsempfänger: PLZ"), max_length=16, blank=True)
    creditor_town = models.CharField(_("Zahlungsempfänger: Ort"), max_length=35, blank=True)
    fee_account = models.CharField(_("Gebührenkonto (Buchhaltung)"), max_length=40, blank=True)
    # Mails.
    mail_sender = models.EmailField(_("Absender der E-Mails"), blank=True)
    mail_reply_to = models.EmailField(_("Antwortadresse der E-Mails"), blank=True)
    # Contact and opening hours (commune pages).
    contact_address = models.TextField(_("Postadresse"), blank=True)
    contact_phone = models.CharField(_("Telefon"), max_length=30, blank=True)
    contact_email = models.EmailField(_("E-Mail"), blank=True)
    contact_web = models.URLField(_("Website"), blank=True)
    opening_hours = models.TextField(_("Öffnungszeiten"), blank=True)
    # Document seal (PAdES): PEM key and certificate, stored encrypted.
    seal_key_pem_enc = models.TextField(blank=True)
    seal_certificate_pem_enc = models.TextField(blank=True)
    health = models.JSONField(_("Verbindungszustand"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        ordering = ["commune__name"]
        verbose_name = _("Gemeindekonfiguration")
        verbose_name_plural = _("Gemeindekonfigurationen")

    def __str__(self) -> str:
        return str(self.commune)


class RegisterAccess(models.Model):
    """One read or write at a register about a person, or a clerk's view of their identity
    numbers (public schema, by value): the record of processing the person sees under
    "Zugriffe auf meine Daten" in every commune and on the public host.

    Holds the purpose (case and service), the legal basis, who triggered it (a step or a clerk),
    the attribute names requested (never their values), the time and the register's message id.
    """

    class Kind(models.TextChoices):
        READ = "read", _("Abfrage")
        WRITE = "write", _("Meldung")
        VIEW = "view", _("Einsicht durch die Verwaltung")

    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+")
    case_id = models.UUIDField()
    case_reference = models.CharField(max_length=20)
    service_key = models.CharField(max_length=80)
    service_title_de = models.CharField(max_length=200)
    legal_basis = models.TextField(blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    register = models.CharField(max_length=80)
    triggered_by = models.CharField(max_length=200)
    attributes = models.JSONField(default=list)
    message_id = models.CharField(max_length=100, blank=True)
    # The person: the provider's subject, and their account id in the commune (e-mail accounts
    # have no subject).
    subject = models.CharField(max_length=255, blank=True, db_index=True)
    user_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["commune", "user_id"], name="register_access_user")]

    def __str__(self) -> str:
        return f"{self.case_reference} {self.kind} {self.register}"


class PersonalDataExport(models.Model):
    """A person's download of everything about them (revDSG Art. 25), built by a job: public,
    by value (the host's commune, or none on the public host, and the account id there), held
    encrypted until ``expires_at``. Only the account that asked, on the same host, gets it."""

    class Format(models.TextChoices):
        JSON = "json", "JSON"
        PDF = "pdf", "PDF"

    class Status(models.TextChoices):
        PENDING = "pending", _("wird erstellt")
        READY = "ready", _("bereit")
        FAILED = "failed", _("fehlgeschlagen")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user_id = models.BigIntegerField()
    format = models.CharField(max_length=4, choices=Format.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    # Fernet token (tenants.crypto) of the file, base64-encoded before encryption.
    content = models.TextField(blank=True)
    created_at = models.DateTimeField()
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["commune", "user_id"], name="data_export_owner")]

    def __str__(self) -> str:
        return f"{self.format} {self.status} {self.created_at:%Y-%m-%d %H:%M}"
