"""Part of ``bench.scaling``: a commune page's latency and one more commune's onboarding,
measured in interleaved rounds over copies of the bench database (10, 500 and all communes),
and the copies themselves."""

from __future__ import annotations

import statistics
import time

LATENCY_PASSES = 3  # requests per commune and database in one round
ONBOARD_PROBE_ROUNDS = 8  # rounds that also onboard one more commune (rolled back) per database
PROBE_BFS = 990000  # BFS numbers of the probe communes, beyond the official ones

PAGE = "/meine-geschaefte/"


def logged_in_clients(communes) -> list:
    """One client per commune, logged in as a resident of that commune (session and user in
    the commune's schema), for the page "Meine Geschäfte" (user, session, cases tables)."""
    from django.db import connection
    from django.test import Client
    from django_tenants.utils import schema_context

    from accounts.models import User

    clients = []
    for commune in communes:
        client = Client(HTTP_HOST=commune.primary_domain)
        with schema_context(commune.schema_name):
            user = User.objects.filter(email="bench@example.ch").first()
            user = user or User.objects.create_user(email="bench@example.ch", password=None)
            client.force_login(user)
        clients.append(client)
    connection.set_schema_to_public()
    return clients


def _onboard_probe(session, bfs_number: int) -> float:
    """Seconds to onboard one more commune (row, clone, domain), rolled back."""
    from django.db import connection, transaction

    connection.set_schema_to_public()
    t0 = time.perf_counter()
    with transaction.atomic():
        session.onboard(bfs_number=bfs_number, name=f"Probe {bfs_number}", canton="ZZ")
        elapsed = time.perf_counter() - t0
        transaction.set_rollback(True)
    connection.set_schema_to_public()
    return elapsed


def interleaved_latency(clients: list, databases: dict[int, str], rounds: int) -> dict:
    """Median seconds of a commune page per database (10, 500, all communes), measured in
    interleaved rounds: each round visits every database once (rotating order) with a fresh
    backend, warms it up, then times consecutive requests alternating over the communes. Load
    from elsewhere falls on all databases alike."""
    from django.db import connection

    main = connection.settings_dict["NAME"]
    from tenants.services import OnboardingSession

    order = list(databases)
    times: dict[int, list[float]] = {n: [] for n in order}
    per_round: dict[int, list[float]] = {n: [] for n in order}
    probes: dict[int, list[float]] = {n: [] for n in order}
    for round_ in range(rounds):
        shift = round_ % len(order)
        for n in order[shift:] + order[:shift]:
            connection.close()
            connection.settings_dict["NAME"] = databases[n]
            for client in clients * 2:  # warm up: connection, catalog cache of the 10 schemas
                client.get(PAGE)
            measured = []
            for client in clients * LATENCY_PASSES:
                t0 = time.perf_counter()
                response = client.get(PAGE)
                measured.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {PAGE} ({databases[n]}): {response.status_code}")
            times[n] += measured
            per_round[n].append(statistics.median(measured))
            if round_ < ONBOARD_PROBE_ROUNDS:
                probes[n].append(_onboard_probe(OnboardingSession(), PROBE_BFS + round_))
    connection.close()
    connection.settings_dict["NAME"] = main
    connection.set_schema_to_public()
    first, last = order[0], order[-1]
    return {
        "latency_requests_per_stage": len(times[first]),
        **{f"latency_median_ms_{n}": statistics.median(times[n]) * 1000 for n in order},
        **{
            f"latency_ratio_{n}_vs_{first}": statistics.median(times[n])
            / statistics.median(times[first])
            for n in order[1:]
        },
        f"latency_ratio_{last}_vs_{first}_round_medians": statistics.median(
            b / a for a, b in zip(per_round[first], per_round[last], strict=True)
        ),
        **{f"onboard_probe_median_s_{n}": statistics.median(probes[n]) for n in order},
        f"onboard_probe_ratio_{last}_vs_{first}": statistics.median(probes[last])
        / statistics.median(probes[first]),
    }


def copy_database(source: str, target: str) -> None:
    """A file copy of the bench database as it is now (no session may be connected to it)."""
    import os
    from urllib.parse import urlparse, urlunparse

    import psycopg
    from django.db import connections
    from psycopg import sql

    from bench._db import _admin, _terminate_and_drop

    connections.close_all()
    url = urlunparse(urlparse(os.environ["DATABASE_URL"])._replace(path=f"/{source}"))
    with psycopg.connect(_admin(url), autocommit=True) as conn:
        _terminate_and_drop(conn, target)
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(target), sql.Identifier(source)
            )
        )


def drop_databases(names: list[str]) -> None:
    import os

    import psycopg

    from bench._db import _admin, _terminate_and_drop

    with psycopg.connect(_admin(os.environ["DATABASE_URL"]), autocommit=True) as conn:
        for name in names:
            _terminate_and_drop(conn, name)
