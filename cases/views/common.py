"""Helpers the case pages share: language, action error handling, display of answers."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation

from catalog.formdefs import data_for_display

from ..exceptions import InvalidTransition
from ..models import Case


def language() -> str:
    return (translation.get_language() or "de")[:2]


def version_name(case: Case) -> str:
    return (
        case.version.name_en
        if language() == "en" and case.version.name_en
        else case.version.name_de
    )


def answers(case: Case) -> list[dict]:
    return data_for_display(
        case.version.form_definition or {}, case.data or {}, language=language()
    )


def validation_text(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(m for msgs in error.message_dict.values() for m in msgs)
    return " ".join(error.messages)


def run_action(
    request: HttpRequest, action: Callable[[], object], *, success: str, back: str
) -> HttpResponse:
    """Run a service for a plain POST form: a message on success or with the clear error,
    then back to the page (Post/Redirect/Get)."""
    try:
        action()
    except InvalidTransition as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, validation_text(exc))
    except PermissionDenied as exc:
        raise exc
    else:
        messages.success(request, success)
    return redirect(back)
