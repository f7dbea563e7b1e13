""" "Verbindung testen": probe each connection of a commune's configuration with the adapter
that uses it, and keep the result on the configuration (``CommuneConfig.health``).

An adapter class takes part when its ``config_name`` is one of ``BLOCKS`` and it has
``probe(*, bfs_number) -> str`` (``HttpAdapter`` has one); the probe reads and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from integrations.base import IntegrationError
from integrations.registry import Registry, registry
from tenants.models import Commune
from tenants.services import commune_config_health_record

BLOCKS = {
    "resident_register": "Einwohnerregister",
    "dog_register": "Hunderegister",
    "payment": "Zahlungsanbieter",
}


@dataclass(frozen=True)
class ConnectionResult:
    block: str
    label: str
    ok: bool
    message: str


def _probe_class(reg: Registry, block: str) -> type | None:
    keys: list[str] = reg.keys()
    for key in keys:
        cls = reg.adapter_class(key)
        if cls.config_name == block and callable(getattr(cls, "probe", None)):
            return cls
    return None


def connection_test(
    *, commune: Commune, block: str, reg: Registry | None = None
) -> ConnectionResult:
    """Probe one connection of ``commune`` with its own configuration and record the result."""
    reg = reg or registry
    label = BLOCKS.get(block, block)
    config = reg.block_for(block, commune)
    cls = _probe_class(reg, block)
    if not config.get("url"):
        ok, message = False, "Kein Endpunkt konfiguriert."
    elif cls is None:
        ok, message = False, "Keine Schnittstelle für diese Verbindung registriert."
    else:
        problems = cls.check_configuration(config)
        adapter = cls(config=config)
        try:
            if problems:
                raise IntegrationError(" ".join(problems), code="configuration")
            ok, message = True, adapter.probe(bfs_number=commune.bfs_number)
        except IntegrationError as exc:
            ok, message = False, exc.message
        finally:
            adapter.close()
    commune_config_health_record(commune=commune, block=block, ok=ok, message=message)
    return ConnectionResult(block=block, label=label, ok=ok, message=message)


def connections_test(*, commune: Commune, reg: Registry | None = None) -> list[ConnectionResult]:
    """Probe every connection block of ``commune`` that has an endpoint configured."""
    reg = reg or registry
    return [
        connection_test(commune=commune, block=block, reg=reg)
        for block in BLOCKS
        if reg.block_for(block, commune).get("url")
    ]
