"""Documents that promise a seal carry one: a clerk's decision PDF for a resident who chose
"als PDF im Portal (mit elektronischem Siegel)" is sealed with the commune's seal; anyone can
check a document on /siegel-pruefen/ (public host and commune hosts)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Document
from cases.services import case_decide, case_submit
from cases.services.seals import seal_check
from catalog.seed.helpers import DELIVERY
from integrations.adapters.documents.pdf import render_pdf

from .factories import SMALL_FORM, offer, service_with_steps

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _test_authority(tmp_path_factory, settings):
    settings.SEAL_DEV_DIR = str(tmp_path_factory.getbasetemp() / "seal")
    settings.SEAL_DEV_CA = True


@pytest.fixture
def extract(kriens, in_commune, kriens_setup):
    """A service whose order form asks for the delivery (sealed PDF or post)."""
    form = {"fields": [*SMALL_FORM["fields"], DELIVERY]}
    version = service_with_steps(key="auszug-test", form_definition=form)
    with in_commune(kriens):
        offer(version)
    return kriens_setup


def _pdf() -> bytes:
    return render_pdf("<h1>Betreibungsregisterauszug</h1><p>Keine Betreibungen.</p>").content


def _order(people, delivery: str):
    return case_submit(
        user=people["resident"],
        service_key="auszug-test",
        data={"reason": "Wohnung", "delivery": delivery},
    )


def _decision(case) -> Document:
    return case.documents.get(kind=Document.Kind.DECISION)


def test_decision_pdf_is_sealed_when_the_resident_chose_a_sealed_pdf(kriens, in_commune, extract):
    with in_commune(kriens):
        case = _order(extract, "pdf")
        case_decide(
            case=case,
            user=extract["clerk"],
            approve=True,
            document=SimpleUploadedFile("auszug.pdf", _pdf(), content_type="application/pdf"),
        )
        with _decision(case).file.open("rb") as f:
            check = seal_check(pdf=f.read())
    assert check.intact and check.trusted
    assert check.signer == f"Gemeinde Kriens (BFS {kriens.bfs_number})"
    assert case.reference in check.reason


def test_decision_by_post_is_stored_as_uploaded(kriens, in_commune, extract):
    original = _pdf()
    with in_commune(kriens):
        case = _order(extract, "post")
        case_decide(
            case=case,
            user=extract["clerk"],
            approve=True,
            document=SimpleUploadedFile("auszug.pdf", original, content_type="application/pdf"),
        )
        with _decision(case).file.open("rb") as f:
            assert f.read() == original


def test_a_sealed_pdf_needs_a_pdf(kriens, in_commune, extract):
    """An image cannot be sealed: the decision is refused with a clear message; nothing is
    stored and the case stays open."""
    with in_commune(kriens):
        case = _order(extract, "pdf")
        with pytest.raises(ValidationError) as refused:
            case_decide(
                case=case,
                user=extract["clerk"],
                approve=True,
                document=SimpleUploadedFile("auszug.png", PNG, content_type="image/png"),
            )
        assert "gesiegeltes PDF" in str(refused.value)
        case.refresh_from_db()
        assert case.is_open
        assert not case.documents.exists()
        assert not case.events.filter(kind="decided").exists()


@pytest.mark.parametrize("host", ["public", "commune"])
def test_anyone_checks_a_seal_online(
    kriens, in_commune, extract, public_client, commune_client, host
):
    """The page shows the seal's commune and reference for a sealed PDF, says so for a changed
    or unsealed one, and asks for a file when none is given (400)."""
    client = public_client if host == "public" else commune_client(kriens)
    with in_commune(kriens):
        case = _order(extract, "pdf")
        case_decide(
            case=case,
            user=extract["clerk"],
            approve=True,
            document=SimpleUploadedFile("auszug.pdf", _pdf(), content_type="application/pdf"),
        )
        with _decision(case).file.open("rb") as f:
            sealed = f.read()
    page = client.get("/siegel-pruefen/")
    assert page.status_code == 200 and "Siegel eines Dokuments prüfen" in page.content.decode()

    valid = client.post(
        "/siegel-pruefen/", {"document": SimpleUploadedFile("a.pdf", sealed, "application/pdf")}
    )
    text = valid.content.decode()
    assert valid.status_code == 200
    assert "Das Siegel ist gültig" in text and "Gemeinde Kriens" in text and case.reference in text

    changed = client.post(
        "/siegel-pruefen/",
        {"document": SimpleUploadedFile("a.pdf", sealed + b"\n%x\n", "application/pdf")},
    )
    assert "Das Siegel ist nicht gültig" in changed.content.decode()

    unsealed = client.post(
        "/siegel-pruefen/", {"document": SimpleUploadedFile("b.pdf", _pdf(), "application/pdf")}
    )
    assert "Das PDF trägt kein elektronisches Siegel." in unsealed.content.decode()

    empty = client.post("/siegel-pruefen/", {})
    assert empty.status_code == 400
    assert "Bitte wählen Sie das PDF aus" in empty.content.decode()
