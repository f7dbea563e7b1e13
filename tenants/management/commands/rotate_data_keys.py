"""``manage.py rotate_data_keys``: re-encrypt every encrypted value (tenants.crypto) with the
first key of DATA_ENCRYPTION_KEYS, in the public schema and every commune's schema, and the
kept personal data exports (their files, ``tenants.data_exports``); models that derive a keyed
hash on save (AHV numbers) recompute it with the current DATA_SEARCH_KEY. Prints one JSON line:
rows rewritten in the public schema, in the communes, and export files."""

from __future__ import annotations

import json

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django_tenants.utils import get_public_schema_name, schema_context

from tenants.crypto import EncryptedJSONField, EncryptedTextField
from tenants.data_exports import data_exports_rotate
from tenants.models import Commune


def _encrypted_models(app_labels: set[str]) -> list[tuple[type[models.Model], list[str]]]:
    found = []
    for model in apps.get_models():
        if model._meta.app_label not in app_labels:
            continue
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, EncryptedTextField | EncryptedJSONField)
        ]
        if fields:
            found.append((model, fields))
    return found


def _labels(app_paths: list[str]) -> set[str]:
    return {config.label for config in apps.get_app_configs() if config.name in set(app_paths)}


def _rotate(targets: list[tuple[type[models.Model], list[str]]]) -> int:
    count = 0
    for model, fields in targets:
        with transaction.atomic():
            for row in model.objects.only("pk", *fields).iterator(chunk_size=500):
                row.save(update_fields=fields)
                count += 1
    return count


class Command(BaseCommand):
    help = "Verschlüsselt alle Personendaten mit dem ersten Schlüssel neu (Schlüsselwechsel)."

    def handle(self, *args, **options) -> None:
        shared = _encrypted_models(_labels(settings.SHARED_APPS))
        tenant = _encrypted_models(_labels(settings.TENANT_APPS))
        total = {"public": 0, "communes": 0, "exports": 0}
        with schema_context(get_public_schema_name()):
            total["public"] = _rotate(shared)
            total["exports"] = data_exports_rotate()
            schemas = list(Commune.objects.values_list("schema_name", flat=True))
        for schema in schemas:
            with schema_context(schema):
                total["communes"] += _rotate(tenant)
        self.stdout.write(json.dumps(total))
