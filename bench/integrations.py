"""Adapter latencies against the reference registers (started here on free loopback ports).

Run: DJANGO_SETTINGS_MODULE=config.settings.local .venv/bin/python -m bench.integrations
Prints median/p95 per operation in milliseconds; the last line is one JSON object.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from datetime import date
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

django.setup()

from django.test import override_settings  # noqa: E402

from integrations.adapters.documents.adapters import ResidenceCertificateRequest  # noqa: E402
from integrations.adapters.qr_invoice.data import InvoiceRequest, Party  # noqa: E402
from integrations.adapters.resident_register.data import (  # noqa: E402
    Address,
    IdentifyRequest,
    MoveInRequest,
    MoveOutRequest,
)
from integrations.ech.ahv import ahv_from_serial  # noqa: E402
from integrations.reference import demo_person, processes  # noqa: E402
from integrations.reference.population import generate_commune  # noqa: E402
from integrations.registry import get, registry  # noqa: E402


def timed(fn, n: int) -> list[float]:
    samples = []
    for i in range(n):
        started = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2),
    }


def main() -> None:
    results: dict[str, dict[str, float]] = {}
    with processes.running_registers() as urls:
        config = {
            "resident_register": {"url": urls["resident"], "api_key": "dev-resident-register-key",
                                  "sender_id": "3-LU-1", "timeout": 5},
            "dog_register": {"url": urls["dog"], "api_key": "dev-dog-register-key", "timeout": 5},
            "billing": {"qr_iban": "CH4431999123000889012"},
        }  # fmt: skip
        with override_settings(INTEGRATIONS=config):
            registry.reset()
            residents = generate_commune(1059)
            identify = get("resident_register.identify")

            def identify_one(i: int) -> None:
                p = residents[i % len(residents)]
                identify.call(
                    IdentifyRequest(1059, p["vn"], date.fromisoformat(p["date_of_birth"]),
                                    p["official_name"], p["first_name"]),
                    idempotency_key=f"bench-id-{i}",
                )  # fmt: skip

            results["identify"] = summary(timed(identify_one, 200))

            def move(i: int) -> None:
                vn = ahv_from_serial(500_000 + i)
                person = dict(official_name="Bench", first_name=f"Nr{i}", sex="1",
                              date_of_birth=date(1990, 1, 1), vn=vn)  # fmt: skip
                get("resident_register.move_in").call(
                    MoveInRequest(bfs_number=1024, commune_name="Emmen", nationality="CH",
                                  nationality_name="Schweiz", arrival_date=date(2026, 1, 1),
                                  address=Address("Seetalstrasse", "1", "6020", "Emmen"), **person),
                    idempotency_key=f"bench-in-{i}",
                )  # fmt: skip
                get("resident_register.move_out").call(
                    MoveOutRequest(bfs_number=1024, commune_name="Emmen",
                                   departure_date=date(2026, 2, 1), **person),
                    idempotency_key=f"bench-out-{i}",
                )  # fmt: skip

            results["move_in_plus_move_out"] = summary(timed(move, 50))

        invoice = get("billing.qr_invoice")
        creditor = Party("Gemeinde Kriens", "Schachenstrasse", "13", "6010", "Kriens")
        results["qr_invoice"] = summary(
            timed(
                lambda i: invoice.call(
                    InvoiceRequest(creditor, 1059, Decimal("30"), f"2026-{i:06d}"),
                    idempotency_key=str(i),
                ),
                100,
            )
        )
        p = demo_person(1059)
        certificate = get("documents.residence_certificate")

        def render(i: int) -> None:
            certificate.call(
                ResidenceCertificateRequest("Kriens", 1059, "Einwohnerdienste Kriens",
                                            p["official_name"], p["first_name"],
                                            date.fromisoformat(p["date_of_birth"]),
                                            "Seestrasse 46", "6010", "Kriens", date.today(),
                                            f"WSB-{i}"),
                idempotency_key=str(i),
            )  # fmt: skip

        results["certificate_pdf_first"] = summary(timed(render, 1))
        results["certificate_pdf"] = summary(timed(render, 20))

    for name, figures in results.items():
        print(f"{name:24} median {figures['median_ms']:8.2f} ms   p95 {figures['p95_ms']:8.2f} ms")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
