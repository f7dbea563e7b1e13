import pytest

from cases.models import Case, CaseEvent, CaseStatus
from cases.services import case_submit
from catalog.offers.models import Stage
from tests.factories import UserFactory
from tests.identity import api_token

from .factories import offer, service_with_steps

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_client(commune_client, in_commune):
    """``token_client(commune, user)``: API client with the user's token of that commune."""

    def make(commune, user, host_commune=None):
        with in_commune(commune):
            token = api_token(user)
        return commune_client(host_commune or commune, HTTP_AUTHORIZATION=f"Token {token}")

    return make


def test_create_case_returns_id_reference_status(kriens, in_commune, token_client, kriens_setup):
    """POST /api/cases/ with a service key and data → 201 with id, reference and status."""
    client = token_client(kriens, kriens_setup["resident"])
    response = client.post(
        "/api/cases/",
        {"service": "parkkarte-test", "data": {"reason": "API", "copies": 2}},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "reference", "status"}
    assert body["reference"].startswith("KRI-") and body["status"] == "submitted"
    with in_commune(kriens):
        case = Case.objects.get(pk=body["id"])
        assert case.data == {"reason": "API", "copies": 2}
        assert case.applicant == kriens_setup["resident"]


def test_create_case_per_field_errors(kriens, in_commune, token_client, kriens_setup):
    """Bad data → 400 with German messages per field; nothing is written."""
    client = token_client(kriens, kriens_setup["resident"])
    response = client.post(
        "/api/cases/",
        {"service": "parkkarte-test", "data": {"copies": "viele"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    errors = response.json()["data"]
    assert set(errors) == {"reason", "copies"}
    assert all(isinstance(m, str) and m for msgs in errors.values() for m in msgs)
    with in_commune(kriens):
        assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


def test_create_case_link_stage_and_unknown_service(kriens, in_commune, token_client, kriens_setup):
    """A link-only service and an unknown service are 400 on the ``service`` field."""
    version = service_with_steps(key="nur-link")
    with in_commune(kriens):
        offer(version, stage=Stage.LINK, link_url="https://alt.kriens.ch/")
    client = token_client(kriens, kriens_setup["resident"])
    link = client.post(
        "/api/cases/", {"service": "nur-link", "data": {}}, content_type="application/json"
    )
    assert link.status_code == 400 and link.json()["link_url"] == "https://alt.kriens.ch/"
    unknown = client.post(
        "/api/cases/", {"service": "gibt-es-nicht", "data": {}}, content_type="application/json"
    )
    assert unknown.status_code == 400 and "service" in unknown.json()
    with in_commune(kriens):
        assert Case.objects.count() == 0


def test_create_case_needs_login(kriens, in_commune, commune_client, kriens_setup):
    """Without credentials → 401, and no case."""
    response = commune_client(kriens).post(
        "/api/cases/",
        {"service": "parkkarte-test", "data": {"reason": "x"}},
        content_type="application/json",
    )
    assert response.status_code == 401
    with in_commune(kriens):
        assert Case.objects.count() == 0


def test_kriens_token_on_emmen_is_401(kriens, emmen, in_commune, token_client, kriens_setup):
    """A Kriens token does not exist on Emmen's host: 401, nothing written there."""
    client = token_client(kriens, kriens_setup["resident"], host_commune=emmen)
    assert client.get("/api/cases/").status_code == 401
    response = client.post(
        "/api/cases/",
        {"service": "parkkarte-test", "data": {"reason": "x"}},
        content_type="application/json",
    )
    assert response.status_code == 401
    with in_commune(emmen):
        assert Case.objects.count() == 0


def test_kriens_case_on_emmen_is_404(kriens, emmen, in_commune, token_client, kriens_setup):
    """A Kriens case id asked for on Emmen's host is 404, even for Emmen's administrator."""
    with in_commune(kriens):
        case = case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "x"}
        )
    with in_commune(emmen):
        emmen_admin = UserFactory(admin=True)
    client = token_client(emmen, emmen_admin)
    assert client.get(f"/api/cases/{case.pk}/").status_code == 404
    assert (
        client.post(
            f"/api/cases/{case.pk}/note/", {"text": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert case.reference not in client.get("/api/cases/").content.decode()


def test_list_and_detail_respect_visibility(kriens, in_commune, token_client, kriens_setup):
    """Residents list their own cases only, another's detail is 404; a clerk of another group
    sees nothing; the group's clerk sees internal events, the resident does not."""
    with in_commune(kriens):
        mine = case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "a"}
        )
        theirs = case_submit(
            user=kriens_setup["other_resident"], service_key="parkkarte-test", data={"reason": "b"}
        )
    resident = token_client(kriens, kriens_setup["resident"])
    assert [c["id"] for c in resident.get("/api/cases/").json()] == [str(mine.pk)]
    assert resident.get(f"/api/cases/{theirs.pk}/").status_code == 404
    stranger = token_client(kriens, kriens_setup["stranger_clerk"])
    assert stranger.get("/api/cases/").json() == []
    assert stranger.get(f"/api/cases/{mine.pk}/").status_code == 404
    clerk = token_client(kriens, kriens_setup["clerk"])
    assert {c["id"] for c in clerk.get("/api/cases/").json()} == {str(mine.pk), str(theirs.pk)}
    clerk.post(f"/api/cases/{mine.pk}/note/", {"text": "Geheim"}, content_type="application/json")
    detail = resident.get(f"/api/cases/{mine.pk}/").json()
    assert [s["key"] for s in detail["steps"]] == ["pruefen"]
    assert "Geheim" not in str(detail["events"])
    clerk_detail = clerk.get(f"/api/cases/{mine.pk}/").json()
    assert any(e["text"] == "Geheim" for e in clerk_detail["events"])


def test_clerk_actions_through_the_api(kriens, in_commune, token_client, kriens_setup):
    """Assign, request info, (resident answers), complete the step: status follows."""
    with in_commune(kriens):
        case = case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "a"}
        )
    clerk = token_client(kriens, kriens_setup["clerk"])
    resident = token_client(kriens, kriens_setup["resident"])
    url = f"/api/cases/{case.pk}/"
    body = clerk.post(url + "assign/", {"assignee": "me"}, content_type="application/json").json()
    assert body["status"] == "in_progress" and body["assignee"] == kriens_setup["clerk"].pk
    body = clerk.post(
        url + "request-info/", {"question": "Foto?"}, content_type="application/json"
    ).json()
    assert body["status"] == "waiting_for_resident" and body["awaiting_info"]
    again = clerk.post(url + "request-info/", {"question": "?"}, content_type="application/json")
    assert again.status_code == 409
    # the resident may not act as a clerk
    assert (
        resident.post(
            url + "assign/", {"assignee": "me"}, content_type="application/json"
        ).status_code
        == 403
    )
    body = resident.post(
        url + "answer/", {"answer": "Anbei"}, content_type="application/json"
    ).json()
    assert body["status"] == "in_progress"
    body = clerk.post(url + "complete-step/", {}, content_type="application/json").json()
    assert body["status"] == "completed"
    with in_commune(kriens):
        case.refresh_from_db()
        assert case.status == CaseStatus.COMPLETED


def test_reject_and_withdraw_through_the_api(kriens, in_commune, token_client, kriens_setup):
    """Rejecting needs a reason (400 without); a decided case cannot be withdrawn (409)."""
    with in_commune(kriens):
        case = case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "a"}
        )
    clerk = token_client(kriens, kriens_setup["clerk"])
    resident = token_client(kriens, kriens_setup["resident"])
    url = f"/api/cases/{case.pk}/"
    missing = clerk.post(url + "decide/", {"approve": False}, content_type="application/json")
    assert missing.status_code == 400 and "reason" in missing.json()
    body = clerk.post(
        url + "decide/",
        {"approve": False, "reason": "Unvollständig"},
        content_type="application/json",
    ).json()
    assert body["status"] == "rejected" and body["decision_reason"] == "Unvollständig"
    assert resident.post(url + "withdraw/", {}, content_type="application/json").status_code == 409


def test_openapi_schema_lists_case_endpoints(kriens, commune_client):
    """The commune's OpenAPI schema documents the case endpoints."""
    response = commune_client(kriens).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/cases/", "/api/cases/{id}/", "/api/cases/{id}/decide/"):
        assert path in text


def test_list_filters_by_status(kriens, in_commune, token_client, kriens_setup):
    """``?status=`` narrows the list."""
    with in_commune(kriens):
        case = case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "a"}
        )
    client = token_client(kriens, kriens_setup["resident"])
    assert [c["id"] for c in client.get("/api/cases/?status=submitted").json()] == [str(case.pk)]
    assert client.get("/api/cases/?status=completed").json() == []


def test_create_case_with_upload_as_multipart(kriens, in_commune, token_client, kriens_setup):
    """Multipart: ``data`` as JSON text and the file under its field key → a document."""
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    client = token_client(kriens, kriens_setup["resident"])
    response = client.post(
        "/api/cases/",
        {
            "service": "parkkarte-test",
            "data": json.dumps({"reason": "mit Beilage"}),
            "attachment": SimpleUploadedFile("beleg.pdf", b"%PDF-1.4\n%%EOF\n"),
        },
    )
    assert response.status_code == 201, response.content
    with in_commune(kriens):
        case = Case.objects.get(pk=response.json()["id"])
        assert case.documents.get().content_type == "application/pdf"
    bad = client.post("/api/cases/", {"service": "parkkarte-test", "data": "{kaputt"})
    assert bad.status_code == 400 and "data" in bad.json()


def test_clerk_of_another_group_cannot_act_through_the_api(
    kriens, in_commune, token_client, kriens_setup
):
    """Every clerk action of a clerk of another group is 404 and writes nothing."""
    with in_commune(kriens):
        case = case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "a"}
        )
    stranger = token_client(kriens, kriens_setup["stranger_clerk"])
    url = f"/api/cases/{case.pk}/"
    for action, body in [
        ("assign/", {"assignee": "me"}),
        ("complete-step/", {}),
        ("request-info/", {"question": "?"}),
        ("decide/", {"approve": False, "reason": "nein"}),
        ("note/", {"text": "x"}),
        ("messages/", {"body": "x"}),
    ]:
        response = stranger.post(url + action, body, content_type="application/json")
        assert response.status_code == 404, action
    with in_commune(kriens):
        case.refresh_from_db()
        assert case.status == CaseStatus.SUBMITTED and case.assignee is None
        assert list(case.events.values_list("kind", flat=True)) == ["submitted"]


def test_decision_mail_has_no_personal_content(
    kriens,
    in_commune,
    token_client,
    kriens_setup,
    django_capture_on_commit_callbacks,
    notification_jobs,
):
    """The mail about a rejection names neither the reason nor the person."""
    from django.core import mail

    with in_commune(kriens):
        case = case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "a"}
        )
    clerk = token_client(kriens, kriens_setup["clerk"])
    notification_jobs()  # the order's confirmation
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        clerk.post(
            f"/api/cases/{case.pk}/decide/",
            {"approve": False, "reason": "Schulden beim Betreibungsamt"},
            content_type="application/json",
        )
    assert mail.outbox == []  # the request only enqueued it
    assert notification_jobs() == 1
    assert len(mail.outbox) == 1
    text = mail.outbox[0].subject + mail.outbox[0].body
    assert case.reference in text
    for personal in ("Schulden", "Anna", "Muster", "abgelehnt", "Claudia"):
        assert personal not in text
