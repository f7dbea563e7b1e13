"""No server error from input (issue 16): ids, NUL characters, lone surrogates, deep JSON,
choices, numbers, oversized images and bodies get a clear 400/404/413 and change nothing."""

from __future__ import annotations

import json
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Case, CaseEvent, Document, Message
from cases.services import case_submit
from tests.identity import api_token

pytestmark = pytest.mark.django_db

ZERO_ID = "0" * 36  # 36 characters, not a UUID
DEEP = "[" * 1000 + "]" * 1000


def png(width: int, height: int) -> bytes:
    """A valid PNG header claiming ``width`` × ``height`` pixels, a few hundred bytes long."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def api(commune_client, in_commune):
    def make(commune, user):
        with in_commune(commune):
            token = api_token(user)
        return commune_client(commune, HTTP_AUTHORIZATION=f"Token {token}")

    return make


@pytest.fixture
def case(kriens, in_commune, kriens_setup):
    with in_commune(kriens):
        return case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "Test"}
        )


def _counts(kriens, in_commune) -> tuple[int, int, int, int]:
    with in_commune(kriens):
        return (
            Case.objects.count(),
            CaseEvent.objects.count(),
            Message.objects.count(),
            Document.objects.count(),
        )


@pytest.mark.parametrize(
    "path",
    [
        f"/api/cases/{ZERO_ID}/",
        f"/api/cases/{ZERO_ID}/assign/",
        f"/api/cases/{ZERO_ID}/withdraw/",
        f"/api/cases/{ZERO_ID}/messages/",
        "/api/cases/%C2%84/",
    ],
)
def test_an_id_that_is_no_uuid_is_a_json_404(kriens, in_commune, api, kriens_setup, case, path):
    """A 36-character id that is not a UUID: 404 in the API's JSON shape, nothing changes."""
    before = _counts(kriens, in_commune)
    client = api(kriens, kriens_setup["clerk"])
    response = client.post(path, {}, content_type="application/json")
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "Nicht gefunden.", "code": "not_found"}
    assert _counts(kriens, in_commune) == before


@pytest.mark.parametrize(
    ("path", "host_kind"),
    [
        ("/api/cases/?status=%00", "commune"),
        ("/api/cases/?service=a%00b", "commune"),
        ("/api/catalog/services/?topic=%00", "public"),
        ("/api/catalog/services/?q=%00", "public"),
    ],
)
def test_nul_in_an_api_query_is_a_400(kriens, api, public_client, kriens_setup, path, host_kind):
    client = api(kriens, kriens_setup["resident"]) if host_kind == "commune" else public_client
    response = client.get(path)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"
    assert "unzulässiges Zeichen" in response.json()["detail"]


@pytest.mark.parametrize("query", ["q=%00", "dienst=%00", "status=%00", "zugewiesen=%00"])
def test_nul_in_a_back_office_filter_is_a_german_400_page(kriens, logged_in, kriens_setup, query):
    response = logged_in(kriens, kriens_setup["clerk"]).get(f"/backoffice/?{query}")
    assert response.status_code == 400
    assert "Ungültige Anfrage" in response.content.decode()
    assert "unzulässiges Zeichen" in response.content.decode()


def test_nul_in_a_page_form_changes_nothing(kriens, in_commune, logged_in, kriens_setup, case):
    """A message with a NUL character from the resident's page: 400, no message stored."""
    before = _counts(kriens, in_commune)
    client = logged_in(kriens, kriens_setup["resident"])
    response = client.post(f"/meine-geschaefte/{case.pk}/nachricht/", {"body": "Hallo\x00Welt"})
    assert response.status_code == 400
    assert _counts(kriens, in_commune) == before


@pytest.mark.parametrize("text", ["\ud800", "a\x00b"])
def test_unencodable_text_in_an_order_is_a_400(kriens, in_commune, api, kriens_setup, text):
    """A lone surrogate or a NUL in a JSON order: 400 with a clear message, no case."""
    body = json.dumps({"service": "parkkarte-test", "data": {"reason": text}})
    response = api(kriens, kriens_setup["resident"]).post(
        "/api/cases/", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "parse_error"
    assert "unzulässiges Zeichen" in response.json()["detail"]
    assert _counts(kriens, in_commune) == (0, 0, 0, 0)


def test_unencodable_text_in_a_multipart_order_is_a_400(kriens, in_commune, api, kriens_setup):
    response = api(kriens, kriens_setup["resident"]).post(
        "/api/cases/", {"service": "parkkarte-test", "data": '{"reason": "\\ud800"}'}
    )
    assert response.status_code == 400
    assert "unzulässiges Zeichen" in response.json()["data"][0]
    assert _counts(kriens, in_commune) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("path", "anonymous"),
    [
        ("/api/cases/", False),
        ("/api/auth/token/", True),
        ("/api/me/profile/", False),
        ("messages", False),
    ],
)
def test_json_nested_1000_deep_is_a_400(
    kriens, in_commune, api, commune_client, kriens_setup, case, path, anonymous
):
    before = _counts(kriens, in_commune)
    client = commune_client(kriens) if anonymous else api(kriens, kriens_setup["resident"])
    if path == "messages":
        path = f"/api/cases/{case.pk}/messages/"
    method = client.put if path.endswith("profile/") else client.post
    response = method(path, DEEP, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "zu tief verschachtelt" in response.json()["detail"]
    assert _counts(kriens, in_commune) == before


@pytest.mark.parametrize(
    "query", ["status=AAA", "status=", "service=" + "x" * 101], ids=["unknown", "empty", "long"]
)
def test_case_list_filters_are_checked(kriens, api, kriens_setup, query):
    response = api(kriens, kriens_setup["resident"]).get(f"/api/cases/?{query}")
    assert response.status_code == 400
    field = query.split("=")[0]
    assert isinstance(response.json()[field][0], str)


def test_catalogue_level_must_not_be_empty(public_client):
    response = public_client.get("/api/catalog/services/?level=")
    assert response.status_code == 400
    assert response.json()["level"] == ["Dieser Parameter darf nicht leer sein."]


@pytest.mark.parametrize("group", ["abc", "²", "9" * 20, ""])
def test_share_with_a_bad_group_changes_nothing(
    kriens, in_commune, logged_in, kriens_setup, case, group
):
    """``group=abc`` (or a number PostgreSQL cannot hold): a message, no share, no event."""
    before = _counts(kriens, in_commune)
    client = logged_in(kriens, kriens_setup["clerk"])
    response = client.post(f"/backoffice/geschaefte/{case.pk}/weiterleiten/", {"group": group})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Bitte wählen Sie eine Gruppe." in page
    assert _counts(kriens, in_commune) == before


@pytest.mark.parametrize("assignee", ["abc", "²", "9" * 20])
def test_assign_to_a_bad_id_changes_nothing(
    kriens, in_commune, logged_in, api, kriens_setup, case, assignee
):
    with in_commune(kriens):
        case.refresh_from_db()
        assert case.assignee_id is None
    before = _counts(kriens, in_commune)
    page = logged_in(kriens, kriens_setup["clerk"])
    response = page.post(f"/backoffice/geschaefte/{case.pk}/zuweisen/", {"assignee": assignee})
    assert response.status_code == 302
    assert "Unbekannte Person." in page.get(response["Location"]).content.decode()
    answer = api(kriens, kriens_setup["clerk"]).post(
        f"/api/cases/{case.pk}/assign/", {"assignee": assignee}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json() == {"assignee": ["Unbekannte Person."]}
    assert _counts(kriens, in_commune) == before
    with in_commune(kriens):
        case.refresh_from_db()
        assert case.assignee_id is None


def test_a_decompression_bomb_is_refused(kriens, in_commune, logged_in, kriens_setup, case):
    """A 40000×40000 PNG of a few hundred bytes: refused with a message, nothing stored."""
    bomb = png(40000, 40000)
    assert len(bomb) < 2048
    before = _counts(kriens, in_commune)
    client = logged_in(kriens, kriens_setup["clerk"])
    response = client.post(
        f"/backoffice/geschaefte/{case.pk}/dokumente/",
        {"document": SimpleUploadedFile("plan.png", bomb, content_type="image/png")},
    )
    assert response.status_code == 302
    assert "zu viele Pixel" in client.get(response["Location"]).content.decode()
    assert _counts(kriens, in_commune) == before


def test_a_normal_image_is_still_accepted(kriens, in_commune, logged_in, kriens_setup, case):
    client = logged_in(kriens, kriens_setup["clerk"])
    client.post(
        f"/backoffice/geschaefte/{case.pk}/dokumente/",
        {"document": SimpleUploadedFile("foto.png", png(2000, 1500), content_type="image/png")},
    )
    with in_commune(kriens):
        assert Document.objects.filter(case=case, content_type="image/png").count() == 1


@pytest.mark.parametrize("path", ["/api/cases/", "/dienstleistungen/parkkarte-test/bestellen/"])
def test_a_body_over_the_limit_is_refused_unread(kriens, in_commune, api, kriens_setup, path):
    """Content-Length of 60 MB: 413 before the body is read (the test client's payload would
    fail loudly if more than its 10 bytes were read), nothing stored."""
    client = api(kriens, kriens_setup["resident"])
    response = client.generic(
        "POST",
        path,
        b"0123456789",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(60 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "zu gross" in response.content.decode()
    assert _counts(kriens, in_commune) == (0, 0, 0, 0)


def test_transitions_answer_in_the_common_error_shape(kriens, in_commune, api, kriens_setup, case):
    """A transition the state does not allow: 409 with ``detail`` and ``code``."""
    client = api(kriens, kriens_setup["resident"])
    assert client.post(f"/api/cases/{case.pk}/withdraw/", {"reason": "x"}).status_code == 200
    again = client.post(f"/api/cases/{case.pk}/withdraw/", {"reason": "x"})
    assert again.status_code == 409
    assert set(again.json()) == {"detail", "code"}
    assert again.json()["detail"] and again.json()["code"]


def test_unknown_api_paths_answer_json_and_pages_german(kriens, commune_client):
    client = commune_client(kriens)
    api_answer = client.get("/api/gibt-es-nicht/")
    assert api_answer.status_code == 404 and api_answer.json()["code"] == "not_found"
    page = client.get("/gibt-es-nicht/")
    assert page.status_code == 404 and "Seite nicht gefunden" in page.content.decode()
