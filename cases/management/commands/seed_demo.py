"""Demo accounts of one commune: a resident who is in the commune's reference resident register
and a clerk of the commune's service groups. Prints one JSON object (contract, see README)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.second_factor import demo_secret, totp_device_ensure
from accounts.services import user_upsert
from integrations.reference import demo_person
from tenants.context import in_commune
from tenants.models import Commune

# Created when the commune has not run seed_offers yet (the clerk must belong to some group).
DEFAULT_GROUP = "Einwohnerdienste"


def demo_password(*, commune: str, role: str) -> str:
    """Deterministic per installation (SECRET_KEY), commune and role: a re-run prints and sets
    the same password."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"seed_demo:{commune}:{role}".encode(), hashlib.sha256
    ).digest()
    return "Demo-" + base64.urlsafe_b64encode(digest).decode()[:16]


def _profile_store(user: User, person: dict) -> bool:
    """Store the identity in the resident's profile when this tree has profiles."""
    try:
        from accounts.services import profile_update
    except ImportError:
        return False
    address = person["address"]
    try:
        profile_update(
            user=user,
            first_name=person["first_name"],
            last_name=person["official_name"],
            date_of_birth=dt.date.fromisoformat(person["date_of_birth"]),
            ahv_number=person["vn"],
            sex=person["sex"],
            street=address["street"],
            house_number=address["house_number"],
            postcode=address["postcode"],
            town=address["town"],
        )
    except ValidationError as exc:
        raise CommandError(f"Profil der Demo-Person ungültig: {exc.messages}") from exc
    return True


def _portal_netloc(target: Commune) -> str:
    """The commune's host as the browser reaches it (with the port unless it is a default)."""
    host = target.primary_domain or settings.PORTAL_DOMAIN
    port = str(settings.PORTAL_PORT)
    return host if port in ("", "80", "443") else f"{host}:{port}"


def _clerk_upsert(target: Commune, password: str) -> tuple[User, list[str], str]:
    """The demo clerk in every group of the commune (a default group when it has none yet),
    with the authenticator secret of their second factor; in the commune's schema."""
    clerk, _ = user_upsert(
        email=f"sachbearbeitung.demo@{target.slug}.example.ch",
        password=password,
        role=User.Role.CLERK,
        first_name="Demo",
        last_name="Sachbearbeitung",
    )
    if not Group.objects.exists():
        Group.objects.create(name=DEFAULT_GROUP)
    groups = list(Group.objects.order_by("name"))
    clerk.groups.add(*groups)
    totp_secret = totp_device_ensure(
        user=clerk, secret=demo_secret(commune=target.slug, role="clerk")
    )
    return clerk, [g.name for g in groups], totp_secret


def _identity_login(target: Commune, resident: User, person: dict, password: str) -> dict:
    """Log the demo person in at the identity provider (e-ID level, through the same checks as
    a browser login), link the demo e-mail account to that identity (its password proves it)
    and issue an API token of that login. Needs the (reference) provider running."""
    from accounts import logins
    from accounts.headless import provider_login_headless
    from accounts.levels import AuthLevel
    from accounts.oidc import LoginFailed

    provider = settings.OIDC["discovery_url"].split("/.well-known/")[0]
    netloc = _portal_netloc(target)
    try:
        identity = provider_login_headless(
            login_hint=person["vn"],
            redirect_uri=f"{settings.PORTAL_SCHEME}://{netloc}/oidc/callback/",
            level=AuthLevel.EID,
        )
    except LoginFailed as exc:
        raise CommandError(
            f"Anmeldung der Demo-Person beim Login-Dienst {provider} fehlgeschlagen: {exc.message}"
        ) from exc
    user = logins.account_for_identity(identity=identity)
    if user is None:
        user = logins.account_link(identity=identity, email=resident.email, password=password)
    elif user.pk != resident.pk:
        raise CommandError("Die Demo-Person ist mit einem anderen Konto verknüpft.")
    login = logins.identity_login_record(user=user, identity=identity)
    context = logins.login_context_for_session({logins.SESSION_LOGIN_ID: login.pk}, user)
    logins.tokens_revoke(user=user, label="seed_demo")
    key, _token = logins.token_issue(user=user, context=context, label="seed_demo")
    return {
        "provider": provider,
        "login_hint": (
            f"Auf der Anmeldeseite Gemeinde «{target.name}» und Person «{person['first_name']} "
            f"{person['official_name']}» wählen, oder AHV-Nummer {person['vn']} eingeben "
            f"(Skripte: login_hint={person['vn']} an /authorize)"
        ),
        "token": key,
    }


class Command(BaseCommand):
    help = (
        "Creates (idempotent) a demo resident whose identity is in the commune's reference "
        "register and a demo clerk; prints one JSON object with their e-mails and passwords."
    )

    def add_arguments(self, parser):
        parser.add_argument("--commune", required=True, help="slug of the commune, e.g. kriens")

    def handle(self, *args, commune, **options):
        target = Commune.objects.filter(slug=commune).first()
        if target is None:
            raise CommandError(f"Keine Gemeinde mit dem Kurznamen {commune!r}.")
        if not target.is_active:
            raise CommandError(f"{target.name} ist fusioniert (in {target.merged_into.name}).")
        person = demo_person(target.bfs_number)
        passwords = {
            role: demo_password(commune=target.slug, role=role) for role in ("resident", "clerk")
        }
        with in_commune(target):
            resident, _ = user_upsert(
                email=f"einwohner.demo@{target.slug}.example.ch",
                password=passwords["resident"],
                role=User.Role.RESIDENT,
                first_name=person["first_name"],
                last_name=person["official_name"],
            )
            profile = _profile_store(resident, person)
            identity = _identity_login(target, resident, person, passwords["resident"])
            clerk, group_names, totp_secret = _clerk_upsert(target, passwords["clerk"])
        netloc = _portal_netloc(target)
        result = {
            "commune": target.slug,
            "bfs_number": target.bfs_number,
            "login_url": f"{settings.PORTAL_SCHEME}://{netloc}/login/",
            "resident": {
                "email": resident.email,
                "password": passwords["resident"],
                "first_name": person["first_name"],
                "last_name": person["official_name"],
                "date_of_birth": person["date_of_birth"],
                "ahv_number": person["vn"],
                "register_person_id": person["person_id"],
                "identity_in_profile": profile,
                "token": identity["token"],
            },
            "identity": {
                "provider": identity["provider"],
                "login_hint": identity["login_hint"],
                "ahv": person["vn"],
            },
            "clerk": {
                "email": clerk.email,
                "password": passwords["clerk"],
                "groups": group_names,
                "totp_secret": totp_secret,
            },
        }
        self.stdout.write(json.dumps(result, ensure_ascii=False))
