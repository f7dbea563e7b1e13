"""Adapters to registers and applications, and the reference registers that stand in for them.

Public surface (what other apps use):

- ``integrations.registry.get(key) -> Adapter``; ``adapter.call(request, *, idempotency_key)``
  with the request/result dataclasses of ``integrations.adapters.<name>``; configured for the
  commune the request or job runs in (``registry.block_for(config_name)`` for any block).
- ``integrations.connections.connection_test(commune=, block=)`` ("Verbindung testen").
- ``integrations.base.TransientError`` (retry) / ``PermanentError`` (hand to a clerk), both
  ``IntegrationError`` with ``.code``, ``.message`` (German), ``.details``, ``.as_dict()``.
- ``integrations.registry.UnknownAdapter`` for a key nobody registered.
- ``integrations.reference.demo_person(bfs_number) -> dict`` and
  ``integrations.reference.processes`` (start/stop the reference registers).
"""
