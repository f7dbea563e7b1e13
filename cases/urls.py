"""Case pages of a commune host: ordering, "Meine Geschäfte", documents, back office."""

from django.urls import path

from .views import backoffice as bo
from .views import payments, resident
from .views.seal import seal_check_page

app_name = "cases"

urlpatterns = [
    path("siegel-pruefen/", seal_check_page, name="seal-check"),
    path("dienstleistungen/<slug:key>/bestellen/", resident.order, name="order"),
    path("meine-geschaefte/", resident.my_cases, name="my-cases"),
    path(
        "meine-geschaefte/entwuerfe/<uuid:draft_id>/loeschen/",
        resident.draft_delete,
        name="draft-delete",
    ),
    path("meine-geschaefte/<uuid:case_id>/", resident.my_case, name="my-case"),
    path(
        "meine-geschaefte/<uuid:case_id>/bestaetigung/",
        resident.confirmation,
        name="confirmation",
    ),
    path(
        "meine-geschaefte/<uuid:case_id>/nachricht/",
        resident.my_case_message,
        name="my-case-message",
    ),
    path(
        "meine-geschaefte/<uuid:case_id>/antwort/", resident.my_case_answer, name="my-case-answer"
    ),
    path(
        "meine-geschaefte/<uuid:case_id>/schritte/<int:step_id>/erledigt/",
        resident.my_case_step_done,
        name="my-case-step-done",
    ),
    path(
        "meine-geschaefte/<uuid:case_id>/zurueckziehen/",
        resident.my_case_withdraw,
        name="my-case-withdraw",
    ),
    path("meine-geschaefte/<uuid:case_id>/bezahlen/", payments.payment_start, name="payment-start"),
    path(
        "meine-geschaefte/<uuid:case_id>/zahlung/<slug:outcome>/",
        payments.payment_return,
        name="payment-return",
    ),
    path("zahlungen/meldung/", payments.payment_notify, name="payment-notify"),
    path("backoffice/zahlungen/", payments.bank_credits, name="bo-bank-credits"),
    path("dokumente/<uuid:document_id>/", resident.document_download, name="document"),
    path("backoffice/", bo.inbox, name="bo-inbox"),
    path("backoffice/geschaefte/<uuid:case_id>/", bo.case_detail, name="bo-case"),
    path("backoffice/geschaefte/<uuid:case_id>/zuweisen/", bo.assign, name="bo-assign"),
    path(
        "backoffice/geschaefte/<uuid:case_id>/schritte/<int:step_id>/erledigt/",
        bo.step_done,
        name="bo-step-done",
    ),
    path(
        "backoffice/geschaefte/<uuid:case_id>/schritte/<int:step_id>/wiederholen/",
        bo.step_retry,
        name="bo-step-retry",
    ),
    path(
        "backoffice/geschaefte/<uuid:case_id>/rueckfrage/", bo.request_info, name="bo-request-info"
    ),
    path("backoffice/geschaefte/<uuid:case_id>/entscheid/", bo.decide, name="bo-decide"),
    path("backoffice/geschaefte/<uuid:case_id>/notiz/", bo.note, name="bo-note"),
    path("backoffice/geschaefte/<uuid:case_id>/aufbewahrung/", bo.hold, name="bo-hold"),
    path("backoffice/geschaefte/<uuid:case_id>/weiterleiten/", bo.share, name="bo-share"),
    path(
        "backoffice/geschaefte/<uuid:case_id>/dokumente/", bo.document_add, name="bo-document-add"
    ),
    path("backoffice/geschaefte/<uuid:case_id>/nachricht/", bo.message, name="bo-message"),
]
