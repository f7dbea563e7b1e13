"""What ``bench.process_machine`` and ``bench.step_statements`` work on: the communes, the seeded
Wohnsitzbestätigung and two bench services of three empty automated steps (``bench-leer``,
handler declared pure; ``bench-leer-wirkung``, not declared), all offered at stage
``automated``, and one resident per commune in an e-ID login."""

from __future__ import annotations

COMMUNES = ("kriens", "emmen", "horw")
SERVICE_KEY = "wohnsitzbestaetigung"
EMPTY_SERVICE_KEY = "bench-leer"
EMPTY_EFFECTS_SERVICE_KEY = "bench-leer-wirkung"


def prepare() -> tuple[list, dict]:
    """Schemas, communes, the seeded Wohnsitzbestätigung offered at stage automated, residents."""
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import schema_context

    from accounts.services import user_upsert
    from catalog.models import Service
    from catalog.offers.models import ServiceOffer, Stage
    from catalog.seed.loader import seed_catalog
    from catalog.services import (
        service_create,
        version_create_draft,
        version_publish,
        version_set_steps,
    )
    from tenants.models import Commune
    from tenants.services import communes_import

    call_command("migrate_schemas", "--shared", verbosity=0)
    communes_import()
    seed_catalog(keys=[SERVICE_KEY])
    service = Service.objects.get(key=SERVICE_KEY)
    empties = []
    for key, adapter_key, suffix in (
        (EMPTY_SERVICE_KEY, "bench.noop", ""),
        (EMPTY_EFFECTS_SERVICE_KEY, "bench.noop_effects", " (mit Wirkung)"),
    ):
        empty = service_create(key=key, level="gemeinde")
        draft = version_create_draft(
            service=empty,
            name_de=f"Bench ohne Schnittstellen{suffix}",
            name_en="Bench without adapters",
            summary_de="Nur für Messungen: drei automatische Schritte, die nichts tun.",
            fee="0.00",
            service_norm_days=1,
            form_definition={"fields": []},
        )
        version_set_steps(
            version=draft,
            steps=[
                {
                    "key": f"leer-{i}",
                    "name_de": f"Leerer Schritt {i}",
                    "name_en": f"Empty step {i}",
                    "kind": "automated",
                    "adapter_key": adapter_key,
                    "responsible_group": "Einwohnerdienste",
                }
                for i in (1, 2, 3)
            ],
        )
        version_publish(version=draft)
        empties.append(empty)
    communes, residents = [], {}
    for slug in COMMUNES:
        commune = Commune.objects.get(slug=slug)
        with schema_context(commune.schema_name):
            for offered in (service, *empties):
                ServiceOffer.objects.update_or_create(
                    service=offered, defaults={"stage": Stage.AUTOMATED, "active": True}
                )
            residents[slug], _ = user_upsert(
                email=f"bench-{commune.bfs_number}@example.ch",
                password="bench-Passwort-1",
                role="resident",
                first_name="Bench",
                last_name=slug.capitalize(),
            )
            _verified_login(residents[slug], commune.bfs_number)
        communes.append(commune)
    connection.set_schema_to_public()
    return communes, residents


def _verified_login(user, bfs_number: int) -> None:
    """The bench resident orders in an e-ID login as the commune's demo person (the register
    steps trust only verified claims), through the same services as a provider login."""
    from accounts import logins
    from accounts.oidc import ProviderIdentity
    from accounts.validators import ahv_normalize
    from integrations.reference import demo_person

    person = demo_person(bfs_number)
    identity = ProviderIdentity(
        subject=f"bench-{bfs_number}",
        issuer="bench",
        level="eid",
        acr="bench",
        first_name=person["first_name"],
        last_name=person["official_name"],
        date_of_birth=person["date_of_birth"],
        ahv_number=ahv_normalize(person["vn"]),
    )
    if not user.oidc_subject:
        user.oidc_subject = identity.subject
        user.save(update_fields=["oidc_subject"])
    login = logins.identity_login_record(user=user, identity=identity)
    user.portal_login = logins.login_context_for_session({logins.SESSION_LOGIN_ID: login.pk}, user)
