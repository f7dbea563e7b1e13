"""Case submissions through the whole stack (commune host, middleware, token auth, DRF, forms
engine, reference counter, steps, permissions, audit event) against a trivial view.

Run: DJANGO_SETTINGS_MODULE=config.settings.local .venv/bin/python -m bench.cases_submit
Prepares what it needs (idempotent): the public schema, the communes, a bench service offered by
Kriens at stage ``form`` and a bench resident. Prints ``submit_per_s``, ``trivial_per_s`` and
``submit_ratio`` (goal: ≥ 0.3) as the last line.
"""

import json
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Measured as in production: without DEBUG's query log.
os.environ.setdefault("DJANGO_DEBUG", "0")
# Notification mails of the submissions must not flood the console.
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from accounts import logins  # noqa: E402
from accounts.services import user_upsert  # noqa: E402
from catalog.models import Service, ServiceVersion  # noqa: E402
from catalog.offers.models import ServiceOffer, Stage  # noqa: E402
from catalog.services import (  # noqa: E402
    service_create,
    version_create_draft,
    version_publish,
    version_set_steps,
)
from tenants.models import Commune  # noqa: E402
from tenants.services import communes_import  # noqa: E402

SERVICE_KEY = "bench-bestellung"
FORM = {
    "fields": [
        {"key": "reason", "type": "text", "required": True, "label": {"de": "Zweck"}},
        {"key": "copies", "type": "number", "required": False, "label": {"de": "Anzahl"}},
        {"key": "email", "type": "email", "required": False, "label": {"de": "E-Mail"}},
    ]
}
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "300"))


def prepare() -> tuple[Commune, str]:
    call_command("migrate_schemas", "--shared", verbosity=0)
    if not Commune.objects.filter(slug="kriens").exists():
        communes_import()
    commune = Commune.objects.get(slug="kriens")
    service = Service.objects.filter(key=SERVICE_KEY).first()
    if service is None:
        service = service_create(key=SERVICE_KEY, level="gemeinde")
    if not service.versions.filter(status=ServiceVersion.Status.PUBLISHED).exists():
        draft = version_create_draft(
            service=service,
            name_de="Bench-Bestellung",
            name_en="Bench order",
            summary_de="Nur für Messungen.",
            fee="10.00",
            service_norm_days=5,
            form_definition=FORM,
        )
        version_set_steps(
            version=draft,
            steps=[
                {
                    "key": "pruefen",
                    "name_de": "Prüfen",
                    "name_en": "Review",
                    "kind": "manual",
                    "responsible_group": "Einwohnerdienste",
                }
            ],
        )
        version_publish(version=draft)
    with schema_context(commune.schema_name):
        ServiceOffer.objects.get_or_create(service=service, defaults={"stage": Stage.FORM})
        user, _ = user_upsert(
            email="bench-resident@example.ch", password="Bench-Passwort-2026", role="resident"
        )
        key, _token = logins.token_issue(user=user, context=logins.PASSWORD_LOGIN, label="bench")
    connection.set_schema_to_public()
    return commune, key


def rate(func, rounds: int) -> float:
    for _ in range(min(20, rounds)):
        func()
    start = time.perf_counter()
    for _ in range(rounds):
        func()
    return rounds / (time.perf_counter() - start)


def main() -> None:
    commune, token = prepare()
    host = commune.primary_domain
    anonymous = Client(HTTP_HOST=host)
    api = Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Token {token}")
    body = json.dumps({"service": SERVICE_KEY, "data": {"reason": "Messung", "copies": 1}})

    def trivial() -> None:
        assert anonymous.get("/").status_code == 200

    def submit() -> None:
        response = api.post("/api/cases/", body, content_type="application/json")
        assert response.status_code == 201, response.content

    trivial_per_s = rate(trivial, ROUNDS)
    submit_per_s = rate(submit, ROUNDS)
    ratio = submit_per_s / trivial_per_s
    print(f"Startseite der Gemeinde (trivial): {trivial_per_s:.0f} Anfragen/s")
    print(f"Bestellungen über POST /api/cases/: {submit_per_s:.0f} pro Sekunde")
    print(f"Verhältnis: {ratio:.2f} (Ziel ≥ 0.3)")
    print(
        json.dumps(
            {
                "submit_per_s": round(submit_per_s, 1),
                "trivial_per_s": round(trivial_per_s, 1),
                "submit_ratio": round(ratio, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
