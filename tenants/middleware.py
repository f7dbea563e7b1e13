"""Selects the commune schema and URLconf from the request's host (resolved once, cached)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpResponsePermanentRedirect
from django.http.request import split_domain_port
from django.template.response import TemplateResponse
from django.urls import set_urlconf

from .routing import resolve_host


class CommuneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        connection.set_schema_to_public()
        request.commune = None
        try:
            hostname, port = split_domain_port(request.get_host())
        except DisallowedHost:
            return self._unknown(request)
        if not hostname:
            return self._unknown(request)
        resolution = resolve_host(hostname)
        if resolution.kind == "public":
            request.tenant = connection.tenant
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
        elif resolution.kind == "commune":
            request.tenant = request.commune = resolution.commune
            connection.set_tenant(resolution.commune)
            request.urlconf = settings.ROOT_URLCONF
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
        response = TemplateResponse(
            request,
            "tenants/unknown_host.html",
            {
                "portal_url": f"{settings.PORTAL_SCHEME}://{settings.PORTAL_DOMAIN}:{settings.PORTAL_PORT}/"
            },
            status=404,
        )
        return response.render()
