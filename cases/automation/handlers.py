"""Importing this module registers every step handler (done by ``CasesConfig.ready``)."""

from . import dogs, moves, residence  # noqa: F401
