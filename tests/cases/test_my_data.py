"""The access right and erasure: "Meine Daten" exports everything about the person (every
commune, the index, the access log) as JSON and PDF, and closes the account with what stays."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuthToken, ResidentProfile, User
from cases.actors_exports import expire_personal_data_exports
from cases.exceptions import InvalidTransition
from cases.models import Case
from cases.services import case_submit, case_withdraw, message_send
from cases.services.my_data import account_close, personal_data_export
from catalog.offers.models import Stage
from integrations.ech.ahv import ahv_format, ahv_from_serial
from tenants.context import in_public
from tenants.data_exports import data_export_open, data_export_store
from tenants.models import PersonalDataExport
from tenants.scheduler import periodic_public_actors
from tests.conftest import _carry_login
from tests.factories import UserFactory
from tests.jobs import flush_queue, queued, run_queued

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


def _client_of(commune_client, in_commune, commune, user):
    client = commune_client(commune)
    with in_commune(commune):
        client.force_login(user)
        _carry_login(client, user)
    return client


def test_the_page_has_the_export_built_by_a_job_for_its_owner_only(
    kriens, emmen, in_commune, people, commune_client, django_capture_on_commit_callbacks
):
    """POST on "Meine Daten" only queues a job (the request opens no other commune's schema)
    and the page says "wird erstellt"; the job builds the PDF, which the owner downloads on this
    host. Another account, or Anna's account on Emmen's host, gets 404."""
    anna, _case = people["anna_kriens"]
    flush_queue("exports")
    client = _client_of(commune_client, in_commune, kriens, anna)
    with (
        django_capture_on_commit_callbacks(execute=True),
        CaptureQueriesContext(connection) as queries,
    ):
        answer = client.post("/meine-daten/export/", {"format": "pdf"})
    assert answer.status_code == 302
    assert not [q for q in queries.captured_queries if emmen.schema_name in q["sql"]]
    assert len(queued("exports")) == 1
    export = PersonalDataExport.objects.get(user_id=anna.pk, commune=kriens)
    assert export.status == "pending" and export.content == ""
    page = client.get("/meine-daten/").content.decode()
    assert "wird erstellt" in page

    assert run_queued("exports") == 1
    export.refresh_from_db()
    assert export.status == "ready" and export.content.startswith("fernet:")
    page = client.get("/meine-daten/").content.decode()
    url = f"/meine-daten/export/{export.pk}/"
    assert f'href="{url}"' in page
    pdf = client.get(url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content[:5] == b"%PDF-"

    bert, _bert_case = people["bert"]
    assert _client_of(commune_client, in_commune, kriens, bert).get(url).status_code == 404
    emmen_anna, _emmen_case = people["anna_emmen"]
    assert _client_of(commune_client, in_commune, emmen, emmen_anna).get(url).status_code == 404
    assert commune_client(kriens).get(url).status_code == 302  # to the login


def test_a_bad_format_is_refused_and_queues_nothing(
    kriens, in_commune, people, commune_client, django_capture_on_commit_callbacks
):
    anna, _case = people["anna_kriens"]
    flush_queue("exports")
    client = _client_of(commune_client, in_commune, kriens, anna)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/meine-daten/export/", {"format": "exe"}, follow=True)
    assert "Bitte wählen Sie PDF oder JSON." in answer.content.decode()
    assert not PersonalDataExport.objects.filter(user_id=anna.pk).exists()
    assert queued("exports") == []


def test_export_api_answers_202_until_the_job_has_built_the_json(
    kriens, in_commune, people, commune_client, django_capture_on_commit_callbacks
):
    """POST /api/me/export/ answers 202 with a URL; it answers 202 until the job ran, then the
    JSON (Kriens and Emmen, nothing of Bert). A second POST meanwhile reuses the pending one;
    anonymous: 401/403 and nothing queued."""
    anna, kriens_case = people["anna_kriens"]
    flush_queue("exports")
    assert commune_client(kriens).post("/api/me/export/").status_code in (401, 403)
    assert queued("exports") == []
    client = _client_of(commune_client, in_commune, kriens, anna)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/api/me/export/")
        again = client.post("/api/me/export/")
    assert started.status_code == 202 and started.json()["status"] == "pending"
    assert again.json()["id"] == started.json()["id"]
    assert len(queued("exports")) == 1
    url = started.json()["url"]
    assert client.get(url).status_code == 202
    run_queued("exports")
    export = client.get(url).json()
    assert {c["slug"] for c in export["communes"]} == {"kriens", "emmen"}
    assert kriens_case.reference in json.dumps(export)
    assert BERT_AHV not in json.dumps(export)


def test_an_expired_export_is_gone(kriens, in_commune, people, commune_client):
    """Past its expiry the download is 404 and the public job deletes the row."""
    anna, _case = people["anna_kriens"]
    client = _client_of(commune_client, in_commune, kriens, anna)
    with in_commune(kriens):
        export, _new = data_export_open(user_id=anna.pk, fmt="json")
        data_export_store(export=export, content=b"{}")
    assert client.get(f"/meine-daten/export/{export.pk}/").status_code == 200
    PersonalDataExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert client.get(f"/meine-daten/export/{export.pk}/").status_code == 404
    assert expire_personal_data_exports in periodic_public_actors()
    expire_personal_data_exports.fn()
    assert not PersonalDataExport.objects.filter(pk=export.pk).exists()


def test_public_host_export_by_identity(
    kriens, people, public_client, django_capture_on_commit_callbacks
):
    """On the public host, the export is found by the identity's subject (built by the job in
    public)."""
    _anna, kriens_case = people["anna_kriens"]
    flush_queue("exports")
    with in_public():
        public_user = User.objects.create(
            email=None, role=User.Role.RESIDENT, oidc_subject="sub-anna"
        )
        public_client.force_login(public_user)
    with django_capture_on_commit_callbacks(execute=True):
        url = public_client.post("/api/me/export/").json()["url"]
    run_queued("exports")
    export = public_client.get(url).json()
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
