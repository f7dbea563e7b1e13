"""Retention under load: 100,000 closed cases past their retention period in one commune are
deleted (cases.services.retention) while a resident keeps using the commune's portal.

Run: .venv/bin/python -m bench.retention
Prepares its own database from an empty one (<DATABASE_URL's name>_retention, dropped after),
the communes, a service with a 30-day retention, and BENCH_RETENTION_CASES (100,000) closed
cases in Kriens with a step, two events and a message each and their public index entries.
Measures the p95 of a resident page ("Meine Geschäfte") idle, then while the deletion runs in
another thread. Last line: ``{"deleted_per_s", "deleted", "idle_p95_ms", "busy_p95_ms",
"p95_ratio"}`` (goals: deleted_per_s ≥ 2,000, p95_ratio ≤ 2).
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time

from bench._db import bench_database, prepare_environment

CASES = int(os.environ.get("BENCH_RETENTION_CASES", "100000"))
IDLE_REQUESTS = int(os.environ.get("BENCH_RETENTION_IDLE", "200"))
SERVICE_KEY = "bench-aufbewahrung"


def log(text: str) -> None:
    print(text, flush=True)


def _service():
    from catalog.services import (
        service_create,
        version_create_draft,
        version_publish,
        version_set_steps,
    )

    service = service_create(key=SERVICE_KEY, level="gemeinde")
    draft = version_create_draft(
        service=service,
        name_de="Bench-Aufbewahrung",
        summary_de="Nur für Messungen.",
        form_definition={
            "fields": [
                {"key": "reason", "type": "text", "required": True, "label": {"de": "Zweck"}}
            ]
        },
        retention_days=30,
    )
    version_set_steps(
        version=draft,
        steps=[
            {
                "key": "pruefen",
                "name_de": "Prüfen",
                "kind": "manual",
                "responsible_group": "Einwohnerdienste",
            }
        ],
    )
    return version_publish(version=draft)


_FILL = """
INSERT INTO cases_case (id, reference, service_id, version_id, stage, applicant_id, data, identity,
  fee, status, submitted_at, norm_days, due_date, paused_days, awaiting_info, decision,
  decision_reason, closed_at, updated_at, objection_open, legal_hold, legal_hold_reason)
SELECT md5('bench' || n)::uuid, 'KRI-2024-' || lpad(n::text, 6, '0'), %(service)s, %(version)s,
  'form', %(user)s, %(data)s::jsonb, %(data)s::jsonb, 10, 'completed',
  now() - interval '400 days', 5, (now() - interval '395 days')::date, 0, false, 'approved', '',
  now() - interval '100 days' - n * interval '1 second', now(), false, false, ''
FROM generate_series(1, %(n)s) n;
INSERT INTO cases_casestep (case_id, position, key, name_de, name_en, kind, adapter_key,
  group_name, status, attempts, input, output, last_error, idempotency_key, updated_at)
SELECT id, 1, 'pruefen', 'Prüfen', '', 'manual', '', 'Einwohnerdienste', 'done', 0,
  %(data)s::jsonb, %(data)s::jsonb, '', id::text || ':1', now()
FROM cases_case;
INSERT INTO cases_caseevent (case_id, created_at, kind, text, details, visible_to_resident)
SELECT id, submitted_at, k, 'Bench', '{}', true FROM cases_case, unnest(ARRAY['a', 'b']) k;
INSERT INTO cases_message (case_id, from_resident, body, is_info_request, created_at)
SELECT id, true, 'Bench-Nachricht', false, submitted_at FROM cases_case;
"""

_INDEX = """
INSERT INTO tenants_caseindexentry (commune_id, case_id, reference, service_key,
  service_title_de, service_title_en, status, subject, submitted_at, updated_at, closed_at)
SELECT %(commune)s, md5('bench' || n)::uuid, 'KRI-2024-' || lpad(n::text, 6, '0'), %(key)s,
  'Bench', '', 'completed', 'bench-subject', now(), now(), now()
FROM generate_series(1, %(n)s) n
"""


def prepare():
    """Communes, the service, the due cases and a resident with a session (in Kriens)."""
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django_tenants.utils import schema_context

    from catalog.offers.models import ServiceOffer, Stage
    from tenants.crypto import encrypt
    from tenants.models import Commune
    from tenants.services import communes_import
    from tests.factories import UserFactory

    call_command("migrate_schemas", "--shared", verbosity=0)
    communes_import()
    version = _service()
    kriens = Commune.objects.get(slug="kriens")
    data = json.dumps(encrypt(json.dumps({"reason": "Bench", "ahv_number": "756.0000.0000.02"})))
    with schema_context(kriens.schema_name):
        ServiceOffer.objects.create(service=version.service, stage=Stage.FORM)
        owner = UserFactory(email="bench-owner@example.ch")
        resident = UserFactory(email="bench-resident@example.ch")
        params = {
            "service": version.service_id,
            "version": version.pk,
            "user": owner.pk,
            "data": data,
            "n": CASES,
        }
        with connection.cursor() as cursor:
            for statement in _FILL.split(";\n"):
                if statement.strip():
                    cursor.execute(statement, params)
            cursor.execute(_INDEX, {"commune": kriens.pk, "key": SERVICE_KEY, "n": CASES})
            cursor.execute("ANALYZE")
        client = Client(HTTP_HOST=kriens.primary_domain)
        client.force_login(resident)
    connection.set_schema_to_public()
    return kriens, client


def p95_ms(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] * 1000


def main() -> None:
    prepare_environment()
    os.environ["DJANGO_DEBUG"] = "0"
    with bench_database("retention") as dbname:
        import django

        django.setup()
        started = time.monotonic()
        kriens, client = prepare()
        log(f"Datenbank {dbname}: {CASES} fällige Geschäfte in {time.monotonic() - started:.0f} s")

        def page() -> float:
            t = time.perf_counter()
            assert client.get("/meine-geschaefte/").status_code == 200
            return time.perf_counter() - t

        for _ in range(20):
            page()
        idle = [page() for _ in range(IDLE_REQUESTS)]
        outcome: dict = {}

        def delete() -> None:
            from django.db import connection

            from cases.services.retention import retention_apply
            from tenants.context import in_commune

            t = time.perf_counter()
            with in_commune(kriens):
                outcome["result"] = retention_apply()
            outcome["seconds"] = time.perf_counter() - t
            connection.close()

        worker = threading.Thread(target=delete)
        worker.start()
        busy = []
        while worker.is_alive():
            busy.append(page())
        worker.join()
        result = outcome["result"]
        per_s = result.deleted / outcome["seconds"]
        idle_p95, busy_p95 = p95_ms(idle), p95_ms(busy if len(busy) >= 20 else busy + idle)
        log(
            f"gelöscht: {result.deleted} in {outcome['seconds']:.1f} s = {per_s:.0f}/s (Ziel ≥ 2000)"
        )
        log(
            f"Seite «Meine Geschäfte» p95: {idle_p95:.1f} ms ruhig, {busy_p95:.1f} ms beim Löschen "
            f"({len(busy)} Anfragen; Ziel ≤ 2×)"
        )
        print(
            json.dumps(
                {
                    "deleted_per_s": round(per_s, 1),
                    "deleted": result.deleted,
                    "idle_p95_ms": round(idle_p95, 2),
                    "busy_p95_ms": round(busy_p95, 2),
                    "p95_ratio": round(busy_p95 / idle_p95, 3),
                }
            )
        )


if __name__ == "__main__":
    main()
