"""The clerk back office (/backoffice/): inbox, case detail and actions (plain POST forms)."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from accounts.models import User
from tenants.safe_input import id_from_text

from .. import selectors, services
from ..fallbacks import fallback_is_failure
from ..models import CLERK_WORKABLE, CaseStatus, StepKind, StepStatus
from ..permissions import can_work_on, is_backoffice_user
from ..services.access_log import identity_view_record, shows_identity_number
from ..services.identity import applicant_facts
from ..services.invoices import step_issues_invoice
from .common import answers, language, run_action, version_name

PAGE_SIZE = 25


def backoffice_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_backoffice_user(request.user):
            raise PermissionDenied(_("Der Backoffice ist der Verwaltung vorbehalten."))
        return view(request, *args, **kwargs)

    return wrapped


def _status_links(query: dict, filters, counts: dict) -> list[dict]:
    """The links above the inbox: open cases (default), every status, all cases."""
    others = {k: v for k, v in query.items() if k not in ("status", "ueberfaellig", "stoerung")}
    entries = [(selectors.INBOX_OPEN, _("offen (alle offenen)"), counts.get(selectors.INBOX_OPEN))]
    entries += [
        (value, _("wartet auf Einwohner/in") if value == "waiting_for_resident" else label, None)
        for value, label in CaseStatus.choices
    ]
    entries.append((selectors.INBOX_ALL, _("alle Geschäfte"), None))
    return [
        {
            "value": value,
            "label": label,
            "count": count if count is not None else counts.get(value),
            "url": "?" + urlencode({**others, "status": value}),
            "current": filters.status == value and not (filters.overdue or filters.disrupted),
        }
        for value, label, count in entries
    ]


def _inbox_status(value: str) -> str:
    """The status filter from the URL: a case status, "alle", or "offen" (default, also for
    anything unknown)."""
    if value in CaseStatus.values or value == selectors.INBOX_ALL:
        return value
    return selectors.INBOX_OPEN


@backoffice_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The inbox: filters (service, status, assignee, overdue), counts per status, pages."""
    filters = selectors.InboxFilters(
        service=request.GET.get("dienst", ""),
        status=_inbox_status(request.GET.get("status", "")),
        assignee=request.GET.get("zugewiesen", ""),
        overdue=request.GET.get("ueberfaellig") == "1",
        disrupted=request.GET.get("stoerung") == "1",
        q=request.GET.get("q", ""),
    )
    cases, counts = selectors.inbox(user=request.user, filters=filters)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("seite"))
    for case in page:
        case.display_name = version_name(case)
    disrupted_ids = selectors.cases_with_failed_automation(case_ids=[c.pk for c in page])
    query = {k: v for k, v in request.GET.items() if k != "seite" and v}
    status_links = _status_links(query, filters, counts)
    colleagues = User.objects.filter(
        is_active=True, role__in=[User.Role.CLERK, User.Role.ADMIN]
    ).order_by("last_name", "first_name", "email")
    return render(
        request,
        "cases/backoffice/inbox.html",
        {
            "page": page,
            "filters": filters,
            "counts": counts,
            "status_links": status_links,
            "statuses": CaseStatus.choices,
            "services": selectors.service_choices_for_inbox(user=request.user),
            "colleagues": colleagues,
            "query": urlencode(query),
            "disrupted_ids": disrupted_ids,
            "today": timezone.localdate(),
        },
    )


STAGE_TEXT = {
    "automated": _lazy(
        "automatisiert: das Portal erledigt die automatischen Schritte; "
        "Sie erledigen die übrigen und, was scheitert"
    ),
    "form": _lazy("Formular: Sie erledigen alle Schritte von Hand"),
    "link": _lazy("bisheriger Online-Schalter (nicht im Portal bearbeitet)"),
}


def _steps_for_display(case) -> list:
    """The case's steps, each with ``failed``: an automated step waiting for a clerk because
    the automation failed (not by design: ``cases.fallbacks``)."""
    steps = list(case.steps.order_by("position"))
    for step in steps:
        step.failed = step.status == StepStatus.MANUAL_FALLBACK and fallback_is_failure(
            attempts=step.attempts, last_error=step.last_error
        )
    return steps


@backoffice_required
def case_detail(request: HttpRequest, case_id) -> HttpResponse:
    case = selectors.case_get_for_backoffice(user=request.user, case_id=case_id)
    steps = _steps_for_display(case)
    current = next((s for s in steps if not s.is_finished), None)
    workable = bool(current and current.status in CLERK_WORKABLE and case.is_open)
    if shows_identity_number(case, steps):
        identity_view_record(case=case, clerk=request.user)
    return render(
        request,
        "cases/backoffice/case.html",
        {
            "case": case,
            "service_name": version_name(case),
            "stage_text": STAGE_TEXT.get(case.stage, case.stage),
            "applicant": applicant_facts(case=case),
            "answers": answers(case),
            "steps": steps,
            "current": current,
            "current_workable": workable,
            "current_issues_invoice": workable and step_issues_invoice(current),
            "pending_invoice": case.is_open
            and any(not s.is_finished and step_issues_invoice(s) for s in steps),
            "current_retryable": bool(
                workable
                and current.kind == StepKind.AUTOMATED
                and case.stage == "automated"
                and (current.status == StepStatus.FAILED or current.failed)
            ),
            "can_work": can_work_on(user=request.user, case=case),
            "events": selectors.case_timeline(case=case, internal=True),
            "documents": selectors.document_titles(
                case=case,
                documents=selectors.case_documents(case=case, internal=True),
                language=language(),
            ),
            "payment": selectors.payment_summary(case=case),
            "thread": selectors.case_messages(case=case),
            "groups": selectors.case_groups(case=case),
            "colleagues": selectors.case_colleagues(case=case),
            "other_groups": Group.objects.exclude(
                pk__in=selectors.case_groups(case=case).values("pk")
            ).order_by("name"),
        },
    )


def _back(case) -> str:
    return reverse("cases:bo-case", kwargs={"case_id": case.pk})


def _case(request, case_id):
    return selectors.case_get_for_backoffice(user=request.user, case_id=case_id)


@backoffice_required
@require_POST
def assign(request: HttpRequest, case_id) -> HttpResponse:
    case = _case(request, case_id)
    value = request.POST.get("assignee", "")
    if value == "me":
        assignee = request.user
    elif value == "":
        assignee = None
    else:
        assignee_id = id_from_text(value)
        assignee = User.objects.filter(pk=assignee_id).first() if assignee_id else None
        if assignee is None:
            messages.error(request, _("Unbekannte Person."))
            return redirect(_back(case))
    return run_action(
        request,
        lambda: services.case_assign(case=case, user=request.user, assignee=assignee),
        success=_("Zuweisung gespeichert."),
        back=_back(case),
    )


@backoffice_required
@require_POST
def step_done(request: HttpRequest, case_id, step_id: int) -> HttpResponse:
    case = _case(request, case_id)
    step = case.steps.filter(pk=step_id).first()
    if step is None:
        messages.error(request, _("Diesen Schritt gibt es nicht."))
        return redirect(_back(case))
    return run_action(
        request,
        lambda: services.step_complete(
            step_id=step.pk, user=request.user, comment=request.POST.get("comment", "").strip()
        ),
        success=_("Schritt erledigt."),
        back=_back(case),
    )


@backoffice_required
@require_POST
def step_retry(request: HttpRequest, case_id, step_id: int) -> HttpResponse:
    case = _case(request, case_id)
    step = get_object_or_404(case.steps, pk=step_id)
    return run_action(
        request,
        lambda: services.step_retry(step_id=step.pk, user=request.user),
        success=_("Der Schritt wird erneut automatisch ausgeführt."),
        back=_back(case),
    )


@backoffice_required
@require_POST
def request_info(request: HttpRequest, case_id) -> HttpResponse:
    case = _case(request, case_id)
    return run_action(
        request,
        lambda: services.case_request_info(
            case=case, user=request.user, question=request.POST.get("question", "")
        ),
        success=_("Rückfrage gesendet; die Frist ruht, bis die Antwort da ist."),
        back=_back(case),
    )


@backoffice_required
@require_POST
def decide(request: HttpRequest, case_id) -> HttpResponse:
    case = _case(request, case_id)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Bitte wählen Sie «gutheissen» oder «ablehnen»."))
        return redirect(_back(case))
    return run_action(
        request,
        lambda: services.case_decide(
            case=case,
            user=request.user,
            approve=decision == "approve",
            reason=request.POST.get("reason", ""),
            document=request.FILES.get("document"),
        ),
        success=_("Entscheid gespeichert."),
        back=_back(case),
    )


@backoffice_required
@require_POST
def note(request: HttpRequest, case_id) -> HttpResponse:
    case = _case(request, case_id)
    return run_action(
        request,
        lambda: services.case_note_add(
            case=case, user=request.user, text=request.POST.get("text", "")
        ),
        success=_("Notiz gespeichert."),
        back=_back(case) + "#verlauf",
    )


@backoffice_required
@require_POST
def hold(request: HttpRequest, case_id) -> HttpResponse:
    case = _case(request, case_id)
    return run_action(
        request,
        lambda: services.case_hold_set(
            case=case,
            user=request.user,
            legal_hold=request.POST.get("legal_hold") == "on",
            objection_open=request.POST.get("objection_open") == "on",
            reason=request.POST.get("reason", ""),
        ),
        success=_("Löschsperre gespeichert."),
        back=_back(case) + "#aufbewahrung",
    )


@backoffice_required
@require_POST
def message(request: HttpRequest, case_id) -> HttpResponse:
    case = _case(request, case_id)
    return run_action(
        request,
        lambda: services.message_send(
            case=case, user=request.user, body=request.POST.get("body", "")
        ),
        success=_("Nachricht gesendet."),
        back=_back(case) + "#nachrichten",
    )


@backoffice_required
@require_POST
def share(request: HttpRequest, case_id) -> HttpResponse:
    case = _case(request, case_id)
    group_id = id_from_text(request.POST.get("group"))
    group = Group.objects.filter(pk=group_id).first() if group_id else None
    if group is None:
        messages.error(request, _("Bitte wählen Sie eine Gruppe."))
        return redirect(_back(case))
    return run_action(
        request,
        lambda: services.case_share(case=case, user=request.user, group=group),
        success=_("Das Geschäft wurde an die Gruppe weitergeleitet."),
        back=_back(case),
    )


@backoffice_required
@require_POST
def document_add(request: HttpRequest, case_id) -> HttpResponse:
    case = _case(request, case_id)
    return run_action(
        request,
        lambda: services.case_document_add(
            case=case,
            user=request.user,
            upload=request.FILES.get("document"),
            visible_to_resident=request.POST.get("visible") == "1",
        ),
        success=_("Dokument gespeichert."),
        back=_back(case),
    )
