"""The OpenAPI schema documents every status code the API answers, with one error shape.

drf-spectacular documents what a view declares; the refusals that come from the framework
(bad input, no or a bad token, missing rights, unknown ids, unsupported media types, too many
requests) are added here for every operation they can happen on, as ``ApiError``
(``config.api_errors``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ApiErrorSerializer(serializers.Serializer):
    """A refusal: ``detail`` and ``code``, or one list of messages per field name."""

    detail = serializers.CharField(required=False, help_text="Meldung (Deutsch oder Englisch)")
    code = serializers.CharField(required=False, help_text="Maschinenlesbarer Grund")

    class Meta:
        ref_name = "ApiError"


ERROR_DESCRIPTIONS = {
    "400": "Ungültige Angaben (Meldung pro Feld oder «detail»)",
    "401": "Nicht oder ungültig angemeldet",
    "403": "Keine Berechtigung",
    "404": "Nicht gefunden",
    "409": "Übergang im aktuellen Zustand nicht möglich",
    "415": "Nicht unterstütztes Format des Inhalts",
    "429": "Zu viele Anfragen; später erneut versuchen",
}


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's schema plus the error answers each operation can give."""

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            described = responses.get(code)
            if described is not None and described.get("content"):
                continue
            error = self._get_response_for_code(ApiErrorSerializer, code, direction=direction)
            error["description"] = (described or {}).get("description") or ERROR_DESCRIPTIONS[code]
            responses[code] = error
        return responses

    def _error_codes(self) -> list[str]:
        codes = ["400", "401"]  # any input can be refused; any request can carry a bad token
        unsafe = self.method not in ("GET", "HEAD", "OPTIONS")
        open_to_all = all(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if unsafe or not open_to_all:
            codes.append("403")
        if "{" in self.path:
            codes.append("404")
        if unsafe and getattr(self.view, "api_conflicts", False):
            codes.append("409")  # the view's writes are state transitions
        if unsafe:
            codes.append("415")
        if self.view.get_throttles():
            codes.append("429")
        return codes
