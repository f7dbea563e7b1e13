"""Published catalogue versions as the case services use them (kept in memory once loaded)."""

from __future__ import annotations

from catalog.models import ServiceVersion, StepDefinition

# Published versions are immutable (catalog enforces it), so a process may keep them, with
# their step definitions, once loaded; which version is current is asked every time.
_versions: dict[int, tuple[ServiceVersion, list[StepDefinition]]] = {}
_VERSIONS_KEPT = 512


def published_version(version_id: int) -> tuple[ServiceVersion, list[StepDefinition]]:
    """A published version and its ordered step definitions (kept in memory once loaded)."""
    cached = _versions.get(version_id)
    if cached is None:
        version = ServiceVersion.objects.select_related("service").get(pk=version_id)
        cached = (version, list(version.steps.order_by("position")))
        if version.status != ServiceVersion.Status.DRAFT:
            if len(_versions) >= _VERSIONS_KEPT:
                _versions.clear()
            _versions[version_id] = cached
    return cached
