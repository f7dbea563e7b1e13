"""Every write on cases goes through these functions (each writes its audit events)."""

from ..automation.common import document_generated_add
from ..exceptions import InvalidTransition, ServiceNotOrderable
from .camt import camt_import, camt_import_canton, credits_book
from .clerk import (
    case_assign,
    case_decide,
    case_document_add,
    case_hold_set,
    case_note_add,
    case_request_info,
    case_share,
)
from .documents import document_store
from .drafts import (
    DRAFT_RETENTION_DAYS,
    DraftRefused,
    draft_delete,
    draft_form,
    draft_resume,
    draft_save,
    draft_submit,
)
from .forms import OrderInvalid, order_form_class, order_initial, order_validate
from .index import case_index_backfill_for_user, case_index_write
from .machine import step_run
from .messages import message_send
from .payments import (
    PaymentNotificationRefused,
    PaymentUrls,
    payment_invoice_record,
    payment_notification_receive,
    payment_open,
    payment_refund,
    payment_start,
    payment_status_query,
    payments_sweep,
)
from .resident import case_answer_info, case_withdraw
from .steps import case_advance, step_complete, step_retry
from .submit import case_submit, offer_for_order, order_level_check, reference_next
from .sweep import steps_sweep

__all__ = [
    "DRAFT_RETENTION_DAYS",
    "DraftRefused",
    "InvalidTransition",
    "OrderInvalid",
    "PaymentNotificationRefused",
    "PaymentUrls",
    "ServiceNotOrderable",
    "camt_import",
    "camt_import_canton",
    "case_advance",
    "case_answer_info",
    "case_assign",
    "case_decide",
    "case_document_add",
    "case_hold_set",
    "case_index_backfill_for_user",
    "case_index_write",
    "case_note_add",
    "case_request_info",
    "case_share",
    "case_submit",
    "case_withdraw",
    "credits_book",
    "document_generated_add",
    "document_store",
    "draft_delete",
    "draft_form",
    "draft_resume",
    "draft_save",
    "draft_submit",
    "message_send",
    "offer_for_order",
    "order_form_class",
    "order_initial",
    "order_level_check",
    "order_validate",
    "payment_invoice_record",
    "payment_notification_receive",
    "payment_open",
    "payment_refund",
    "payment_start",
    "payment_status_query",
    "payments_sweep",
    "reference_next",
    "step_complete",
    "step_retry",
    "step_run",
    "steps_sweep",
]
