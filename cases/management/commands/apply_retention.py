"""``manage.py apply_retention [--commune <slug>] [--dry-run]``: delete the personal content of
closed cases whose retention period has passed and drafts unchanged for 90 days; prints one
JSON object."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from tenants.context import in_commune
from tenants.models import Commune

from ...services.retention import retention_apply


class Command(BaseCommand):
    help = "Löscht abgelaufene Geschäftsinhalte (Aufbewahrungsfristen); --dry-run zeigt nur an."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--commune", help="Kurzname der Gemeinde (Standard: alle aktiven)")
        parser.add_argument("--dry-run", action="store_true", help="nur zählen, nichts löschen")

    def handle(self, *args, commune: str | None = None, dry_run: bool = False, **options) -> None:
        communes = Commune.objects.filter(status=Commune.Status.ACTIVE).order_by("slug")
        if commune:
            communes = communes.filter(slug=commune)
            if not communes.exists():
                raise CommandError(f"Keine aktive Gemeinde mit dem Kurznamen «{commune}».")
        total = {
            "due": 0,
            "deleted": 0,
            "on_hold": 0,
            "drafts": 0,
            "dry_run": dry_run,
            "communes": {},
        }
        for each in communes:
            with in_commune(each):
                result = retention_apply(dry_run=dry_run)
            for key in ("due", "deleted", "on_hold", "drafts"):
                total[key] += getattr(result, key)
            if result.due or result.on_hold or result.drafts:
                detail = result.as_dict()
                if dry_run:
                    detail["due_references"] = result.due_references
                total["communes"][each.slug] = detail
        self.stdout.write(json.dumps(total, ensure_ascii=False))
