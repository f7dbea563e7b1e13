"""Payments: QR-bill reconciliation and online payment notifications.

Run: .venv/bin/python -m bench.payments
Prepares its own database from an empty one (``<DATABASE_URL's name>_payments``, dropped at
the end): the public schema, the communes, 10,000 QR-bill cases and 200 online payments in
Kriens. Measures

- ``reconcile_per_s``: camt.054 entries parsed, matched and booked per second, for one file of
  10,000 credits (``cases.services.camt_import``; goal ≥ 2,000);
- ``notify_median_ms``: one signed provider notification through the whole stack (commune host,
  middleware, signature check, payment update, case event) (goal ≤ 20 ms).

The last line is one JSON object.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import time
from decimal import Decimal

from bench._db import bench_database, prepare_environment

ENTRIES = int(os.environ.get("BENCH_ENTRIES", "10000"))
NOTIFICATIONS = int(os.environ.get("BENCH_NOTIFICATIONS", "200"))


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _service():
    from catalog.services import (
        service_create,
        version_create_draft,
        version_publish,
        version_set_steps,
    )

    service = service_create(key="bench-gebuehr", level="gemeinde")
    draft = version_create_draft(
        service=service,
        name_de="Bench-Gebühr",
        name_en="Bench fee",
        summary_de="Nur für Messungen.",
        fee="30.00",
        service_norm_days=5,
        form_definition={"fields": []},
    )
    version_set_steps(
        version=draft,
        steps=[{"key": "pruefen", "name_de": "Prüfen", "name_en": "Review", "kind": "manual",
                "responsible_group": "Einwohnerdienste"}],
    )  # fmt: skip
    return version_publish(version=draft)


def _cases(version, user, count: int, *, prefix: str) -> list:
    from cases.models import Case

    now = dt.datetime.now(dt.UTC)
    rows = [
        Case(reference=f"{prefix}-{i:06d}", service_id=version.service_id, version=version,
             stage="form", applicant=user, fee=Decimal("30.00"), submitted_at=now, norm_days=5,
             due_date=now.date())
        for i in range(count)
    ]  # fmt: skip
    return Case.objects.bulk_create(rows, batch_size=2000)


def prepare():
    from django.core.management import call_command

    from accounts.services import user_upsert
    from cases.models import Payment
    from integrations.adapters.qr_invoice.adapters import qrr_reference
    from tenants.context import in_commune
    from tenants.models import Commune
    from tenants.services import communes_import

    call_command("migrate_schemas", "--shared", verbosity=0)
    communes_import()
    version = _service()
    commune = Commune.objects.get(slug="kriens")
    with in_commune(commune):
        user, _ = user_upsert(email="bench@example.ch", password="Bench-Pw-2026!", role="resident")
        invoiced = _cases(version, user, ENTRIES, prefix="2026")
        Payment.objects.bulk_create(
            [Payment(case=c, amount=c.fee, method="qr_bill",
                     qr_reference=qrr_reference(commune.bfs_number, c.reference))
             for c in invoiced],
            batch_size=2000,
        )  # fmt: skip
        online = _cases(version, user, NOTIFICATIONS, prefix="ON")
        payments = Payment.objects.bulk_create(
            [Payment(case=c, amount=c.fee, method="online", transaction_id=f"9{i:09d}", attempts=1)
             for i, c in enumerate(online)]
        )  # fmt: skip
    return commune, invoiced, payments


def measure_reconcile(commune, invoiced) -> float:
    from cases.models import Payment
    from cases.services import camt_import
    from integrations.reference.camt054 import BuiltCredit, camt054_build
    from tenants.context import in_commune

    with in_commune(commune):
        references = dict(
            Payment.objects.filter(method="qr_bill").values_list("case_id", "qr_reference")
        )
        credits = [BuiltCredit(references[c.pk], Decimal("30.00"), dt.date(2026, 12, 2))
                   for c in invoiced]  # fmt: skip
        content = camt054_build(credits)
        started, cpu = time.perf_counter(), time.process_time()
        counts = camt_import(content=content, file_name="bench.xml")
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if counts["matched"] != ENTRIES:
        raise SystemExit(f"unerwartet: {counts}")
    log(
        f"camt.054 mit {ENTRIES} Gutschriften: {elapsed:.2f} s, davon {cpu:.2f} s CPU dieses "
        f"Prozesses ({len(content) / 1e6:.1f} MB)"
    )
    return ENTRIES / elapsed


def measure_notify(commune, payments) -> float:
    from django.conf import settings
    from django.test import Client

    from integrations.adapters.payment.signature import signature_make

    key = settings.INTEGRATIONS["payment"]["hmac_key"]
    client = Client(HTTP_HOST=commune.primary_domain)
    times = []
    for payment in payments:
        body = json.dumps({"transactionId": payment.transaction_id, "refno": str(payment.pk),
                           "status": "settled", "amount": 3000, "currency": "CHF",
                           "changedAt": "2026-12-03T10:00:00+00:00"}).encode()  # fmt: skip
        signature = signature_make(key_hex=key, timestamp=str(int(time.time() * 1000)), body=body)
        started = time.perf_counter_ns()
        response = client.post("/zahlungen/meldung/", body, content_type="application/json",
                               HTTP_DATATRANS_SIGNATURE=signature)  # fmt: skip
        times.append(time.perf_counter_ns() - started)
        if response.content != b"paid":
            raise SystemExit(f"Meldung nicht verbucht: {response.status_code} {response.content}")
    return statistics.median(times[10:] or times) / 1e6


def main() -> None:
    prepare_environment()
    os.environ.setdefault("DJANGO_DEBUG", "0")
    with bench_database("payments"):
        import django

        django.setup()
        started = time.monotonic()
        commune, invoiced, payments = prepare()
        log(f"vorbereitet in {time.monotonic() - started:.1f} s")
        reconcile_per_s = measure_reconcile(commune, invoiced)
        notify_median_ms = measure_notify(commune, payments)
        from django.db import connections

        connections.close_all()
    result = {
        "reconcile_per_s": round(reconcile_per_s, 1),
        "notify_median_ms": round(notify_median_ms, 2),
        "entries": ENTRIES,
        "notifications": NOTIFICATIONS,
        "goals": {"reconcile_per_s": 2000, "notify_median_ms": 20},
        # Wall-clock figures depend on what else runs: the 1-minute load average at the end.
        "load_average": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
