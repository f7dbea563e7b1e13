"""API tokens (expiring, revocable, listed) and accounts of provider identities (created,
linked only with the password, never merged by e-mail)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts import logins
from accounts.models import AuthToken, IdentityLogin, User
from accounts.oidc import LoginFailed, identity_from_claims
from integrations.reference import demo_person
from tests.factories import UserFactory
from tests.identity import api_token, provider_identity

pytestmark = pytest.mark.django_db
PASSWORD = "Sicheres-Passwort-2026"


def _token_client(commune_client, commune, key):
    return commune_client(commune, HTTP_AUTHORIZATION=f"Token {key}")


def test_token_expires_and_is_refused_afterwards(kriens, in_commune, commune_client):
    """A resident token lives 30 days, a clerk's 8 hours; an expired one gets 401."""
    with in_commune(kriens):
        anna = UserFactory()
        clerk = UserFactory(clerk=True)
        key = api_token(anna)
        token = AuthToken.objects.get(user=anna)
        assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
        api_token(clerk)
        staff = AuthToken.objects.get(user=clerk)
        assert staff.expires_at - timezone.now() <= dt.timedelta(hours=8)
        assert token.key_hash != key and key not in token.key_hash  # only the hash is stored
    assert _token_client(commune_client, kriens, key).get("/api/me/").status_code == 200
    with in_commune(kriens):
        AuthToken.objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    refused = _token_client(commune_client, kriens, key).get("/api/me/")
    assert refused.status_code == 401
    assert "abgelaufen" in refused.json()["detail"]


def test_owner_lists_and_revokes_tokens_and_logout_revokes_the_used_one(
    kriens, in_commune, commune_client
):
    """GET /api/auth/tokens/ lists the owner's working tokens (no keys); DELETE revokes one;
    POST /api/auth/logout/ revokes the token it is called with."""
    with in_commune(kriens):
        anna = UserFactory()
        other = UserFactory()
        first, second = api_token(anna), api_token(anna)
        foreign = api_token(other)
    api = _token_client(commune_client, kriens, first)
    listed = api.get("/api/auth/tokens/").json()
    assert len(listed) == 2 and {t["prefix"] for t in listed} == {first[:8], second[:8]}
    assert all("key" not in t for t in listed)
    with in_commune(kriens):
        foreign_id = AuthToken.objects.get(user=other).pk
        second_id = AuthToken.objects.get(prefix=second[:8]).pk
    assert api.delete(f"/api/auth/tokens/{foreign_id}/").status_code == 404
    assert _token_client(commune_client, kriens, foreign).get("/api/me/").status_code == 200
    assert api.delete(f"/api/auth/tokens/{second_id}/").status_code == 204
    assert _token_client(commune_client, kriens, second).get("/api/me/").status_code == 401
    assert api.post("/api/auth/logout/").status_code == 204
    assert _token_client(commune_client, kriens, first).get("/api/me/").status_code == 401


def test_password_reset_revokes_every_token(kriens, in_commune, commune_client):
    """A new password (reset link) revokes all API tokens of the account."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    with in_commune(kriens):
        anna = UserFactory()
        key = api_token(anna)
        uid = urlsafe_base64_encode(force_bytes(anna.pk))
        reset = default_token_generator.make_token(anna)
    client = commune_client(kriens)
    form = client.get(f"/passwort-zuruecksetzen/{uid}/{reset}/", follow=True)
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Neues-Passwort-2026!", "new_password2": "Neues-Passwort-2026!"},
    )
    assert response.status_code == 302
    assert _token_client(commune_client, kriens, key).get("/api/me/").status_code == 401


def test_email_level_claims_never_carry_identity():
    """Below «verified» the provider's birth date and AHV number are dropped; a verified login
    needs all of them, valid; an unknown acr is refused."""
    claims = {
        "sub": "abc",
        "acr": "urn:reference-idp:qoa:email",
        "given_name": "Anna",
        "family_name": "Muster",
        "birthdate": "1980-01-01",
        "ahvn13": "756.9217.0769.85",
        "email": "Anna@Example.ch",
        "email_verified": True,
    }
    identity = identity_from_claims(claims, issuer="http://idp")
    assert identity.level == "email" and identity.ahv_number == "" and identity.date_of_birth == ""
    assert identity.email == "anna@example.ch" and identity.verified_claims() == {}
    verified = identity_from_claims({**claims, "acr": "urn:reference-idp:qoa:eid"}, issuer="x")
    assert verified.verified_claims()["ahv_number"] == "756.9217.0769.85"
    for broken, code in (
        ({"acr": "urn:reference-idp:qoa:eid", "ahvn13": ""}, "claims_missing"),
        ({"acr": "urn:reference-idp:qoa:eid", "ahvn13": "756.9217.0769.84"}, "claims_invalid"),
        ({"acr": "urn:unknown"}, "claims_invalid"),
        ({"sub": ""}, "claims_missing"),
    ):
        with pytest.raises(LoginFailed) as failed:
            identity_from_claims({**claims, **broken}, issuer="x")
        assert failed.value.code == code


def test_first_login_creates_an_account_without_taking_another_ones_email(kriens, in_commune):
    """A new identity gets its own account; an address held by an e-mail account stays with it
    (no merge) and the new account has none."""
    person = demo_person(kriens.bfs_number)
    with in_commune(kriens):
        existing = UserFactory(email="anna@example.ch")
        identity = provider_identity(person)
        identity = type(identity)(**{**identity.__dict__, "email": "anna@example.ch"})
        assert logins.link_candidate_exists(identity=identity)
        user = logins.account_create_for_identity(identity=identity)
        assert user.pk != existing.pk and user.email is None
        assert user.oidc_subject == identity.subject and not user.has_usable_password()
        existing.refresh_from_db()
        assert existing.oidc_subject is None
        assert logins.account_create_for_identity(identity=identity).pk == user.pk


def test_linking_needs_the_password_and_changes_nothing_otherwise(kriens, in_commune):
    """Linking an e-mail account proves its password; a wrong one, a clerk's account or an
    account linked elsewhere is refused with nothing changed."""
    person = demo_person(kriens.bfs_number)
    with in_commune(kriens):
        anna = UserFactory(email="anna@example.ch")
        clerk = UserFactory(email="clerk@example.ch", clerk=True)
        identity = provider_identity(person)
        for email, password in (("anna@example.ch", "falsch"), ("clerk@example.ch", PASSWORD)):
            with pytest.raises(logins.LinkFailed):
                logins.account_link(identity=identity, email=email, password=password)
        anna.refresh_from_db()
        clerk.refresh_from_db()
        assert anna.oidc_subject is None and clerk.oidc_subject is None
        linked = logins.account_link(identity=identity, email="anna@example.ch", password=PASSWORD)
        assert linked.pk == anna.pk and linked.oidc_subject == identity.subject
        with pytest.raises(logins.LinkFailed):
            logins.account_link(
                identity=provider_identity(person), email="anna@example.ch", password=PASSWORD
            )
        assert User.objects.filter(oidc_subject__isnull=False).count() == 1
        assert not IdentityLogin.objects.exists()
