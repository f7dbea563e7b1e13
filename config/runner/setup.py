"""One-shot preparation before the portal starts (run by bin/run in its own process).

Migrates, imports the communes, seeds whatever seed commands the tree has, creates the demo
users and collects static files. Every step is idempotent: a second start changes nothing.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import sys
import time
from pathlib import Path

import django

CANTON_EMAIL = "admin@portal.lu.ch"
DEMO_COMMUNE = "kriens"
DEMO_USERS = (
    ("admin", "gemeindeadmin@kriens.ch", "Gabriela", "Gemeindeadmin"),
    ("clerk", "sachbearbeitung@kriens.ch", "Samuel", "Sachbearbeiter"),
    ("resident", "anna.muster@example.ch", "Anna", "Muster"),
)


def _step(title: str):
    print(f"» {title}", flush=True)
    return time.monotonic()


def _done(started: float) -> None:
    print(f"  ({time.monotonic() - started:.1f} s)", flush=True)


_PASSWORD_ALPHABET = string.ascii_letters + string.digits


def credentials(path: Path) -> dict:
    """Demo passwords: generated once, kept in var/credentials.json (mode 600) and reused."""
    data = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    for key in ["canton", *(f"{DEMO_COMMUNE}:{role}" for role, *_ in DEMO_USERS)]:
        if key not in data:
            # Letters and digits only: a leading "-" would read as an option on a command line.
            data[key] = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(16))
            changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps(data, indent=2) + "\n")
    return data


def _seed_demo(call_command, options: dict) -> None:
    """Run seed_demo, show its JSON (demo resident in the reference register, demo clerk) and
    keep it in var/seed_demo.json for the ready message."""
    import io

    from django.conf import settings

    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    text = out.getvalue().strip()
    print(f"  {text}", flush=True)
    path = Path(settings.BASE_DIR) / "var" / "seed_demo.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(text + "\n")


def _pending_tenant_schemas() -> list[str]:
    """Commune schemas that lack migrations the code has (after an update of the tree)."""
    from django.db import connection

    from tenants import schema_clone
    from tenants.models import Commune

    on_disk = schema_clone.tenant_migrations_on_disk()
    pending = []
    for schema in Commune.objects.values_list("schema_name", flat=True):
        if on_disk - schema_clone.applied_in(schema):
            pending.append(schema)
    connection.set_schema_to_public()
    return pending


def _init_postgres_broker() -> None:
    from django.conf import settings
    from django.db import connection, transaction

    if settings.DRAMATIQ_BROKER["BROKER"] != "dramatiq_postgres.PostgresBroker":
        return
    import dramatiq_postgres

    with transaction.atomic(), connection.cursor() as cursor:
        if dramatiq_postgres.init(cursor):
            print("  Warteschlangen-Tabellen für den PostgreSQL-Broker angelegt (Schema dramatiq).")


def _second_factors(path: Path, data: dict) -> None:
    """Staff need a second factor: the demo staff get authenticator devices with secrets that
    are kept (and printed) beside their passwords."""
    from django_tenants.utils import schema_context

    from accounts.models import User
    from accounts.second_factor import demo_secret, totp_device_ensure
    from tenants.models import Commune

    staff = [("canton", None, CANTON_EMAIL)] + [
        (f"{DEMO_COMMUNE}:{role}", DEMO_COMMUNE, email)
        for role, email, *_ in DEMO_USERS
        if role in ("admin", "clerk")
    ]
    for key, commune, email in staff:
        schema = Commune.objects.get(slug=commune).schema_name if commune else "public"
        with schema_context(schema):
            user = User.objects.get(email=email)
            data[f"totp:{key}"] = totp_device_ensure(
                user=user, secret=demo_secret(commune=commune or "kanton", role=key)
            )
    path.write_text(json.dumps(data, indent=2) + "\n")


def main() -> int:
    django.setup()
    from django.core.management import call_command

    _migrate(call_command)
    started = _step("Importiere die Luzerner Gemeinden (import_communes)")
    call_command("import_communes", verbosity=1)
    _done(started)
    _seed(call_command)
    _users(call_command)
    started = _step("Statische Dateien (collectstatic)")
    call_command("collectstatic", interactive=False, verbosity=0)
    _done(started)
    return 0


def _migrate(call_command) -> None:
    started = _step("Migriere das öffentliche Schema (migrate_schemas --shared)")
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    _init_postgres_broker()
    _done(started)
    pending = _pending_tenant_schemas()
    if not pending:
        return
    started = _step(
        f"Migriere {len(pending)} Gemeindeschemas mit neuen Migrationen (migrate_communes)"
    )
    # SQL collected once in the template, replayed per schema (tenants/migrate_replay.py).
    call_command("migrate_communes", verbosity=0)
    _done(started)


def _seed(call_command) -> None:
    from django.core.management import get_commands

    commands = get_commands()
    seeds = [
        ("seed_catalog", [], {}),
        ("all_tenants_command", ["seed_offers"], {}),
        ("seed_commune_configs", [], {}),
        ("seed_demo", [], {"commune": DEMO_COMMUNE}),
    ]
    for name, args, options in seeds:
        if name not in commands or (args and args[0] not in commands):
            continue
        label = " ".join([name, *args, *(f"--{k} {v}" for k, v in options.items())])
        started = _step(label)
        if name == "seed_demo":
            _seed_demo(call_command, options)
        else:
            call_command(name, *args, **options)
        _done(started)


def _users(call_command) -> None:
    from django.conf import settings

    started = _step("Benutzer für Kanton und Demo-Gemeinde Kriens")
    secrets_file = Path(settings.BASE_DIR) / "var" / "credentials.json"
    passwords = credentials(secrets_file)
    # "--option=value": values are never mistaken for options, whatever they start with.
    call_command(
        "create_canton_user", f"--email={CANTON_EMAIL}", f"--password={passwords['canton']}"
    )
    for role, email, first, last in DEMO_USERS:
        call_command(
            "create_commune_user",
            f"--commune={DEMO_COMMUNE}",
            f"--role={role}",
            f"--email={email}",
            f"--password={passwords[f'{DEMO_COMMUNE}:{role}']}",
            f"--first-name={first}",
            f"--last-name={last}",
        )
    _second_factors(secrets_file, passwords)
    _done(started)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.exit(main())
