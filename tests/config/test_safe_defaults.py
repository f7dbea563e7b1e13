"""The run command is safe by default (no DEBUG, loopback only) and the production settings
pass Django's deployment check without warnings."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config.runner.__main__ import debug_requested, web_bind

ROOT = Path(__file__).resolve().parents[2]


def _settings_value(module: str, name: str, **env: str) -> str:
    code = f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='{module}'; from django.conf import settings; print(getattr(settings, '{name}'))"
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_DEBUG")}
    result = subprocess.run(  # noqa: S603 - our own interpreter and settings
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_run_command_settings_have_debug_off_unless_asked():
    """config.settings.local (bin/run): DEBUG off by default, DEBUG=1 turns it on."""
    assert _settings_value("config.settings.local", "DEBUG") == "False"
    assert _settings_value("config.settings.local", "DEBUG", DEBUG="1") == "True"


def test_web_server_listens_on_loopback_unless_configured(monkeypatch):
    monkeypatch.delenv("PORTAL_BIND", raising=False)
    assert web_bind(8000) == "127.0.0.1:8000"
    monkeypatch.setenv("PORTAL_BIND", "0.0.0.0")  # noqa: S104 - the opt-in under test
    assert web_bind(8000) == "0.0.0.0:8000"
    monkeypatch.setenv("DEBUG", "1")
    assert debug_requested()
    monkeypatch.setenv("DEBUG", "0")
    assert not debug_requested()


def test_production_settings_pass_the_deployment_check_without_warnings():
    """manage.py check --deploy --fail-level WARNING with the production settings."""
    # The browser tests' session allows sync ORM calls in async contexts; a server never does.
    inherited = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG", "DJANGO_DEBUG")
    }
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "RESIDENT_REGISTER_URL": "https://ewr.example.ch",
        "RESIDENT_REGISTER_API_KEY": "k",
        "RESIDENT_REGISTER_SENDER_ID": "3-LU-1",
        "DOG_REGISTER_URL": "https://hunde.example.ch",
        "DOG_REGISTER_API_KEY": "k",
        "QR_IBAN": "CH4431999123000889012",
        "OIDC_DISCOVERY_URL": "https://login.example.ch/.well-known/openid-configuration",
        "OIDC_RP_CLIENT_ID": "einwohnerportal",
        "OIDC_RP_CLIENT_SECRET": "geheim",
        "DATA_ENCRYPTION_KEYS": "ZGV2LW9ubHktaW5zZWN1cmUtZGF0YS1rZXktMDAwMCE=",
        "DATA_SEARCH_KEY": secrets.token_urlsafe(32),
        "COMMUNE_CONFIG_KEYS": "Y29tbXVuZS1jb25maWctdGVzdC1rZXktMDAwMDAwMDA=",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_errors_get_the_german_pages_without_technical_details(kriens, commune_client, settings):
    """An unknown path gets the portal's German 404 page, never the URL list."""
    settings.DEBUG = False
    response = commune_client(kriens).get("/gibt-es-nicht/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Seite nicht gefunden" in html and "URLconf" not in html and "urlpatterns" not in html
