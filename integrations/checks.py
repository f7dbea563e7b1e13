"""Start-up check: every registered adapter must be configured (``manage.py check`` and every
command that runs system checks fail loudly otherwise)."""

from __future__ import annotations

from django.core import checks

from integrations.registry import registry


@checks.register("integrations")
def check_integrations(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return [
        checks.Error(problem, id="integrations.E001", hint="Umgebungsvariablen prüfen.")
        for problem in registry.validate_configuration()
    ]
