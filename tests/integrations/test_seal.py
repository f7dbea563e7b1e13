"""Electronic seals (issue 15): the residence certificate carries a PAdES seal of the commune,
and the check says whether a document is sealed, unchanged and from a trusted authority."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test.utils import override_settings

from integrations.adapters.documents.data import (
    ResidenceCertificateRequest,
    SealCheckRequest,
    SealRequest,
)
from integrations.adapters.documents.seal import SealAdapter, _issue
from integrations.base import PermanentError
from integrations.registry import get


@pytest.fixture(autouse=True)
def _test_authority(tmp_path_factory, settings):
    """A test authority of this test session, in its own folder."""
    settings.SEAL_DEV_DIR = str(tmp_path_factory.getbasetemp() / "seal")
    settings.SEAL_DEV_CA = True


def _certificate() -> bytes:
    return (
        get("documents.residence_certificate")
        .call(
            ResidenceCertificateRequest(
                commune_name="Kriens",
                bfs_number=1059,
                authority="Einwohnerdienste Kriens",
                official_name="Muster",
                first_name="Anna",
                date_of_birth=dt.date(1990, 5, 17),
                street="Schachenstrasse 7",
                postcode="6010",
                town="Kriens",
                issue_date=dt.date(2026, 12, 4),
                reference="KRI-2026-000042",
            ),
            idempotency_key="seal-test",
        )
        .content
    )


def _seal(pdf: bytes, adapter=None) -> bytes:
    adapter = adapter or get("documents.seal")
    request = SealRequest(
        pdf=pdf,
        commune_name="Kriens",
        bfs_number=1059,
        reference="KRI-2026-000042",
        title="Wohnsitzbestätigung",
    )
    return adapter.call(request, idempotency_key="seal-test").content


def _check(pdf: bytes):
    return get("documents.seal_check").call(SealCheckRequest(pdf=pdf))


def test_a_sealed_certificate_is_valid_and_names_commune_and_reference():
    sealed = _seal(_certificate())
    check = _check(sealed)
    assert (check.sealed, check.intact, check.trusted) == (True, True, True)
    assert check.signer == "Gemeinde Kriens (BFS 1059)"
    assert check.issuer == "Kanton Luzern Test-Siegelstelle (Testumgebung)"
    assert check.reason == "Wohnsitzbestätigung KRI-2026-000042"
    assert check.sealed_at.startswith(dt.date.today().isoformat()[:4])
    assert check.problem == ""
    assert b"/ETSI.CAdES.detached" in sealed  # PAdES, not the older adbe.pkcs7


def test_a_changed_byte_breaks_the_seal():
    sealed = bytearray(_seal(_certificate()))
    at = sealed.index(b"/MediaBox") + len(b"/MediaBox")
    digit = next(i for i in range(at, at + 20) if chr(sealed[i]).isdigit() and sealed[i] != 0x39)
    sealed[digit] += 1
    check = _check(bytes(sealed))
    assert check.sealed and not check.intact
    assert check.problem == "Das Dokument wurde nach dem Siegeln verändert."


def test_content_appended_after_sealing_is_not_covered():
    sealed = _seal(_certificate())
    check = _check(sealed + b"\n% nachtraeglich angehaengt\n")
    assert not check.intact


def test_an_unsealed_pdf_and_a_non_pdf_are_told_apart():
    assert _check(_certificate()).problem == "Das PDF trägt kein elektronisches Siegel."
    assert not _check(_certificate()).sealed
    assert _check(b"kein PDF").problem == "Die Datei ist kein lesbares PDF."


def test_a_seal_of_an_unknown_authority_is_not_trusted():
    key_pem, cert_pem = _issue("Gemeinde Fälschung", ca=False)
    adapter = SealAdapter(config={"key_pem": key_pem.decode(), "cert_pem": cert_pem.decode()})
    check = _check(_seal(_certificate(), adapter))
    assert check.intact and not check.trusted
    assert check.problem == "Das Siegel stammt nicht von einer anerkannten Siegelstelle."


def test_without_a_key_and_without_test_authority_nothing_is_sealed():
    with override_settings(SEAL_DEV_CA=False), pytest.raises(PermanentError) as refused:
        _seal(_certificate(), SealAdapter(config={}))
    assert refused.value.code == "no_sealing_key"


def test_each_commune_gets_its_own_test_certificate():
    kriens = _check(_seal(_certificate()))
    emmen = get("documents.seal").call(
        SealRequest(
            pdf=_certificate(),
            commune_name="Emmen",
            bfs_number=1024,
            reference="EMM-2026-000001",
            title="Wohnsitzbestätigung",
        ),
        idempotency_key="seal-emmen",
    )
    assert _check(emmen.content).signer == "Gemeinde Emmen (BFS 1024)"
    assert kriens.signer == "Gemeinde Kriens (BFS 1059)"
