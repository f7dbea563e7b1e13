"""AHV numbers are encrypted at rest: profiles, the identity claims of logins, cases' identity
and form data, step payloads and hand-over payloads hold no plain AHV number (checked in SQL);
the keyed hash finds a profile by its number."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import ResidentProfile, ahv_search_hash
from cases.models import Case
from cases.services import case_submit
from catalog.offers.models import Stage
from integrations.ech.ahv import ahv_format
from integrations.reference.population import generate_resident
from tenants.crypto import PREFIX
from tenants.models import Handover
from tests.factories import UserFactory
from tests.identity import verified_login

from .factories import offer, service_with_steps

pytestmark = pytest.mark.django_db


def _columns(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [str(value) for row in cursor.fetchall() for value in row]


def test_no_plain_ahv_number_in_any_encrypted_column(kriens, emmen, in_commune):
    """Every column that carries the AHV number holds only ciphertext; Python sees the value."""
    person = generate_resident(kriens.bfs_number, 31)
    digits, dotted = person["vn"], ahv_format(person["vn"])
    form = {
        "fields": [
            {"key": "ahv_number", "type": "ahv", "required": True, "label": {"de": "AHV-Nummer"}}
        ]
    }
    version = service_with_steps(key="verschluesselt-test", form_definition=form)
    with in_commune(kriens):
        offer(version, stage=Stage.FORM)
        user = UserFactory()
        ResidentProfile.objects.create(user=user, ahv_number=dotted)
        verified_login(user, person)
        case = case_submit(
            user=user, service_key="verschluesselt-test", data={"ahv_number": dotted}
        )
        case.steps.update(input={"applicant": {"ahv_number": dotted}}, output={"vn": digits})
        stored = _columns(
            "SELECT p.ahv_number FROM accounts_residentprofile p UNION ALL "
            "SELECT l.claims::text FROM accounts_identitylogin l UNION ALL "
            "SELECT c.data::text || c.identity::text FROM cases_case c UNION ALL "
            "SELECT s.input::text || s.output::text FROM cases_casestep s"
        )
        assert len(stored) >= 4
        for value in stored:
            assert digits not in value.replace(".", "") and PREFIX in value
        reread = Case.objects.get(pk=case.pk)
        assert reread.data["ahv_number"] == dotted
        assert reread.identity["claims"]["ahv_number"].replace(".", "") == digits
        assert reread.steps.get().output == {"vn": digits}
        found = ResidentProfile.objects.get(ahv_hash=ahv_search_hash(digits))
        assert found.user_id == user.pk and found.ahv_number == dotted
        assert not ResidentProfile.objects.filter(ahv_hash=ahv_search_hash("7560000000002"))
    Handover.objects.create(
        kind="test", from_commune=kriens, to_commune=emmen, case_id=case.pk, payload={"vn": digits}
    )
    payloads = _columns("SELECT payload::text FROM tenants_handover")
    assert payloads and all(digits not in p and PREFIX in p for p in payloads)
    assert Handover.objects.get(case_id=case.pk).payload == {"vn": digits}


def test_keyed_hash_depends_on_the_key(settings):
    """Without the search key the hash cannot be recomputed: another key, another hash."""
    first = ahv_search_hash("756.9217.0769.85")
    assert first == ahv_search_hash("7569217076985")
    settings.DATA_SEARCH_KEY = "another-key"
    assert ahv_search_hash("7569217076985") != first


def test_key_rotation_reencrypts_every_value(kriens, in_commune, settings):
    """With a new key in front, rotate_data_keys re-encrypts: afterwards the old key can go and
    every value is still readable; the search hash follows DATA_SEARCH_KEY."""
    import json
    from io import StringIO

    from cryptography.fernet import Fernet
    from django.core.management import call_command

    from tenants.data_exports import data_export_content, data_export_open, data_export_store
    from tenants.models import PersonalDataExport

    old = list(settings.DATA_ENCRYPTION_KEYS)
    new = Fernet.generate_key().decode()
    with in_commune(kriens):
        user = UserFactory()
        ResidentProfile.objects.create(user=user, ahv_number="756.9217.0769.85")
        export, _new = data_export_open(user_id=user.pk, fmt="json")
        data_export_store(export=export, content=b'{"ahv": "756.9217.0769.85"}')
        pending, _new = data_export_open(user_id=user.pk, fmt="pdf")
    settings.DATA_ENCRYPTION_KEYS = [new, *old]
    settings.DATA_SEARCH_KEY = "new-search-key"
    out = StringIO()
    call_command("rotate_data_keys", stdout=out)
    counts = json.loads(out.getvalue())
    assert counts["communes"] >= 1
    assert counts["exports"] == 1  # the file; the pending export has none yet
    settings.DATA_ENCRYPTION_KEYS = [new]
    with in_commune(kriens):
        profile = ResidentProfile.objects.get(user=user)
        assert profile.ahv_number == "756.9217.0769.85"
        assert profile.ahv_hash == ahv_search_hash("7569217076985")
    # A file still downloadable when the old key goes stays readable.
    kept = PersonalDataExport.objects.get(pk=export.pk)
    assert data_export_content(kept) == b'{"ahv": "756.9217.0769.85"}'
    assert PersonalDataExport.objects.get(pk=pending.pk).content == ""
