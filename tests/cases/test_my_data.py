"""The access right and erasure: "Meine Daten" exports everything about the person (every
commune, the index, the access log) as JSON and PDF, and closes the account with what stays."""

from __future__ import annotations

import json

import pytest

from accounts.models import AuthToken, ResidentProfile, User
from cases.exceptions import InvalidTransition
from cases.models import Case
from cases.services import case_submit, case_withdraw, message_send
from cases.services.my_data import account_close, personal_data_export
from catalog.offers.models import Stage
from integrations.ech.ahv import ahv_format, ahv_from_serial
from tenants.context import in_public
from tests.conftest import _carry_login
from tests.factories import UserFactory

from .factories import offer, service_with_steps

pytestmark = pytest.mark.django_db
ORDER = {"reason": "Für die Bank"}
ANNA_AHV = ahv_format(ahv_from_serial(4711))
BERT_AHV = ahv_format(ahv_from_serial(4712))


def _person(*, subject: str, first: str, ahv: str) -> User:
    user = UserFactory(first_name=first, last_name="Muster", oidc_subject=subject)
    ResidentProfile.objects.create(user=user, ahv_number=ahv, street="Gasse", town="Kriens")
    return user


@pytest.fixture
def people(kriens, emmen, in_commune):
    """Anna has accounts and a case in Kriens and Emmen (one identity); Bert in Kriens."""
    version = service_with_steps(key="meine-daten-test", retention_days=90)
    found = {}
    for commune in (kriens, emmen):
        with in_commune(commune):
            offer(version, stage=Stage.FORM)
            anna = _person(subject="sub-anna", first="Anna", ahv=ANNA_AHV)
            case = case_submit(user=anna, service_key="meine-daten-test", data=ORDER)
            message_send(case=case, user=anna, body=f"Gruss aus {commune.name}")
            found[f"anna_{commune.slug}"] = (anna, case)
    with in_commune(kriens):
        bert = _person(subject="sub-bert", first="Bert", ahv=BERT_AHV)
        found["bert"] = (bert, case_submit(user=bert, service_key="meine-daten-test", data=ORDER))
    return found


def test_export_holds_the_persons_data_in_every_commune_and_nobody_elses(
    kriens, in_commune, people
):
    """JSON export on Kriens's host: Anna's profile and cases in Kriens and Emmen, the index;
    nothing of Bert."""
    anna, kriens_case = people["anna_kriens"]
    _emmen_anna, emmen_case = people["anna_emmen"]
    _bert, bert_case = people["bert"]
    with in_commune(kriens):
        export = personal_data_export(user=anna)
    assert {c["slug"] for c in export["communes"]} == {"kriens", "emmen"}
    kriens_part = next(c for c in export["communes"] if c["slug"] == "kriens")
    assert kriens_part["profile"]["ahv_number"] == ANNA_AHV
    refs = {case["reference"] for part in export["communes"] for case in part["cases"]}
    assert refs == {kriens_case.reference, emmen_case.reference}
    messages = [
        m["body"] for part in export["communes"] for c in part["cases"] for m in c["messages"]
    ]
    assert sorted(messages) == ["Gruss aus Emmen", "Gruss aus Kriens"]
    assert {e["reference"] for e in export["case_index"]} == refs
    text = json.dumps(export)
    assert BERT_AHV not in text and "Bert" not in text and bert_case.reference not in text


def test_export_api_and_pdf(kriens, in_commune, people, commune_client):
    """GET /api/me/export/ answers the same JSON; the PDF download is a PDF; 401 anonymous."""
    anna, kriens_case = people["anna_kriens"]
    assert commune_client(kriens).get("/api/me/export/").status_code in (401, 403)
    client = commune_client(kriens)
    with in_commune(kriens):
        client.force_login(anna)
        _carry_login(client, anna)
    answer = client.get("/api/me/export/")
    assert answer.status_code == 200
    assert kriens_case.reference in json.dumps(answer.json())
    assert BERT_AHV not in json.dumps(answer.json())
    pdf = client.get("/meine-daten/meine-daten.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content])[:5] == b"%PDF-"
    download = client.get("/meine-daten/meine-daten.json")
    assert json.loads(download.content)["subject"] == "sub-anna"


def test_public_host_export_by_identity(kriens, people, public_client):
    """On the public host, the export is found by the identity's subject."""
    _anna, kriens_case = people["anna_kriens"]
    with in_public():
        public_user = User.objects.create(
            email=None, role=User.Role.RESIDENT, oidc_subject="sub-anna"
        )
        public_client.force_login(public_user)
    export = public_client.get("/api/me/export/").json()
    assert {c["slug"] for c in export["communes"]} == {"kriens", "emmen"}
    assert kriens_case.reference in json.dumps(export)


def test_closing_is_refused_while_a_case_is_open(kriens, in_commune, people):
    """An open case blocks closing (German reason); nothing is deleted."""
    anna, _case = people["anna_kriens"]
    with in_commune(kriens):
        with pytest.raises(InvalidTransition, match="offen"):
            account_close(user=anna)
        anna.refresh_from_db()
        assert anna.is_active and anna.first_name == "Anna"
        assert ResidentProfile.objects.filter(user=anna).exists()


def test_closing_deletes_the_profile_and_keeps_cases_until_their_retention(
    kriens, in_commune, people, commune_client
):
    """After withdrawing: the page states what stays until when; closing deletes the profile
    and tokens, anonymises and deactivates the account; the closed case stays."""
    anna, case = people["anna_kriens"]
    client = commune_client(kriens)
    with in_commune(kriens):
        case_withdraw(case=case, user=anna)
        AuthToken.objects.create(
            key_hash="x" * 64, prefix="abcd", user=anna, level="eid", expires_at=case.submitted_at
        )
        client.force_login(anna)
        _carry_login(client, anna)
    page = client.get("/meine-daten/").content.decode()
    assert "Konto schliessen" in page and case.reference in page and "DSG" in page
    refused = client.post("/meine-daten/konto-schliessen/", {})
    assert refused.status_code == 302
    with in_commune(kriens):
        assert ResidentProfile.objects.filter(user=anna).exists()
    closed = client.post("/meine-daten/konto-schliessen/", {"confirm": "yes"})
    assert closed.status_code == 200 and "geschlossen" in closed.content.decode()
    with in_commune(kriens):
        anna.refresh_from_db()
        assert not anna.is_active and anna.email is None and anna.first_name == ""
        assert "@" not in anna.username
        assert not ResidentProfile.objects.filter(user=anna).exists()
        assert not AuthToken.objects.filter(user=anna).exists()
        assert Case.objects.filter(pk=case.pk).exists()
        assert ResidentProfile.objects.filter(user=people["bert"][0]).exists()
