"""The fee of a case and how far it is paid, and the bank credits (camt.054) matched to it
(commune schema; changed only by ``cases.services.payments`` and ``cases.services.camt``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentMethod(models.TextChoices):
    ONLINE = "online", _("online")
    QR_BILL = "qr_bill", _("QR-Rechnung")


class PaymentStatus(models.TextChoices):
    OPEN = "open", _("offen")
    PAID = "paid", _("bezahlt")
    FAILED = "failed", _("fehlgeschlagen")
    REFUNDED = "refunded", _("zurückerstattet")


class Payment(models.Model):
    """The fee of one case and how far it is paid (changed only by ``cases.services.payments``).

    Online: ``transaction_id`` is the provider's current transaction (a new attempt after a
    failure or cancellation replaces it). QR-bill: ``qr_reference`` is the invoice's reference
    that bank credits (camt.054) are matched by.
    """

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="payment")
    amount = models.DecimalField(_("Betrag (CHF)"), max_digits=10, decimal_places=2)
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.OPEN
    )
    transaction_id = models.CharField(max_length=60, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    qr_reference = models.CharField(max_length=27, blank=True, db_index=True)
    paid_amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    paid_at = models.DateTimeField(_("bezahlt am"), null=True, blank=True)
    refund_id = models.CharField(max_length=60, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["method", "status"], name="payment_method_status")]
        verbose_name = _("Zahlung")
        verbose_name_plural = _("Zahlungen")

    def __str__(self) -> str:
        return f"{self.case_id} {self.method} {self.status}"


class BankCredit(models.Model):
    """One credit of an imported camt.054 file and what it was matched to.

    ``entry_key`` identifies the credit across imports (the bank's reference of the entry and
    transaction, else a digest of its content), so a re-import books nothing twice.
    """

    class Outcome(models.TextChoices):
        MATCHED = "matched", _("zugeordnet")
        PARTIAL = "partial", _("Teilzahlung")
        OVERPAID = "overpaid", _("Überzahlung")
        UNKNOWN = "unknown", _("unbekannte Referenz")
        DUPLICATE = "duplicate", _("bereits bezahlt")

    entry_key = models.CharField(max_length=200, unique=True)
    reference = models.CharField(_("Referenz"), max_length=35, db_index=True)
    amount = models.DecimalField(_("Betrag (CHF)"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="CHF")
    booking_date = models.DateField(_("Buchungsdatum"))
    debtor = models.CharField(_("Auftraggeber/in"), max_length=140, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    payment = models.ForeignKey(
        Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="credits"
    )
    file_name = models.CharField(max_length=200, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-imported_at", "id"]
        verbose_name = _("Gutschrift")
        verbose_name_plural = _("Gutschriften")

    def __str__(self) -> str:
        return f"{self.reference} {self.amount} {self.outcome}"
