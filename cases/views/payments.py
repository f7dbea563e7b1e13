"""Payment pages: "Bezahlen" (to the provider's payment page and back), the provider's
server-to-server notification, and the clerks' camt.054 import (/backoffice/zahlungen/)."""

from __future__ import annotations

import contextlib
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.bank.camt054 import CamtError
from integrations.base import IntegrationError

from .. import selectors, services
from ..exceptions import InvalidTransition
from .backoffice import backoffice_required

logger = logging.getLogger("cases.payments")
OUTCOMES = {
    "erfolgreich": "success",
    "abgebrochen": "cancel",
    "fehlgeschlagen": "error",
}
MAX_UPLOAD = 50 * 1024 * 1024


def _urls(request: HttpRequest, case_id) -> services.PaymentUrls:
    def back(slug: str) -> str:
        path = reverse("cases:payment-return", kwargs={"case_id": case_id, "outcome": slug})
        return request.build_absolute_uri(path)

    return services.PaymentUrls(
        success=back("erfolgreich"),
        cancel=back("abgebrochen"),
        error=back("fehlgeschlagen"),
        webhook=request.build_absolute_uri(reverse("cases:payment-notify")),
    )


@login_required
@require_POST
def payment_start(request: HttpRequest, case_id) -> HttpResponse:
    """ "Bezahlen": open a transaction and send the browser to the payment page."""
    case = selectors.case_get_for_applicant(user=request.user, case_id=case_id)
    back = reverse("cases:my-case", kwargs={"case_id": case.pk})
    try:
        url = services.payment_start(
            case=case, urls=_urls(request, case.pk), language=(get_language() or "de")[:2]
        )
    except InvalidTransition as exc:
        messages.error(request, exc.message)
        return redirect(back)
    except IntegrationError:
        messages.error(
            request,
            _("Die Online-Zahlung ist im Moment nicht möglich. Bitte versuchen Sie es später."),
        )
        return redirect(back)
    return redirect(url)


@login_required
def payment_return(request: HttpRequest, case_id, outcome: str) -> HttpResponse:
    """Back from the payment page: the state comes from the provider, never from the URL."""
    case = selectors.case_get_for_applicant(user=request.user, case_id=case_id)
    payment = getattr(case, "payment", None)
    if payment is not None and outcome in OUTCOMES:
        # On a provider fault, the notification or the periodic status query brings the state.
        with contextlib.suppress(IntegrationError):
            services.payment_status_query(payment_id=payment.pk, source="return")
        payment.refresh_from_db()
        texts = {
            "paid": _("Vielen Dank, die Gebühr ist bezahlt."),
            "failed": _("Die Zahlung ist fehlgeschlagen. Sie können es nochmals versuchen."),
        }
        text = texts.get(
            payment.status, _("Die Zahlung ist nicht abgeschlossen. Sie können sie erneut starten.")
        )
        (messages.success if payment.status == "paid" else messages.warning)(request, text)
    return redirect(reverse("cases:my-case", kwargs={"case_id": case.pk}))


@csrf_exempt
@require_POST
def payment_notify(request: HttpRequest) -> HttpResponse:
    """The provider's signed server-to-server notification (no login, no CSRF: the HMAC
    signature over the raw body is the authentication)."""
    try:
        outcome = services.payment_notification_receive(
            body=request.body, signature=request.headers.get("Datatrans-Signature")
        )
    except services.PaymentNotificationRefused:
        return HttpResponse("refused", status=400, content_type="text/plain")
    return HttpResponse(outcome, content_type="text/plain")


@backoffice_required
def bank_credits(request: HttpRequest) -> HttpResponse:
    """Import a camt.054 file; the credits the clerk has to look at."""
    result = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Bitte eine camt.054-Datei wählen."))
        elif upload.size > MAX_UPLOAD:
            messages.error(request, _("Die Datei ist grösser als 50 MB."))
        else:
            try:
                result = services.camt_import(
                    content=upload.read(), file_name=upload.name, user=request.user
                )
            except CamtError as exc:
                messages.error(
                    request, _("Datei abgelehnt, nichts gebucht: %(e)s") % {"e": exc.message}
                )
    context = {"result": result, "credits": selectors.bank_credits_for_clerk()}
    return render(request, "cases/backoffice/bank_credits.html", context)


def canton_bank_credits(request: HttpRequest) -> HttpResponse:
    """The canton's camt.054 upload for all communes (public host, cantonal admin): each credit
    goes to the commune whose BFS number starts its QR reference (``camt_import_canton``).
    Mounted behind ``canton_admin_site.admin_view`` (login, staff, public schema); only
    cantonal staff (role ``canton``) or superusers book."""
    user = request.user
    if not (user.is_superuser or getattr(user, "role", "") == "canton"):
        raise PermissionDenied
    result = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Bitte eine camt.054-Datei wählen."))
        elif upload.size > MAX_UPLOAD:
            messages.error(request, _("Die Datei ist grösser als 50 MB."))
        else:
            try:
                result = services.camt_import_canton(content=upload.read(), file_name=upload.name)
            except CamtError as exc:
                messages.error(
                    request, _("Datei abgelehnt, nichts gebucht: %(e)s") % {"e": exc.message}
                )
    context = {"result": result, "title": _("Zahlungseingänge aller Gemeinden (camt.054)")}
    return render(request, "cases/canton_bank_credits.html", context)
