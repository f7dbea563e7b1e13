"""The registry of adapters: ``@register("resident_register.identify")`` on an ``Adapter``
subclass, ``registry.get(key)`` hands back one configured adapter.

The project's adapters are listed as dotted class paths in ``settings.INTEGRATION_ADAPTERS``;
``IntegrationsConfig.ready()`` imports them, which registers them. Configuration: the block
``<adapter.config_name>`` of the commune the request or job runs in (``tenants.CommuneConfig``,
resolved through ``tenants.context.current_commune``), each missing value taken from
``settings.INTEGRATIONS[<adapter.config_name>]`` (the development defaults). Outside a commune
(public schema) only the defaults apply. One adapter instance per key and distinct
configuration, so a Kriens call never reuses Emmen's connection pool or credentials.
``validate_configuration()`` checks the defaults as a Django system check at start-up. Tests
build their own ``Registry(config=...)`` (then without the per-commune lookup).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.module_loading import import_string

from integrations.base import Adapter

if TYPE_CHECKING:  # the registry is imported before the apps are ready (worker start-up)
    from tenants.models import Commune


class UnknownAdapter(LookupError):
    """No adapter is registered under this key (a catalogue step names a missing adapter)."""

    def __init__(self, key: str, known: Iterable[str]):
        known = sorted(known)
        super().__init__(
            f"Keine Schnittstelle mit dem Schlüssel «{key}» registriert "
            f"(bekannt: {', '.join(known) or 'keine'})."
        )
        self.key = key


class Registry:
    """Adapter classes by key; one instance per key, created on first ``get``."""

    def __init__(self, config: Callable[[], Mapping[str, Any]] | None = None):
        self._classes: dict[str, type[Adapter]] = {}
        self._instances: dict[tuple[str, tuple], Adapter] = {}
        self._lock = threading.Lock()
        self._per_commune = config is None
        self._config = config or (lambda: getattr(settings, "INTEGRATIONS", {}))

    def register(self, key: str) -> Callable[[type[Adapter]], type[Adapter]]:
        """Class decorator: ``@registry.register("dog_register.register")``."""

        def decorate(cls: type[Adapter]) -> type[Adapter]:
            if not (isinstance(cls, type) and issubclass(cls, Adapter)):
                raise TypeError(f"{cls!r} ist keine Adapter-Klasse.")
            existing = self._classes.get(key)
            if existing is not None and existing is not cls:
                raise ValueError(f"Schlüssel «{key}» ist bereits an {existing!r} vergeben.")
            cls.key = key
            self._classes[key] = cls
            return cls

        return decorate

    def load(self, dotted_paths: Iterable[str]) -> None:
        """Import adapter classes by dotted path (their ``@register`` runs on import)."""
        for path in dotted_paths:
            cls = import_string(path)
            if cls.key not in self._classes:
                raise ValueError(f"{path} ist mit keinem Schlüssel registriert (@register fehlt).")

    def keys(self) -> list[str]:
        return sorted(self._classes)

    def __contains__(self, key: str) -> bool:
        return key in self._classes

    def adapter_class(self, key: str) -> type[Adapter]:
        try:
            return self._classes[key]
        except KeyError:
            raise UnknownAdapter(key, self._classes) from None

    def defaults_for(self, config_name: str) -> dict[str, Any]:
        """The development defaults of block ``config_name`` (``settings.INTEGRATIONS``)."""
        return dict(self._config().get(config_name, {})) if config_name else {}

    def block_for(self, config_name: str, commune: Commune | None = None) -> dict[str, Any]:
        """Block ``config_name`` for ``commune`` (default: the current one): the commune's own
        values over the defaults. Serves any block, also those no adapter here names yet."""
        block = self.defaults_for(config_name)
        if config_name and self._per_commune:
            from tenants.context import current_commune
            from tenants.selectors import commune_integration_config

            commune = commune if commune is not None else current_commune()
            if commune is not None:
                block.update(commune_integration_config(commune, config_name))
        return block

    def config_for(self, cls: type[Adapter], commune: Commune | None = None) -> Mapping[str, Any]:
        return self.block_for(cls.config_name, commune)

    def get(self, key: str, *, commune: Commune | None = None) -> Adapter:
        """The adapter for ``key`` configured for ``commune`` (default: the commune the
        request or job runs in); ``UnknownAdapter`` if none is registered."""
        cls = self.adapter_class(key)
        config = self.config_for(cls, commune)
        fingerprint = (key, tuple(sorted((k, repr(v)) for k, v in config.items())))
        with self._lock:
            adapter = self._instances.get(fingerprint)
            if adapter is None:
                adapter = self._instances[fingerprint] = cls(config=config)
            return adapter

    def reset(self) -> None:
        """Drop the configured instances (after a settings change); classes stay registered."""
        with self._lock:
            instances, self._instances = self._instances, {}
        for adapter in instances.values():
            adapter.close()

    def warm_up(self) -> None:
        """Prepare every registered adapter (compile XSDs, load fonts) so that the first real
        call is not seconds slower than the rest; for worker start-up."""
        for key in self.keys():
            self.get(key).warm_up()

    def validate_configuration(self) -> list[str]:
        """Every problem with the registered adapters' configuration, as German sentences."""
        problems = []
        for key in self.keys():
            cls = self._classes[key]
            problems += [
                f"{key} (INTEGRATIONS[{cls.config_name!r}]): {p}"
                for p in cls.check_configuration(self.config_for(cls))
            ]
        return problems


registry = Registry()
register = registry.register


def get(key: str, *, commune: Commune | None = None) -> Adapter:
    """The project's adapter for ``key`` in the current (or the given) commune."""
    return registry.get(key, commune=commune)
