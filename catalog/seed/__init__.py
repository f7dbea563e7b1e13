"""Seed data of the cantonal catalogue: real services of Luzern residents' daily life.

``SERVICES`` lists one dict per service (key, level, topics, pilot, texts, fee, form fields and
ordered steps); ``catalog.seed.loader.seed_catalog`` turns it into published versions.
"""

from .services_gemeinde import SERVICES as GEMEINDE
from .services_kanton_bund import SERVICES as KANTON_BUND
from .topics import TOPICS

SERVICES = [*GEMEINDE, *KANTON_BUND]

__all__ = ["SERVICES", "TOPICS"]
