"""Selects the commune schema and URLconf from the request's host (resolved once, cached)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpResponsePermanentRedirect
from django.http.request import split_domain_port
from django.template.response import TemplateResponse
from django.urls import set_urlconf
from django_tenants.utils import get_public_schema_name

from .routing import resolve_host


def _use_public() -> None:
    if connection.schema_name != get_public_schema_name():
        connection.set_schema_to_public()


class CommuneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.commune = None
        try:
            hostname, port = split_domain_port(request.get_host())
        except DisallowedHost:
            _use_public()
            return self._unknown(request)
        if not hostname:
            _use_public()
            return self._unknown(request)
        resolution = resolve_host(hostname)
        if resolution.kind == "commune":
            commune = resolution.commune
            # The connection keeps its schema between requests. Switching costs a
            # `SET search_path` round trip and empties the content-type cache, so switch only
            # when the connection holds another commune (or public).
            if connection.tenant is not commune:
                connection.set_tenant(commune)
            request.tenant = request.commune = commune
            request.urlconf = settings.ROOT_URLCONF
            set_urlconf(request.urlconf)
            return self.get_response(request)
        _use_public()
        if resolution.kind == "public":
            request.tenant = connection.tenant
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
        elif resolution.kind == "redirect" and resolution.redirect_host:
            netloc = f"{resolution.redirect_host}:{port}" if port else resolution.redirect_host
            return HttpResponsePermanentRedirect(
                f"{request.scheme}://{netloc}{request.get_full_path()}"
            )
        else:
            return self._unknown(request)
        set_urlconf(request.urlconf)
        return self.get_response(request)

    @staticmethod
    def _unknown(request):
        request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
        set_urlconf(request.urlconf)
        # portal_url comes from tenants.context_processors.commune, like on every page.
        response = TemplateResponse(request, "tenants/unknown_host.html", status=404)
        return response.render()
