"""Catalogue search through the whole stack (public host, middleware, DRF): median latency.

Run: DJANGO_SETTINGS_MODULE=config.settings.local .venv/bin/python -m bench.catalog_search
Seeds the catalogue first if it is empty (idempotent). Goal: search_median_ms ≤ 50.
"""

import json
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from catalog.seed.loader import seed_catalog  # noqa: E402

QUERIES = [
    "hunde",
    "zügeln",
    "umzug",
    "wohnsitzbestatigung",
    "baugesuch",
    "pass",
    "steuer",
    "kita",
    "geburtsschein",
    "parkieren",
    "abfall",
    "fischen",
]


def main() -> None:
    seed_catalog()
    client = Client(HTTP_HOST=settings.PORTAL_DOMAIN)
    for q in QUERIES:  # warm-up
        client.get("/api/catalog/services/", {"q": q})
    timings = []
    for _round in range(10):
        for q in QUERIES:
            start = time.perf_counter()
            response = client.get("/api/catalog/services/", {"q": q})
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200 and response.json(), q
    median = statistics.median(timings)
    p95 = sorted(timings)[int(len(timings) * 0.95)]
    print(
        f"Katalogsuche über die API: {len(timings)} Anfragen, Median {median:.1f} ms, p95 {p95:.1f} ms"
    )
    print(json.dumps({"search_median_ms": round(median, 2), "search_p95_ms": round(p95, 2)}))


if __name__ == "__main__":
    main()
