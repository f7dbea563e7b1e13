"""Cases of a commune (commune schema): the case, its steps, its audit timeline, its documents
and its message thread; its payment in ``payments``.

Nothing here changes state by itself: ``cases.services`` is the only way to change a case, and
every change it makes writes a ``CaseEvent`` in the same transaction.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from tenants.crypto import EncryptedJSONField

from ..event_texts import event_text_shown
from ..exceptions import InvalidTransition  # noqa: F401  (re-exported: cases.models.InvalidTransition)


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("eingereicht")
    IN_PROGRESS = "in_progress", _("in Bearbeitung")
    WAITING_FOR_RESIDENT = "waiting_for_resident", _("wartet auf Ihre Angaben")
    COMPLETED = "completed", _("abgeschlossen")
    REJECTED = "rejected", _("abgelehnt")
    WITHDRAWN = "withdrawn", _("zurückgezogen")


OPEN_STATUSES = (
    CaseStatus.SUBMITTED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.WAITING_FOR_RESIDENT,
)
CLOSED_STATUSES = (CaseStatus.COMPLETED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN)


class ReferenceCounter(models.Model):
    """Last reference number handed out per year in this commune (no gaps: the increment is
    part of the submitting transaction and rolls back with it)."""

    year = models.PositiveSmallIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Case(models.Model):
    class Decision(models.TextChoices):
        APPROVED = "approved", _("gutgeheissen")
        REJECTED = "rejected", _("abgelehnt")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(_("Geschäftsnummer"), max_length=20, unique=True)
    # Catalogue rows are retired, never deleted; a case keeps the version it was ordered under.
    # References into the public catalogue carry no database constraint (here, on steps, drafts
    # and offers): one per commune schema put thousands of triggers on the catalogue tables and
    # made every onboarding slower than the last (docs/scaling.md). Catalogue rows are retired,
    # never deleted: a published version refuses deletion (catalog.models).
    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.DO_NOTHING,
        related_name="+",
        verbose_name=_("Dienst"),
        db_constraint=False,
    )
    version = models.ForeignKey(
        "catalog.ServiceVersion", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    stage = models.CharField(_("Stufe bei Einreichung"), max_length=10)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("Antragsteller/in"),
    )
    # Form data, identity and step payloads carry AHV numbers: encrypted at rest.
    data = EncryptedJSONField(_("Angaben"), default=dict, blank=True)
    # Who ordered, as the login vouched for it (cases.services.identity): level, source and,
    # for verified logins, the provider's claims. Automated register steps use only these.
    identity = EncryptedJSONField(_("Identität bei Bestellung"), default=dict, blank=True)
    fee = models.DecimalField(_("Gebühr (CHF)"), max_digits=10, decimal_places=2, default=0)
    status = models.CharField(
        _("Status"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("eingereicht am"))
    norm_days = models.PositiveSmallIntegerField(_("Bearbeitungsfrist (Arbeitstage)"))
    due_date = models.DateField(_("erwarteter Abschluss"))
    # The clock pauses while the case waits for the resident: paused_since marks the running
    # pause, paused_days sums the working days of finished pauses (they extend due_date).
    paused_since = models.DateTimeField(null=True, blank=True)
    paused_days = models.PositiveIntegerField(default=0)
    # An information request of the administration is open (the resident has to answer).
    awaiting_info = models.BooleanField(default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("zugewiesen an"),
    )
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("Begründung"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Retention (cases.services.retention) skips a case while either holds.
    objection_open = models.BooleanField(_("Einsprache offen"), default=False)
    legal_hold = models.BooleanField(_("Aufbewahrungssperre"), default=False)
    legal_hold_reason = models.TextField(_("Grund der Aufbewahrungssperre"), blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="case_status_due"),
            models.Index(fields=["applicant", "-submitted_at"], name="case_applicant"),
            models.Index(
                fields=["closed_at"],
                name="case_closed_at",
                condition=models.Q(closed_at__isnull=False),
            ),
        ]
        verbose_name = _("Geschäft")
        verbose_name_plural = _("Geschäfte")

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class StepKind(models.TextChoices):
    MANUAL = "manual", _("manuell")
    AUTOMATED = "automated", _("automatisch")
    RESIDENT = "resident", _("durch die Einwohnerin / den Einwohner")


class StepStatus(models.TextChoices):
    PENDING = "pending", _("offen")
    RUNNING = "running", _("läuft")
    DONE = "done", _("erledigt")
    FAILED = "failed", _("fehlgeschlagen (wird wiederholt)")
    MANUAL_FALLBACK = "manual_fallback", _("manuelle Bearbeitung nötig")
    SKIPPED = "skipped", _("entfallen")


# Steps a clerk can finish by hand.
CLERK_WORKABLE = (StepStatus.PENDING, StepStatus.FAILED, StepStatus.MANUAL_FALLBACK)


class CaseStep(models.Model):
    """One step of a case, instantiated from the version's StepDefinition at submission.

    Automated steps are run by ``cases.actors.run_step``; the idempotency key (case id and step
    position) is what adapters pass on so that a redelivered message never acts twice.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    definition = models.ForeignKey(
        "catalog.StepDefinition",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    position = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=60)
    name_de = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=StepKind.choices)
    adapter_key = models.CharField(max_length=80, blank=True)
    group_name = models.CharField(_("zuständige Gruppe"), max_length=150, blank=True)
    status = models.CharField(max_length=16, choices=StepStatus.choices, default=StepStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    input = EncryptedJSONField(default=dict, blank=True)
    output = EncryptedJSONField(default=dict, blank=True)
    last_error = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=60, unique=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "position"]
        constraints = [
            models.UniqueConstraint(fields=["case", "position"], name="case_step_position_unique")
        ]
        indexes = [models.Index(fields=["kind", "status"], name="case_step_kind_status")]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.position} {self.key} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (StepStatus.DONE, StepStatus.SKIPPED)


class CaseEvent(models.Model):
    """The audit timeline: who (a user, or the system when ``actor`` is empty), when, what."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40)
    text = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    visible_to_resident = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="case_event_timeline")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"

    def text_in(self, language: str) -> str:
        """The entry in ``language`` (``cases.event_texts``); the stored text is the German record."""
        return event_text_shown(text=self.text, details=self.details, language=language)

    @property
    def actor_label(self) -> str:
        if self.actor_id is None:
            return "System"
        return self.actor.get_full_name() or self.actor.email


def document_upload_to(instance: Document, filename: str) -> str:
    return f"cases/{instance.case_id}/{uuid.uuid4().hex}/{filename}"


class Document(models.Model):
    class Kind(models.TextChoices):
        UPLOAD = "upload", _("Beilage der Einwohnerin / des Einwohners")
        DECISION = "decision", _("Verfügung / Dokument der Verwaltung")
        INTERNAL = "internal", _("internes Dokument")
        GENERATED = "generated", _("automatisch erstellt")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.UPLOAD)
    file = models.FileField(upload_to=document_upload_to, max_length=300)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    field_key = models.CharField(max_length=60, blank=True)
    visible_to_resident = models.BooleanField(default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            # A step stores each of its files once, even when two runs of it race; uploads may
            # repeat a name (a clerk attaching two scans called "scan.pdf").
            models.UniqueConstraint(
                fields=["case", "field_key", "name"],
                condition=models.Q(kind="generated"),
                name="document_generated_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Message(models.Model):
    """The thread between the resident and the administration about one case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_resident = models.BooleanField()
    body = models.TextField()
    is_info_request = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.created_at:%Y-%m-%d %H:%M}"


class DeletionRecord(models.Model):
    """What retention deleted, when and under which rule: no personal content, only the case's
    identifiers by value (the case itself is gone)."""

    case_id = models.UUIDField(db_index=True)
    reference = models.CharField(max_length=20)
    service_key = models.CharField(max_length=80)
    version_number = models.PositiveIntegerField()
    status = models.CharField(max_length=24)
    closed_at = models.DateTimeField()
    retention_days = models.PositiveIntegerField()
    legal_basis = models.TextField()
    # Kinds of content deleted (form data, uploads, documents, messages, …) with their counts.
    deleted = models.JSONField(default=dict)
    deleted_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-deleted_at", "reference"]
        verbose_name = _("Löschprotokoll")
        verbose_name_plural = _("Löschprotokolle")

    def __str__(self) -> str:
        return f"{self.reference} ({self.deleted_at:%d.%m.%Y})"


class Draft(models.Model):
    """An order form saved before submitting ("Als Entwurf speichern"): the values as the
    resident typed them, unvalidated, one draft per resident and service.

    ``values`` holds the form's raw inputs by input name (lists of strings, as a browser posts
    them); they may carry AHV numbers, so they are encrypted like ``Case.data``. Changed only by
    ``cases.services.drafts``; retention deletes a draft ``DRAFT_RETENTION_DAYS`` after its last
    change.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts"
    )
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    # The version the values were typed for: resuming on a newer one drops vanished fields.
    version = models.ForeignKey(
        "catalog.ServiceVersion", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    values = EncryptedJSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "service"], name="draft_owner_service_unique")
        ]
        verbose_name = _("Entwurf")
        verbose_name_plural = _("Entwürfe")

    def __str__(self) -> str:
        return f"{self.service_id} ({self.updated_at:%d.%m.%Y})"


def draft_upload_to(instance: DraftFile, filename: str) -> str:
    return f"drafts/{instance.draft_id}/{uuid.uuid4().hex}/{filename}"


class DraftFile(models.Model):
    """An upload kept with a draft (type and size checked like an order's upload); it goes
    with the order when the draft is submitted without choosing a new file for its field."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="files")
    field_key = models.CharField(max_length=60)
    file = models.FileField(upload_to=draft_upload_to, max_length=300)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["field_key"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "field_key"], name="draft_file_field_unique")
        ]

    def __str__(self) -> str:
        return self.name


class NotificationSent(models.Model):
    """A notification e-mail that went out, by its job's key: a redelivered job sends nothing.

    Only identifiers (no address, no content); retention deletes the rows with their case.
    """

    key = models.CharField(max_length=32, primary_key=True)
    case_id = models.UUIDField(db_index=True)
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = _("versandte Benachrichtigung")
        verbose_name_plural = _("versandte Benachrichtigungen")

    def __str__(self) -> str:
        return self.key


# Payments of cases and the bank credits matched to them (cases/models/payments.py).
from .payments import BankCredit as BankCredit  # noqa: E402
from .payments import Payment as Payment  # noqa: E402
from .payments import PaymentMethod as PaymentMethod  # noqa: E402
from .payments import PaymentStatus as PaymentStatus  # noqa: E402
