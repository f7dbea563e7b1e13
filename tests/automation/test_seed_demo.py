"""seed_demo: one JSON object with a demo resident (in the reference register) and a clerk."""

from __future__ import annotations

import base64
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from catalog.services import offers_seed_defaults
from integrations.reference import demo_person
from integrations.reference.identity_people import identity_person

pytestmark = pytest.mark.django_db


def _run(slug: str) -> dict:
    out = io.StringIO()
    call_command("seed_demo", commune=slug, stdout=out)
    text = out.getvalue().strip()
    assert text.count("\n") == 0
    return json.loads(text)


def test_prints_demo_resident_and_clerk_idempotently(
    kriens, in_commune, catalogue, identity_provider, commune_client, registers
):
    """The resident is the commune's demo person of the reference register, linked to the same
    person's e-ID login at the provider; its token orders a register service; the clerk
    belongs to the commune's service groups; a second run prints the same (but a fresh token)
    and creates nobody new."""
    with in_commune(kriens):
        offers_seed_defaults()
    first = _run("kriens")
    person = demo_person(kriens.bfs_number)
    assert first["resident"]["ahv_number"] == person["vn"]
    assert first["resident"]["last_name"] == person["official_name"]
    assert first["bfs_number"] == kriens.bfs_number
    with in_commune(kriens):
        users = User.objects.count()
        resident = User.objects.get(email=first["resident"]["email"])
        clerk = User.objects.get(email=first["clerk"]["email"])
        assert resident.check_password(first["resident"]["password"])
        assert clerk.check_password(first["clerk"]["password"]) and clerk.is_clerk
        assert (resident.first_name, resident.last_name) == (
            person["first_name"],
            person["official_name"],
        )
        assert clerk.groups.filter(name="Einwohnerdienste").exists()
    assert "Einwohnerdienste" in first["clerk"]["groups"]
    with in_commune(kriens):
        # The printed secret is the clerk's authenticator: its code opens the back office API.
        from django_otp.oath import totp

        code = totp(
            base64.b32decode(
                first["clerk"]["totp_secret"] + "=" * (-len(first["clerk"]["totp_secret"]) % 8)
            )
        )
    token = commune_client(kriens).post(
        "/api/auth/token/",
        {
            "email": first["clerk"]["email"],
            "password": first["clerk"]["password"],
            "otp": f"{code:06d}",
        },
        content_type="application/json",
    )
    assert token.status_code == 200, token.content
    assert first["identity"] == {
        "provider": identity_provider,
        "login_hint": first["identity"]["login_hint"],
        "ahv": person["vn"],
    }
    assert person["vn"] in first["identity"]["login_hint"]
    with in_commune(kriens):
        resident.refresh_from_db()
        assert resident.oidc_subject == identity_person(person["vn"])["sub"]
    api = commune_client(kriens, HTTP_AUTHORIZATION=f"Token {first['resident']['token']}")
    ordered = api.post(
        "/api/cases/",
        {"service": "wohnsitzbestaetigung", "data": {"purpose": "bank", "delivery": "pdf"}},
        content_type="application/json",
    )
    assert ordered.status_code == 201, ordered.content
    second = _run("kriens")
    assert second["resident"]["token"] != first["resident"]["token"]
    assert {**second, "resident": {**second["resident"], "token": ""}} == {
        **first,
        "resident": {**first["resident"], "token": ""},
    }
    # the first token was replaced by the second
    assert api.get("/api/me/").status_code == 401
    with in_commune(kriens):
        assert User.objects.count() == users


def test_unknown_commune_is_refused(db):
    """An unknown slug is a clear error and prints no JSON."""
    out = io.StringIO()
    with pytest.raises(CommandError, match="Keine Gemeinde"):
        call_command("seed_demo", commune="atlantis", stdout=out)
    assert out.getvalue() == ""


def test_run_command_shows_and_keeps_the_demo_credentials(
    kriens, settings, tmp_path, capsys, identity_provider
):
    """bin/run's set-up prints seed_demo's JSON and keeps it in var/seed_demo.json (mode 600)
    for its ready message."""
    from django.core.management import call_command as django_call_command

    from config.runner.setup import _seed_demo

    settings.BASE_DIR = tmp_path
    _seed_demo(django_call_command, {"commune": "kriens"})
    saved = json.loads((tmp_path / "var" / "seed_demo.json").read_text())
    assert saved["resident"]["email"] in capsys.readouterr().out
    assert saved["clerk"]["password"]
    assert (tmp_path / "var" / "seed_demo.json").stat().st_mode & 0o777 == 0o600
