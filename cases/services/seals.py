"""Checking a document's electronic seal (``documents.seal_check``): for the public page."""

from __future__ import annotations

from integrations import registry
from integrations.adapters.documents.data import SealCheck, SealCheckRequest


def seal_check(*, pdf: bytes) -> SealCheck:
    """Whether ``pdf`` carries an intact seal of a trusted sealing authority, and what it says."""
    return registry.get("documents.seal_check").call(SealCheckRequest(pdf=pdf))
