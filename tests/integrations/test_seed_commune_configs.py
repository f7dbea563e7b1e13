"""seed_commune_configs: every active commune gets a complete, distinct, valid development
configuration; a second run keeps what is there."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from schwifty import IBAN

from integrations.reference.common import commune_api_key
from tenants.models import Commune, CommuneConfig
from tenants.selectors import commune_integration_config

pytestmark = pytest.mark.django_db


def _seed(*args) -> dict:
    out = StringIO()
    call_command("seed_commune_configs", *args, stdout=out)
    return json.loads(out.getvalue())


def test_every_commune_gets_a_distinct_valid_configuration(kriens):
    active = Commune.objects.filter(status=Commune.Status.ACTIVE).count()
    assert _seed() == {"created": active, "updated": 0, "kept": 0}
    configs = list(CommuneConfig.objects.select_related("commune"))
    assert len(configs) == active
    for field in ("qr_iban", "iban", "mail_sender", "resident_register_sender_id"):
        assert len({getattr(c, field) for c in configs}) == active, field
    for c in configs:
        assert 30000 <= int(IBAN(c.qr_iban).bban[:5]) <= 31999
        assert IBAN(c.iban).bban[:5] == "09000"
        assert c.creditor_street and c.creditor_postcode and c.creditor_town
    kriens_config = next(c for c in configs if c.commune_id == kriens.pk)
    assert (kriens_config.creditor_postcode, kriens_config.creditor_town) == ("6010", "Kriens")
    assert commune_integration_config(kriens, "resident_register")["api_key"] == commune_api_key(
        register="resident", bfs_number=kriens.bfs_number
    )
    assert _seed() == {"created": 0, "updated": 0, "kept": active}
