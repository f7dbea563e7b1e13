"""Resident pages on the commune host: order a service, "Meine Geschäfte", documents."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..explain import status_explanation
from ..models import StepKind
from ..services.drafts import REMOVE_FILE, SAVE_FLAG
from .common import answers, language, run_action, validation_text, version_name


def _level_refused(request: HttpRequest, exc, key: str) -> HttpResponse:
    """The login is below the service's quality level: why, and the step-up at the provider."""
    step_up = "{}?{}".format(
        reverse("identity-login"),
        urlencode({"stufe": exc.required_level, "next": f"/dienstleistungen/{key}/bestellen/"}),
    )
    return render(
        request,
        "cases/not_orderable.html",
        {"reason": exc.message, "step_up_url": step_up},
        status=403,
    )


@login_required
def order(request: HttpRequest, key: str) -> HttpResponse:
    """The order form generated from the service's definition; POST submits the case, or, with
    "Als Entwurf speichern", saves the inputs as the resident's draft. An existing draft of the
    service opens prefilled."""
    try:
        offer, version = services.offer_for_order(service_key=key)
    except services.ServiceNotOrderable as exc:
        return render(
            request,
            "cases/not_orderable.html",
            {"reason": exc.message, "link_url": exc.link_url},
            status=404 if exc.code == "not_offered" else 200,
        )
    try:
        services.order_level_check(user=request.user, version=version)
    except services.ServiceNotOrderable as exc:
        return _level_refused(request, exc, key)
    form_class = services.order_form_class(version, language=language())
    draft = selectors.draft_for_service(user=request.user, service_id=version.service_id)
    resume = (
        services.draft_resume(draft=draft, version=version, language=language())
        if draft is not None
        else None
    )
    draft_error = ""
    if request.method == "POST" and SAVE_FLAG in request.POST:
        try:
            saved = services.draft_save(
                user=request.user,
                service_key=key,
                data=request.POST,
                files=request.FILES,
                language=language(),
            )
        except services.DraftRefused as exc:
            draft_error = validation_text(exc)
            form = services.draft_form(form_class=form_class, data=request.POST)
        except services.ServiceNotOrderable as exc:
            return render(request, "cases/not_orderable.html", {"reason": exc.message})
        else:
            _draft_saved_messages(request, saved.refused_files)
            return redirect("cases:order", key=key)
    elif request.method == "POST":
        try:
            case = services.draft_submit(
                user=request.user,
                service_key=key,
                data=request.POST,
                files=request.FILES,
                language=language(),
            )
        except services.OrderInvalid as exc:
            form = exc.form
        except services.ServiceNotOrderable as exc:
            if exc.code == "auth_level":
                return _level_refused(request, exc, key)
            return render(request, "cases/not_orderable.html", {"reason": exc.message})
        else:
            return redirect("cases:confirmation", case_id=case.pk)
    elif resume is not None:
        form = services.draft_form(form_class=form_class, data=resume.data)
    else:
        form = form_class(initial=services.order_initial(form_class=form_class, user=request.user))
    fee = offer.fee_override if offer.fee_override is not None else version.fee
    english = language() == "en"
    name = version.name_en if english and version.name_en else version.name_de
    summary = version.summary_en if english and version.summary_en else version.summary_de
    return render(
        request,
        "cases/order.html",
        {
            "form": form,
            "version": version,
            "offer": offer,
            "fee": fee,
            "service_name": name,
            "summary": summary,
            "resume": resume,
            "draft_error": draft_error,
            "draft_expires": _draft_expiry(draft) if draft else None,
            "save_flag": SAVE_FLAG,
            "remove_file": REMOVE_FILE,
            "retention_days": services.DRAFT_RETENTION_DAYS,
        },
    )


def _draft_expiry(draft) -> dt.date:
    return timezone.localdate(draft.updated_at) + dt.timedelta(days=services.DRAFT_RETENTION_DAYS)


def _draft_saved_messages(request: HttpRequest, refused_files: list[str]) -> None:
    messages.success(
        request,
        _(
            "Ihr Entwurf ist gespeichert. Sie finden ihn unter «Meine Geschäfte». Ohne Änderung "
            "wird er nach %(days)s Tagen gelöscht."
        )
        % {"days": services.DRAFT_RETENTION_DAYS},
    )
    for refused in refused_files:
        messages.error(
            request,
            _("Diese Datei wurde nicht gespeichert, bitte wählen Sie eine passende: %(file)s")
            % {"file": refused},
        )


@login_required
def draft_delete(request: HttpRequest, draft_id) -> HttpResponse:
    """GET asks for confirmation; POST deletes the draft (another resident's: 404)."""
    draft = selectors.draft_get_for_owner(user=request.user, draft_id=draft_id)
    if request.method == "POST":
        services.draft_delete(draft=draft)
        messages.success(request, _("Der Entwurf wurde gelöscht."))
        return redirect("cases:my-cases")
    return render(
        request,
        "cases/draft_delete.html",
        {"draft": draft, "service_name": version_name(draft)},
    )


@login_required
def confirmation(request: HttpRequest, case_id) -> HttpResponse:
    case = selectors.case_get_for_applicant(user=request.user, case_id=case_id)
    return render(
        request, "cases/confirmation.html", {"case": case, "service_name": version_name(case)}
    )


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    """ "Meine Geschäfte": the resident's drafts (first page only), then their own cases,
    newest first."""
    cases = selectors.case_list_for_applicant(user=request.user)
    page = Paginator(cases, 20).get_page(request.GET.get("seite"))
    for case in page:
        case.display_name = version_name(case)
    drafts = list(selectors.draft_list_for_owner(user=request.user)) if page.number == 1 else []
    for draft in drafts:
        draft.display_name = version_name(draft)
        draft.expires = _draft_expiry(draft)
    return render(request, "cases/my_cases.html", {"page": page, "drafts": drafts})


def _round(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 5 else 0


@login_required
def my_case(request: HttpRequest, case_id) -> HttpResponse:
    case = selectors.case_get_for_applicant(user=request.user, case_id=case_id)
    steps = list(case.steps.order_by("position"))
    current = next((s for s in steps if not s.is_finished), None)
    context = {
        "case": case,
        "service_name": version_name(case),
        "answers": answers(case),
        "steps": steps,
        "resident_step": current if current and current.kind == StepKind.RESIDENT else None,
        "expect": selectors.case_expectation(case=case, steps=steps),
        "status_explanation": status_explanation(case.status),
        "events": selectors.case_timeline(case=case, internal=False),
        "documents": selectors.document_titles(
            case=case,
            documents=selectors.case_documents(case=case, internal=False),
            language=language(),
        ),
        **_payment_context(case),
        "thread": selectors.case_messages(case=case),
        "open_request": case.messages.filter(is_info_request=True).last()
        if case.awaiting_info
        else None,
    }
    if request.GET.get("teil") == "stand":
        # htmx on the page asks for the status block alone every 3 s while a step runs; it
        # counts its rounds so that it gives up after ten minutes (a reload starts again).
        context["refresh_round"] = _round(request.GET.get("runde"))
        return render(request, "cases/_my_case_state.html", context)
    context["refresh_round"] = 0
    return render(request, "cases/my_case.html", context)


def _payment_context(case) -> dict:
    payment = selectors.payment_summary(case=case)
    can_pay = (
        payment is not None
        and payment["method"] == "online"
        and payment["status"] in ("open", "failed")
        and case.status not in ("rejected", "withdrawn")
    )
    return {
        "payment": payment,
        "can_pay": can_pay,
        "result_withheld": selectors.result_withheld(case=case),
    }


def _detail(case_id) -> str:
    return reverse("cases:my-case", kwargs={"case_id": case_id})


@login_required
@require_POST
def my_case_message(request: HttpRequest, case_id) -> HttpResponse:
    case = selectors.case_get_for_applicant(user=request.user, case_id=case_id)
    return run_action(
        request,
        lambda: services.message_send(
            case=case, user=request.user, body=request.POST.get("body", "")
        ),
        success=_("Ihre Nachricht wurde gesendet."),
        back=_detail(case.pk) + "#nachrichten",
    )


@login_required
@require_POST
def my_case_answer(request: HttpRequest, case_id) -> HttpResponse:
    case = selectors.case_get_for_applicant(user=request.user, case_id=case_id)
    return run_action(
        request,
        lambda: services.case_answer_info(
            case=case,
            user=request.user,
            answer=request.POST.get("answer", ""),
            files=request.FILES.getlist("files"),
        ),
        success=_("Danke, Ihre Antwort ist bei der Verwaltung."),
        back=_detail(case.pk),
    )


@login_required
@require_POST
def my_case_step_done(request: HttpRequest, case_id, step_id: int) -> HttpResponse:
    case = selectors.case_get_for_applicant(user=request.user, case_id=case_id)
    step = case.steps.filter(pk=step_id, kind=StepKind.RESIDENT).first()
    if step is None:
        return redirect(_detail(case.pk))
    return run_action(
        request,
        lambda: services.step_complete(step_id=step.pk, user=request.user),
        success=_("Danke, der Schritt ist erledigt."),
        back=_detail(case.pk),
    )


@login_required
def my_case_withdraw(request: HttpRequest, case_id) -> HttpResponse:
    """GET asks for confirmation; POST withdraws the case."""
    case = selectors.case_get_for_applicant(user=request.user, case_id=case_id)
    if request.method == "POST":
        return run_action(
            request,
            lambda: services.case_withdraw(
                case=case, user=request.user, reason=request.POST.get("reason", "")
            ),
            success=_("Ihr Geschäft wurde zurückgezogen."),
            back=_detail(case.pk),
        )
    return render(
        request, "cases/withdraw.html", {"case": case, "service_name": version_name(case)}
    )


@login_required
def document_download(request: HttpRequest, document_id) -> FileResponse:
    """Download a document: the resident only their own visible ones, clerks their cases'."""
    document = selectors.document_get_for_user(user=request.user, document_id=document_id)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
