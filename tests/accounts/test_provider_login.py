"""Login through the identity provider (the reference provider as a real process): the code
flow, single sign-on across commune hosts, each failure switch, linking, logout, step-up."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from accounts.models import IdentityLogin, User
from integrations.reference import demo_person, processes
from integrations.reference.identity_people import identity_person
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Sicheres-Passwort-2026"


def _provider_step(
    client, idp: httpx.Client, *, start: str = "/anmelden/e-id/?next=/profil/", hint: str = ""
):
    """Start the login on the portal host and let the provider answer; returns the portal's
    response to the callback (or the provider's response when it does not redirect back)."""
    started = client.get(start)
    assert started.status_code == 302, started.content[:300]
    authorize = started["Location"]
    if hint:
        authorize += f"&login_hint={hint}"
    answer = idp.get(authorize)
    if answer.status_code != 302:
        return answer
    callback = urlsplit(answer.headers["location"])
    return client.get(f"{callback.path}?{callback.query}")


@pytest.fixture
def idp(identity_provider):
    with httpx.Client(timeout=5) as client:
        yield client


def test_code_flow_logs_the_person_in_with_verified_claims(kriens, in_commune, commune_client, idp):
    """e-ID login: a new account of that identity in Kriens, logged in, level and claims
    recorded, profile fields read-only with their source; the ID token is kept for logout."""
    person = demo_person(kriens.bfs_number)
    client = commune_client(kriens)
    done = _provider_step(client, idp, hint=person["vn"])
    assert done.status_code == 302 and done["Location"] == "/profil/"
    profile = client.get("/profil/")
    assert profile.status_code == 200
    html = profile.content.decode()
    assert "übernommen am" in html and person["official_name"] in html
    with in_commune(kriens):
        user = User.objects.get(oidc_subject=identity_person(person["vn"])["sub"])
        assert user.first_name == person["first_name"] and user.role == User.Role.RESIDENT
        login = IdentityLogin.objects.get(user=user)
        assert login.level == "eid" and login.claims["ahv_number"].replace(".", "") == person["vn"]
        assert user.resident_profile.verified_level == "eid"
    session = client.session
    assert session["portal_login_level"] == "eid" and session["portal_id_token"].count(".") == 2


def test_single_sign_on_across_two_commune_hosts(kriens, emmen, in_commune, commune_client, idp):
    """After a login on Kriens, Emmen's login returns without the provider's page (its
    session), and both communes' accounts carry the same subject."""
    person = demo_person(kriens.bfs_number)
    _provider_step(commune_client(kriens), idp, hint=person["vn"])
    emmen_client = commune_client(emmen)
    done = _provider_step(emmen_client, idp)  # no hint: the provider's session answers
    assert done.status_code == 302
    assert emmen_client.get("/api/me/").json()["first_name"] == person["first_name"]
    subject = identity_person(person["vn"])["sub"]
    with in_commune(kriens):
        assert User.objects.filter(oidc_subject=subject).count() == 1
    with in_commune(emmen):
        assert User.objects.filter(oidc_subject=subject).count() == 1


@pytest.mark.parametrize(
    ("mode", "status", "text"),
    [
        ("bad_signature", 400, "keine gültige Signatur"),
        ("wrong_nonce", 400, "nicht für dieses Portal bestimmt"),
        ("wrong_audience", 400, "nicht für dieses Portal bestimmt"),
        ("wrong_issuer", 400, "nicht für dieses Portal bestimmt"),
        ("expired", 400, "abgelaufen"),
        ("missing_claims", 400, "nicht alle nötigen Angaben"),
        ("error500", 503, "nicht erreichbar"),
    ],
)
def test_each_provider_failure_ends_on_a_german_error_page_with_nothing_created(
    kriens, in_commune, commune_client, idp, identity_provider, mode, status, text
):
    """A forged, foreign, expired or incomplete answer logs nobody in, creates no account and
    records no login."""
    person = demo_person(kriens.bfs_number)
    processes.control(identity_provider, mode, count=1)
    client = commune_client(kriens)
    failed = _provider_step(client, idp, hint=person["vn"])
    assert failed.status_code == status
    html = failed.content.decode()
    assert text in html and "Anmeldung nicht möglich" in html
    assert "an Ihrem Konto wurde nichts geändert" in html
    assert client.get("/api/me/").status_code in (401, 403)
    with in_commune(kriens):
        assert not User.objects.filter(oidc_subject__isnull=False).exists()
        assert not IdentityLogin.objects.exists()


def test_provider_down_is_a_clear_503(kriens, commune_client, identity_provider):
    """Discovery unreachable: the login does not start, a German 503 page explains."""
    processes.control(identity_provider, "down")
    page = commune_client(kriens).get("/anmelden/e-id/")
    assert page.status_code == 503
    assert "nicht erreichbar" in page.content.decode()


def test_cancel_and_forged_state_log_nobody_in(kriens, in_commune, commune_client, idp):
    """«Abbrechen» at the provider and a callback with a state of another login end on the
    error page; nobody is logged in."""
    client = commune_client(kriens)
    started = client.get("/anmelden/e-id/")
    query = parse_qs(urlsplit(started["Location"]).query)
    cancelled = client.get(f"/oidc/callback/?error=access_denied&state={query['state'][0]}")
    assert cancelled.status_code == 400 and "abgebrochen" in cancelled.content.decode()
    forged = client.get("/oidc/callback/?code=abc&state=not-ours")
    assert forged.status_code == 400 and "abgelaufen" in forged.content.decode()
    with in_commune(kriens):
        assert not User.objects.filter(oidc_subject__isnull=False).exists()


def test_first_login_offers_linking_and_needs_the_password(kriens, in_commune, commune_client, idp):
    """An e-mail account with the provider's address exists: the first login asks to link it
    by its password (a wrong one changes nothing), then logs into that very account."""
    person = demo_person(kriens.bfs_number)
    email = identity_person(person["vn"])["email"]
    with in_commune(kriens):
        existing = UserFactory(email=email)
    client = commune_client(kriens)
    asked = _provider_step(client, idp, hint=person["vn"])
    assert asked.status_code == 302 and asked["Location"] == "/anmelden/e-id/verknuepfen/"
    page = client.get("/anmelden/e-id/verknuepfen/")
    assert "nie allein wegen der gleichen E-Mail-Adresse" in page.content.decode()
    wrong = client.post("/anmelden/e-id/verknuepfen/", {"email": email, "password": "falsch"})
    assert wrong.status_code == 400
    with in_commune(kriens):
        existing.refresh_from_db()
        assert existing.oidc_subject is None
    linked = client.post("/anmelden/e-id/verknuepfen/", {"email": email, "password": PASSWORD})
    assert linked.status_code == 302
    assert client.get("/api/me/").json()["email"] == email
    with in_commune(kriens):
        existing.refresh_from_db()
        assert existing.oidc_subject == identity_person(person["vn"])["sub"]
        assert User.objects.filter(oidc_subject__isnull=False).count() == 1


def test_logout_ends_the_provider_session_too(kriens, commune_client, idp):
    """Logout after a provider login goes to the provider's end-session endpoint; afterwards
    the provider asks again (its page) instead of answering silently."""
    person = demo_person(kriens.bfs_number)
    client = commune_client(kriens)
    _provider_step(client, idp, hint=person["vn"])
    out = client.post("/logout/")
    assert out.status_code == 302 and "/logout?" in out["Location"]
    assert "id_token_hint=" in out["Location"] and "post_logout_redirect_uri=" in out["Location"]
    back = idp.get(out["Location"])
    assert back.status_code == 302 and back.headers["location"].startswith(
        "http://kriens.localhost/"
    )
    assert client.get("/api/me/").status_code in (401, 403)
    again = _provider_step(commune_client(kriens), idp)
    assert again.status_code == 200 and "Referenz-Login-Dienst" in again.text


def test_step_up_asks_the_provider_for_the_higher_level(kriens, in_commune, commune_client, idp):
    """An e-mail-level login is sent to the provider with acr_values for «verified» and a fresh
    login (prompt=login) when it wants to order a register service."""
    from catalog.seed.loader import seed_catalog
    from catalog.services import offers_seed_defaults

    seed_catalog(keys=["wohnsitzbestaetigung"])
    with in_commune(kriens):
        offers_seed_defaults()
    client = commune_client(kriens)
    person = demo_person(kriens.bfs_number)
    started = client.get(
        "/anmelden/e-id/?stufe=verified&next=/dienstleistungen/wohnsitzbestaetigung/bestellen/"
    )
    query = parse_qs(urlsplit(started["Location"]).query)
    assert query["acr_values"] == ["urn:reference-idp:qoa:verified"] and query["prompt"] == [
        "login"
    ]
    answer = idp.get(started["Location"] + f"&login_hint={person['vn']}")
    callback = urlsplit(answer.headers["location"])
    done = client.get(f"{callback.path}?{callback.query}")
    assert done["Location"] == "/dienstleistungen/wohnsitzbestaetigung/bestellen/"
    assert client.get(done["Location"]).status_code == 200


def test_public_host_login_makes_a_public_account_of_the_same_identity(public_client, idp):
    """The public host logs the person in too (its own account row, same subject)."""
    person = demo_person(1059)
    assert "Anmelden mit" in public_client.get("/anmelden/").content.decode()
    done = _provider_step(public_client, idp, start="/anmelden/e-id/?next=/", hint=person["vn"])
    assert done.status_code == 302
    assert User.objects.filter(oidc_subject=identity_person(person["vn"])["sub"]).exists()
