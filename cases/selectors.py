"""Reads on cases, always filtered by who asks (404 for everything a user may not see)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from accounts.models import User
from catalog.formdefs import text_in
from catalog.models import ServiceVersion
from tenants.safe_input import id_from_text

from .fallbacks import failed_fallback_q
from .models import (
    OPEN_STATUSES,
    BankCredit,
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseStatus,
    CaseStep,
    Document,
    Draft,
    Message,
    Payment,
    PaymentMethod,
    PaymentStatus,
    StepKind,
    StepStatus,
)
from .permissions import is_backoffice_user, is_commune_admin


def case_list_for_applicant(*, user: User) -> QuerySet[Case]:
    """The cases ``user`` submitted ("Meine Geschäfte"), newest first."""
    if not user.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(applicant=user).select_related("service", "version")


def case_get_for_applicant(*, user: User, case_id) -> Case:
    """The applicant's own case, or Http404."""
    case = case_list_for_applicant(user=user).filter(pk=case_id).first()
    if case is None:
        raise Http404("Geschäft nicht gefunden")
    return case


def case_list_for_backoffice(*, user: User) -> QuerySet[Case]:
    """The cases a clerk may see (their groups', or granted to them); all for an admin."""
    if not is_backoffice_user(user):
        return Case.objects.none()
    base = Case.objects.select_related("service", "version", "assignee", "applicant")
    if is_commune_admin(user):
        return base.all()
    return get_objects_for_user(
        user, "cases.view_case", klass=base, accept_global_perms=False, with_superuser=False
    )


def case_get_for_backoffice(*, user: User, case_id) -> Case:
    case = case_list_for_backoffice(user=user).filter(pk=case_id).first()
    if case is None:
        raise Http404("Geschäft nicht gefunden")
    return case


def case_list_visible(*, user: User) -> QuerySet[Case]:
    """Everything ``user`` may see: own cases, plus the back-office view for clerks."""
    own = case_list_for_applicant(user=user)
    if not is_backoffice_user(user):
        return own
    visible_ids = case_list_for_backoffice(user=user).values("pk")
    return Case.objects.filter(Q(pk__in=visible_ids) | Q(applicant=user)).select_related(
        "service", "version", "assignee", "applicant"
    )


def case_get_visible(*, user: User, case_id) -> Case:
    case = case_list_visible(user=user).filter(pk=case_id).first()
    if case is None:
        raise Http404("Geschäft nicht gefunden")
    return case


# The inbox's pseudo statuses (URL values): every open case (the default view), every case.
INBOX_OPEN = "offen"
INBOX_ALL = "alle"


@dataclass
class InboxFilters:
    service: str = ""
    status: str = INBOX_OPEN  # a CaseStatus value, INBOX_OPEN (the default) or INBOX_ALL
    assignee: str = ""  # "", "me", "none" or a user id
    overdue: bool = False
    disrupted: bool = False  # an automated step failed and waits for a clerk
    q: str = ""


def overdue_q(today=None) -> Q:
    today = today or timezone.localdate()
    return Q(
        status__in=[CaseStatus.SUBMITTED, CaseStatus.IN_PROGRESS],
        due_date__lt=today,
    )


def disrupted_q() -> Q:
    """Open cases with an automated step that fell back to a clerk because the automation
    failed (not because the commune offers the service as a form, nor for an identity check:
    ``cases.fallbacks``)."""
    fallen_back = (
        CaseStep.objects.filter(kind=StepKind.AUTOMATED, status=StepStatus.MANUAL_FALLBACK)
        .filter(failed_fallback_q())
        .values("case_id")
    )
    return Q(pk__in=fallen_back, status__in=OPEN_STATUSES)


def cases_with_failed_automation(*, case_ids: list) -> set:
    """Of ``case_ids``, those with an automated step that failed and waits for a clerk."""
    return set(
        CaseStep.objects.filter(
            case__in=case_ids, kind=StepKind.AUTOMATED, status=StepStatus.MANUAL_FALLBACK
        )
        .filter(failed_fallback_q())
        .values_list("case_id", flat=True)
    )


def inbox(*, user: User, filters: InboxFilters) -> tuple[QuerySet[Case], dict[str, int]]:
    """The back-office inbox: visible cases filtered, and counts per status (before the status
    filter, after the others), plus ``offen``, ``overdue`` and ``disrupted``. By default only
    open cases, the nearest due date first; with every case, closed ones follow, latest first."""
    cases = case_list_for_backoffice(user=user)
    if filters.service:
        cases = cases.filter(service__key=filters.service)
    if filters.assignee == "me":
        cases = cases.filter(assignee=user)
    elif filters.assignee == "none":
        cases = cases.filter(assignee__isnull=True)
    elif id_from_text(filters.assignee):
        cases = cases.filter(assignee_id=id_from_text(filters.assignee))
    if filters.q:
        cases = cases.filter(reference__icontains=filters.q.strip())
    counts = {row["status"]: row["n"] for row in cases.values("status").annotate(n=Count("pk"))}
    counts = {status: counts.get(status, 0) for status in CaseStatus.values}
    counts["overdue"] = cases.filter(overdue_q()).count()
    counts["disrupted"] = cases.filter(disrupted_q()).count()
    counts[INBOX_OPEN] = sum(counts[status] for status in OPEN_STATUSES)
    if filters.status == INBOX_OPEN:
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif filters.status and filters.status != INBOX_ALL:
        cases = cases.filter(status=filters.status)
    if filters.overdue:
        cases = cases.filter(overdue_q())
    if filters.disrupted:
        cases = cases.filter(disrupted_q())
    # Open cases first, the nearest due date on top; closed ones after, the latest first.
    return cases.order_by(
        F("closed_at").desc(nulls_first=True), "due_date", "submitted_at", "reference"
    ), counts


def case_timeline(*, case: Case, internal: bool) -> QuerySet[CaseEvent]:
    """The case's events; without ``internal`` only those meant for the resident."""
    events = case.events.select_related("actor")
    return events if internal else events.filter(visible_to_resident=True)


def case_documents(*, case: Case, internal: bool) -> QuerySet[Document]:
    documents = case.documents.all()
    if internal:
        return documents
    documents = documents.filter(visible_to_resident=True)
    if result_withheld(case=case):
        documents = documents.exclude(kind__in=RESULT_KINDS)
    return documents


# What a resident receives as the result of a case (withheld until an online fee is paid).
RESULT_KINDS = (Document.Kind.GENERATED, Document.Kind.DECISION)


def result_withheld(*, case: Case) -> bool:
    """True while the service wants its fee paid online before the result and it is unpaid."""
    return Payment.objects.filter(
        case=case,
        method=PaymentMethod.ONLINE,
        status__in=(PaymentStatus.OPEN, PaymentStatus.FAILED),
    ).exists()


def case_messages(*, case: Case) -> QuerySet[Message]:
    return case.messages.select_related("sender")


def case_groups(*, case: Case) -> QuerySet[Group]:
    """The commune groups that may see the case."""
    ids = CaseGroupObjectPermission.objects.filter(
        content_object=case, permission__codename="view_case"
    ).values("group_id")
    return Group.objects.filter(pk__in=ids).order_by("name")


def case_colleagues(*, case: Case) -> QuerySet[User]:
    """Clerks and administrators the case can be assigned to."""
    groups = case_groups(case=case)
    return (
        User.objects.filter(is_active=True)
        .filter(Q(role=User.Role.ADMIN) | Q(role=User.Role.CLERK, groups__in=groups))
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


def document_get_for_user(*, user: User, document_id) -> Document:
    """A document the user may download: their own case's visible documents, or any document
    of a case they can see in the back office."""
    document = Document.objects.select_related("case").filter(pk=document_id).first()
    if document is None:
        raise Http404("Dokument nicht gefunden")
    case = document.case
    if case_list_for_backoffice(user=user).filter(pk=case.pk).exists():
        return document
    if case.applicant_id == user.pk and document.visible_to_resident:
        if document.kind in RESULT_KINDS and result_withheld(case=case):
            raise Http404("Dokument nicht gefunden")
        return document
    raise Http404("Dokument nicht gefunden")


def service_choices_for_inbox(*, user: User) -> list[tuple[str, str]]:
    keys = (
        case_list_for_backoffice(user=user)
        .values_list("service__key", flat=True)
        .distinct()
        .order_by("service__key")
    )
    names = dict(
        ServiceVersion.objects.filter(service__key__in=list(keys), status="published").values_list(
            "service__key", "name_de"
        )
    )
    return [(key, names.get(key, key)) for key in keys]


def bank_credits_for_clerk(*, limit: int = 200) -> QuerySet[BankCredit]:
    """Imported credits the clerk has to look at: partial, over-paid, duplicate, unknown."""
    return (
        BankCredit.objects.exclude(outcome=BankCredit.Outcome.MATCHED)
        .select_related("payment__case")
        .order_by("-imported_at", "id")[:limit]
    )


def _fee_due_after_withdrawal(case: Case, payment: Payment | None) -> bool:
    """A withdrawn case owes its fee only once the invoice was issued; a paid (or refunded)
    fee stays visible."""
    if payment is not None and payment.status in ("paid", "refunded"):
        return True
    return case.steps.filter(adapter_key=INVOICE_ADAPTER, status=StepStatus.DONE).exists()


def payment_summary(*, case: Case) -> dict | None:
    """The case's fee as the API and the case page show it (``amount``, ``method``,
    ``status``, ``paid_at``); None when the case has no fee. A case from before payments were
    recorded shows its fee as open, paid by the version's mode. A case withdrawn before its
    invoice owes nothing (None)."""
    payment = Payment.objects.filter(case=case).first()
    if case.status == CaseStatus.WITHDRAWN and not _fee_due_after_withdrawal(case, payment):
        return None
    if payment is None:
        if not case.fee or case.fee <= 0:
            return None
        mode = getattr(case.version, "payment_mode", "qr_bill")
        return {
            "amount": case.fee,
            "method": "online" if mode == "online" else "qr_bill",
            "status": "open",
            "paid_at": None,
        }
    return {
        "amount": payment.amount,
        "method": payment.method,
        "status": payment.status,
        "paid_at": payment.paid_at,
    }


INVOICE_ADAPTER = "billing.qr_invoice"


@dataclass(frozen=True)
class CaseExpectation:
    """What the resident can expect of a case: ``automated`` when every step still to come runs
    without a clerk (done "in a few minutes", not by the service norm), ``running`` while an
    automated step is queued or running (the page refreshes itself), ``invoiced`` once the
    invoice step has issued its invoice."""

    automated: bool
    running: bool
    invoiced: bool


def case_expectation(*, case: Case, steps: list[CaseStep]) -> CaseExpectation:
    """The expectation of ``case`` from its ordered ``steps``."""
    remaining = [s for s in steps if not s.is_finished]
    current = remaining[0] if remaining else None
    automated = (
        case.is_open
        and not case.is_paused
        and bool(remaining)
        and all(
            s.kind == StepKind.AUTOMATED and s.status != StepStatus.MANUAL_FALLBACK
            for s in remaining
        )
    )
    running = (
        case.is_open
        and current is not None
        and current.kind == StepKind.AUTOMATED
        and current.status in (StepStatus.PENDING, StepStatus.RUNNING, StepStatus.FAILED)
    )
    invoiced = any(s.adapter_key == INVOICE_ADAPTER and s.status == StepStatus.DONE for s in steps)
    return CaseExpectation(automated=automated, running=running, invoiced=invoiced)


def popular_service_ids(*, limit: int = 6, days: int = 365) -> list[int]:
    """The services ordered most often in the current commune over the last ``days``."""
    since = timezone.now() - timezone.timedelta(days=days)
    rows = (
        Case.objects.filter(submitted_at__gte=since)
        .values("service_id")
        .annotate(n=Count("id"))
        .order_by("-n", "service_id")[:limit]
    )
    return [r["service_id"] for r in rows]


def document_titles(*, case: Case, documents, language: str = "de") -> list[Document]:
    """``documents`` with a ``title`` each: an upload carries the label of the form field it
    was attached to ("Fahrzeugausweis"), other documents their name; the file name stays
    available as ``name``."""
    fields = (case.version.form_definition or {}).get("fields", []) if case.version_id else []
    labels = {f.get("key"): text_in(f.get("label"), language) for f in fields}
    titled = list(documents)
    for document in titled:
        document.title = labels.get(document.field_key) or document.name
    return titled


def draft_list_for_owner(*, user: User) -> QuerySet[Draft]:
    """The drafts ``user`` saved in this commune, last changed first."""
    if not user.is_authenticated:
        return Draft.objects.none()
    return Draft.objects.filter(owner=user).select_related("service", "version")


def draft_get_for_owner(*, user: User, draft_id) -> Draft:
    """The owner's own draft, or Http404 (another resident's draft does not exist for them)."""
    draft = draft_list_for_owner(user=user).filter(pk=draft_id).first()
    if draft is None:
        raise Http404("Entwurf nicht gefunden")
    return draft


def draft_for_service(*, user: User, service_id: int) -> Draft | None:
    """``user``'s draft of a service (at most one), with its kept uploads."""
    return (
        draft_list_for_owner(user=user)
        .filter(service_id=service_id)
        .prefetch_related("files")
        .first()
    )
