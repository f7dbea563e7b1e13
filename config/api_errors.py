"""One error path for the whole API: every refusal has the same localized JSON shape.

The shape is DRF's, always with a ``code``:

- field errors: ``{"<field>": ["Meldung", ...], ...}`` (HTTP 400);
- anything else: ``{"detail": "Meldung", "code": "<machine code>", ...}``.

Besides DRF's own exceptions the handler understands

- Django's ``ValidationError`` (raised by services): per field, or one ``detail``;
- Django's ``PermissionDenied`` and ``Http404`` (DRF already maps them);
- the project's own errors: any exception with ``api_status`` (an HTTP status) and
  ``api_body()`` (the JSON object), e.g. ``cases.exceptions.InvalidTransition``. Apps declare
  their answer there, so this module needs to know none of them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def validation_error_body(exc: DjangoValidationError) -> dict[str, Any]:
    """A Django ``ValidationError`` as the API's JSON: per field, or one ``detail``."""
    if hasattr(exc, "error_dict"):
        return {
            field: [message for error in errors for message in error.messages]
            for field, errors in exc.error_dict.items()
        }
    codes = {error.code for error in exc.error_list if error.code}
    return {"detail": " ".join(exc.messages), "code": codes.pop() if len(codes) == 1 else "invalid"}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``: the project's errors first, then DRF's, each with a code."""
    api_status = getattr(exc, "api_status", None)
    if api_status is not None and callable(getattr(exc, "api_body", None)):
        return Response(exc.api_body(), status=api_status)
    if isinstance(exc, DjangoValidationError):
        return Response(validation_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoPermissionDenied) and str(exc):  # keep the service's reason
        exc = exceptions.PermissionDenied(str(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, list):  # serializers.ValidationError(["…"]) without a field
        data = {"detail": " ".join(str(item) for item in data), "code": "invalid"}
    elif isinstance(data, dict) and "detail" in data and "code" not in data:
        data = {**data, "code": _code(exc)}
    response.data = data
    return response


def _code(exc: Exception) -> str:
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        if isinstance(codes, str):
            return codes
        if isinstance(codes, dict) and isinstance(codes.get("detail"), str):
            return codes["detail"]
        return exc.default_code
    return "error"
