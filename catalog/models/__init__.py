"""The cantonal service catalogue (public schema).

A ``Service`` is the stable identity (``key``); what it says, costs and asks is in its
``ServiceVersion``s. A published version is immutable: a change is a new version, and a case
keeps the version it was ordered under. Services are retired, never deleted.

Form definition (``ServiceVersion.form_definition``), validated on publish::

    {"fields": [
        {"key": "reason", "type": "<type>", "required": true,
         "label": {"de": "…", "en": "…"}, "help": {"de": "…", "en": "…"},
         "choices": [{"value": "a", "label": {"de": "…", "en": "…"}}],   # choice, multi_choice
         "min": 0, "max": 10, "max_length": 200,                          # number / text limits
         "allowed_types": ["application/pdf"], "max_size_mb": 10,         # file
         "show_if": {"field": "other_key", "equals": true},               # optional condition
         "prefill": "sex"}                                                # optional, see below
    ]}

Types: text, long_text, number, date, choice, multi_choice, yes_no, email, phone, ahv, iban,
address (Swiss postal address), file. ``number`` also takes ``decimals`` (0–4, default 0);
``date`` takes ``min``/``max`` as ``YYYY-MM-DD`` or ``"today"``; ``multi_choice`` takes
``min``/``max`` as the number of options to tick. ``prefill`` names a key of the applicant's
identity (``catalog.formdefs.definition.PREFILL_KEYS``) that fills the field in on the order page.
``catalog.formdefs`` validates and builds them.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.levels import AuthLevel


class PublishedVersionImmutable(ValidationError):
    """Raised when something tries to change a published (or superseded) version."""


class Level(models.TextChoices):
    BUND = "bund", _("Bund")
    KANTON = "kanton", _("Kanton")
    GEMEINDE = "gemeinde", _("Gemeinde")


class Topic(models.Model):
    class Kind(models.TextChoices):
        TOPIC = "topic", _("Thema")
        LIFE_EVENT = "life_event", _("Lebenslage")

    slug = models.SlugField(unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.TOPIC)
    name_de = models.CharField(_("Name (Deutsch)"), max_length=120)
    name_en = models.CharField(_("Name (Englisch)"), max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["kind", "position", "name_de"]
        verbose_name = _("Thema / Lebenslage")
        verbose_name_plural = _("Themen / Lebenslagen")

    def __str__(self) -> str:
        return self.name_de


class Approval(models.TextChoices):
    APPROVED = "approved", _("freigegeben")
    PENDING = "pending", _("zur Freigabe beim Kanton")
    REJECTED = "rejected", _("abgelehnt")


class Service(models.Model):
    key = models.SlugField(_("Schlüssel"), max_length=80, unique=True)
    level = models.CharField(_("Ebene"), max_length=10, choices=Level.choices)
    topics = models.ManyToManyField(Topic, related_name="services", blank=True)
    pilot = models.BooleanField(
        _("Pilot"),
        default=False,
        help_text=_("Nur Public-Innovator-Gemeinden dürfen Piloten aufschalten."),
    )
    retired_at = models.DateTimeField(_("ausser Betrieb seit"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A commune's own service that the cantonal catalogue lacks: offered only by that commune,
    # and only once the canton approved it (``catalog.services.commune_service_*``).
    owner_commune = models.ForeignKey(
        "tenants.Commune",
        verbose_name=_("eigene Leistung der Gemeinde"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="own_services",
    )
    approval = models.CharField(
        _("Freigabe"), max_length=10, choices=Approval.choices, default=Approval.APPROVED
    )
    approval_reason = models.TextField(
        _("Begründung der Ablehnung"),
        blank=True,
        help_text=_("Sieht die Gemeinde, deren eigene Leistung der Kanton abgelehnt hat."),
    )
    approval_decided_at = models.DateTimeField(_("entschieden am"), null=True, blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("Dienstleistung")
        verbose_name_plural = _("Dienstleistungen")

    def __str__(self) -> str:
        return self.key


AUTH_LEVEL_CHOICES = AuthLevel.choices
DEFAULT_RETENTION_DAYS = 730
DEFAULT_RETENTION_LEGAL_BASIS = (
    "Art. 6 Abs. 4 DSG (SR 235.1); Gesetz über den Schutz von Personendaten des Kantons Luzern "
    "(SRL Nr. 38): Vernichtung, sobald die Daten für den Zweck nicht mehr nötig sind"
)
# Register attributes a version may declare (names of the register's person record).
REGISTER_ATTRIBUTES = (
    "person_id",
    "vn",
    "official_name",
    "first_name",
    "sex",
    "date_of_birth",
    "nationality",
    "nationality_name",
    "address",
    "moving_in_date",
)


def validate_register_attributes(value: object) -> None:
    """A list of known register attribute names (``REGISTER_ATTRIBUTES``)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Bitte eine Liste von Merkmalen angeben."), code="invalid")
    unknown = sorted(set(value) - set(REGISTER_ATTRIBUTES))
    if unknown:
        raise ValidationError(
            _("Unbekannte Registermerkmale: %(names)s."),
            code="unknown_attribute",
            params={"names": ", ".join(unknown)},
        )


# Steps with these adapters read or write a register: such a version needs a verified identity.
REGISTER_ADAPTER_PREFIXES = ("resident_register.", "dog_register.", "vehicle_register.")


def adapter_reads_register(adapter_key: str) -> bool:
    """Whether a step with this adapter reads or writes a register (identity matters)."""
    return adapter_key.startswith(REGISTER_ADAPTER_PREFIXES)


def validate_required_documents(value: object) -> None:
    """A list whose entries are German texts or ``{"de": "…", "en": "…"}`` (``en`` optional)."""

    def valid(entry: object) -> bool:
        if isinstance(entry, str):
            return bool(entry.strip())
        return (
            isinstance(entry, dict)
            and set(entry) <= {"de", "en"}
            and isinstance(entry.get("de"), str)
            and bool(entry["de"].strip())
            and isinstance(entry.get("en", ""), str)
        )

    if not isinstance(value, list) or not all(valid(entry) for entry in value):
        raise ValidationError(
            _(
                'Bitte eine Liste angeben, je Unterlage ein deutscher Text oder {"de": "…", '
                '"en": "…"}.'
            ),
            # Not "invalid": JSONField would put its own "must be valid JSON" in its place.
            code="invalid_documents",
        )


PAYMENT_MODE_CHOICES = [
    ("qr_bill", _("Rechnung mit QR-Einzahlungsschein")),
    ("online", _("online vor dem Ergebnis")),
]


class ServiceVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Entwurf")
        PUBLISHED = "published", _("publiziert")
        SUPERSEDED = "superseded", _("abgelöst")

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("Version"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    name_de = models.CharField(_("Name (Deutsch)"), max_length=200)
    name_en = models.CharField(_("Name (Englisch)"), max_length=200, blank=True)
    summary_de = models.TextField(_("Kurzbeschreibung (Deutsch)"))
    summary_en = models.TextField(_("Kurzbeschreibung (Englisch)"), blank=True)
    description_de = models.TextField(_("Beschreibung (Deutsch)"), blank=True)
    description_en = models.TextField(_("Beschreibung (Englisch)"), blank=True)
    keywords = models.TextField(_("Stichwörter"), blank=True, help_text=_("durch Komma getrennt"))
    required_documents = models.JSONField(
        _("benötigte Unterlagen"),
        default=list,
        blank=True,
        validators=[validate_required_documents],
        help_text=_(
            'Liste; je Eintrag {"de": "…", "en": "…"} (Englisch darf fehlen) oder ein deutscher Text'
        ),
    )
    legal_basis = models.TextField(_("Rechtsgrundlage"), blank=True)
    legal_basis_en = models.TextField(
        _("Rechtsgrundlage (Englisch)"),
        blank=True,
        help_text=_("Leer: die Seite zeigt auf Englisch den deutschen Text."),
    )
    authority_de = models.CharField(
        _("zuständige Stelle"),
        max_length=200,
        blank=True,
        help_text=_("Bei Gemeindeleistungen legt jede Gemeinde ihr Amt selbst fest."),
    )
    authority_en = models.CharField(_("zuständige Stelle (Englisch)"), max_length=200, blank=True)
    fee = models.DecimalField(_("Gebühr (CHF)"), max_digits=10, decimal_places=2, default=0)
    service_norm_days = models.PositiveSmallIntegerField(_("Bearbeitungsfrist (Tage)"), default=5)
    # The lowest login quality that may order this version (accounts.levels.AuthLevel values);
    # a version whose steps read or write a register needs at least "verified".
    min_auth_level = models.CharField(
        _("mindestens nötige Anmeldequalität"),
        max_length=16,
        choices=AUTH_LEVEL_CHOICES,
        default="none",
    )
    form_definition = models.JSONField(_("Formular"), default=dict)
    # How the fee is paid: online before the result is released, or by QR-bill invoice.
    payment_mode = models.CharField(
        _("Zahlungsart der Gebühr"),
        max_length=10,
        choices=PAYMENT_MODE_CHOICES,
        default="qr_bill",
        help_text=_("Online: das Ergebnis wird erst nach der Zahlung freigegeben."),
    )
    # Data protection (revDSG Art. 6 Abs. 4): how long after closing a case its personal
    # content is kept, on which legal basis, and which register attributes the service needs.
    retention_days = models.PositiveIntegerField(
        _("Aufbewahrung nach Abschluss (Tage)"),
        default=DEFAULT_RETENTION_DAYS,
        help_text=_(
            "Danach werden Angaben, Beilagen, Dokumente, Nachrichten und Registerdaten gelöscht."
        ),
    )
    retention_legal_basis = models.TextField(
        _("Rechtsgrundlage der Aufbewahrung"), default=DEFAULT_RETENTION_LEGAL_BASIS
    )
    register_attributes = models.JSONField(
        _("benötigte Registermerkmale"),
        default=list,
        blank=True,
        validators=[validate_register_attributes],
        help_text=_("Merkmale, die automatische Schritte aus Registern lesen dürfen"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Derived at publication by catalog.services (unaccented German full text + trigram text).
    search_vector = SearchVectorField(null=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)

    CONTENT_FIELDS = (
        "service_id",
        "number",
        "name_de",
        "name_en",
        "summary_de",
        "summary_en",
        "description_de",
        "description_en",
        "keywords",
        "required_documents",
        "legal_basis",
        "legal_basis_en",
        "authority_de",
        "authority_en",
        "fee",
        "service_norm_days",
        "min_auth_level",
        "form_definition",
        "payment_mode",
        "retention_days",
        "retention_legal_basis",
        "register_attributes",
    )

    class Meta:
        ordering = ["service", "-number"]
        indexes = [
            GinIndex(fields=["search_vector"], name="version_search_vector"),
            GinIndex(
                fields=["search_text"], opclasses=["gin_trgm_ops"], name="version_search_trgm"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["service", "number"], name="version_number_unique"),
            models.UniqueConstraint(
                fields=["service"],
                condition=models.Q(status="published"),
                name="one_published_version",
            ),
        ]
        verbose_name = _("Version einer Dienstleistung")
        verbose_name_plural = _("Versionen von Dienstleistungen")

    def __str__(self) -> str:
        return f"{self.service.key} v{self.number}"

    def save(self, *args, **kwargs):
        # Last line of defence; catalog.services refuses earlier with a friendlier message.
        if self.pk:
            stored = (
                type(self).objects.filter(pk=self.pk).values("status", *self.CONTENT_FIELDS).first()
            )
            if stored and stored["status"] != self.Status.DRAFT:
                changed = [f for f in self.CONTENT_FIELDS if stored[f] != getattr(self, f)]
                back_to_draft = self.status == self.Status.DRAFT
                if changed or back_to_draft:
                    raise PublishedVersionImmutable(
                        _(
                            "Version %(number)s von «%(key)s» ist publiziert und kann nicht mehr "
                            "geändert werden. Erstellen Sie eine neue Version."
                        ),
                        code="immutable",
                        params={"number": stored["number"], "key": self.service.key},
                    )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not self.is_draft:
            raise PublishedVersionImmutable(
                _("Publizierte Versionen werden nie gelöscht."), code="immutable"
            )
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def text_in(self, name: str, language: str) -> str:
        """A reference text (``name``, ``legal_basis``, ``authority`` …) in ``language``,
        German when its translation is empty."""
        german = getattr(self, f"{name}_de", None)
        if german is None:
            german = getattr(self, name)
        if language != "de":
            return getattr(self, f"{name}_{language}", "") or german
        return german

    def required_documents_in(self, language: str) -> list[str]:
        """The required documents as texts in ``language`` (German where untranslated)."""
        return [document_text(entry, language) for entry in self.required_documents or []]


def document_text(entry: object, language: str) -> str:
    """One entry of ``required_documents`` in ``language`` (a plain string is German)."""
    if isinstance(entry, dict):
        return str(entry.get(language) or entry.get("de") or "")
    return str(entry)


class StepDefinition(models.Model):
    class Kind(models.TextChoices):
        MANUAL = "manual", _("manuell (Sachbearbeitung)")
        AUTOMATED = "automated", _("automatisch")
        RESIDENT = "resident", _("durch die Einwohnerin / den Einwohner")

    version = models.ForeignKey(ServiceVersion, on_delete=models.PROTECT, related_name="steps")
    position = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=60)
    name_de = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    adapter_key = models.CharField(max_length=80, blank=True)
    responsible_group = models.CharField(
        _("zuständige Gruppe"),
        max_length=80,
        blank=True,
        help_text=_("Name der Gruppe in der Gemeinde, z. B. Einwohnerdienste"),
    )

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="step_position_unique"),
            models.UniqueConstraint(fields=["version", "key"], name="step_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.version} #{self.position} {self.key}"

    def save(self, *args, **kwargs):
        self._refuse_unless_draft()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_unless_draft()
        return super().delete(*args, **kwargs)

    def _refuse_unless_draft(self) -> None:
        status = ServiceVersion.objects.filter(pk=self.version_id).values_list("status", flat=True)
        if status and status[0] != ServiceVersion.Status.DRAFT:
            raise PublishedVersionImmutable(
                _("Die Schritte einer publizierten Version können nicht geändert werden."),
                code="immutable",
            )


# The public mirror of the communes' offers and its monthly history (catalog/models/offers_index.py).
from .offers_index import OfferIndex as OfferIndex  # noqa: E402
from .offers_index import OfferSnapshot as OfferSnapshot  # noqa: E402
