import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Case, CaseStatus, Message
from cases.services import case_decide, case_request_info, case_submit
from catalog.offers.models import Stage

from .factories import offer, service_with_steps

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def resident_client(kriens, logged_in, kriens_setup):
    return logged_in(kriens, kriens_setup["resident"])


def test_order_page_needs_login(kriens, commune_client, kriens_setup):
    """Anonymous visitors are sent to the login page."""
    response = commune_client(kriens).get("/dienstleistungen/parkkarte-test/bestellen/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_order_form_is_generated_and_submits(kriens, in_commune, resident_client, kriens_setup):
    """The order page shows the generated form; a valid POST creates the case and leads to the
    confirmation page with the reference."""
    page = resident_client.get("/dienstleistungen/parkkarte-test/bestellen/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="reason"' in html and "Verwendungszweck" in html and "CHF 30.00" in html
    response = resident_client.post(
        "/dienstleistungen/parkkarte-test/bestellen/",
        {"reason": "Anwohner", "copies": "1"},
    )
    assert response.status_code == 302
    with in_commune(kriens):
        case = Case.objects.get()
    assert response["Location"] == f"/meine-geschaefte/{case.pk}/bestaetigung/"
    confirmation = resident_client.get(response["Location"])
    assert case.reference in confirmation.content.decode()


def test_invalid_order_shows_errors_and_changes_nothing(kriens, in_commune, resident_client):
    """Bad input re-renders the form with the error summary and field messages; no case."""
    response = resident_client.post(
        "/dienstleistungen/parkkarte-test/bestellen/", {"reason": "", "copies": "99"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in html
    assert 'href="#id_reason"' in html and 'href="#id_copies"' in html
    with in_commune(kriens):
        assert Case.objects.count() == 0


def test_link_stage_page_points_to_old_counter(kriens, in_commune, resident_client):
    """A service at stage link shows the link to the old Online-Schalter instead of a form."""
    version = service_with_steps(key="link-test")
    with in_commune(kriens):
        offer(version, stage=Stage.LINK, link_url="https://alt.kriens.ch/x")
    response = resident_client.get("/dienstleistungen/link-test/bestellen/")
    assert response.status_code == 200
    assert "https://alt.kriens.ch/x" in response.content.decode()
    assert 'name="reason"' not in response.content.decode()


def test_my_cases_lists_only_own_cases(kriens, in_commune, logged_in, kriens_setup):
    """ "Meine Geschäfte" lists the resident's cases only; another resident's detail is 404."""
    with in_commune(kriens):
        mine = case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "a"}
        )
        theirs = case_submit(
            user=kriens_setup["other_resident"], service_key="parkkarte-test", data={"reason": "b"}
        )
    client = logged_in(kriens, kriens_setup["resident"])
    html = client.get("/meine-geschaefte/").content.decode()
    assert mine.reference in html and theirs.reference not in html
    assert client.get(f"/meine-geschaefte/{theirs.pk}/").status_code == 404
    assert client.post(f"/meine-geschaefte/{theirs.pk}/zurueckziehen/").status_code == 404
    assert (
        client.post(f"/meine-geschaefte/{theirs.pk}/nachricht/", {"body": "x"}).status_code == 404
    )
    with in_commune(kriens):
        theirs.refresh_from_db()
        assert theirs.status == CaseStatus.SUBMITTED
        assert not Message.objects.filter(case=theirs).exists()


def test_detail_shows_status_timeline_without_internal_notes(
    kriens, in_commune, resident_client, kriens_setup
):
    """The detail shows status, due date and visible events, never internal notes."""
    from cases.services import case_note_add

    with in_commune(kriens):
        case = case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "a"}
        )
        case_note_add(case=case, user=kriens_setup["clerk"], text="Vertraulicher Vermerk")
    html = resident_client.get(f"/meine-geschaefte/{case.pk}/").content.decode()
    assert "eingereicht" in html and case.due_date.strftime("%d.%m.%Y") in html
    assert "Vertraulicher Vermerk" not in html


def test_resident_answers_info_request_on_the_page(
    kriens, in_commune, resident_client, kriens_setup
):
    """An open request shows a form; answering resumes the case."""
    with in_commune(kriens):
        case = case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "a"}
        )
        case_request_info(case=case, user=kriens_setup["clerk"], question="Welches Kennzeichen?")
    html = resident_client.get(f"/meine-geschaefte/{case.pk}/").content.decode()
    assert "Welches Kennzeichen?" in html and 'name="answer"' in html
    response = resident_client.post(
        f"/meine-geschaefte/{case.pk}/antwort/",
        {"answer": "LU 1234", "files": SimpleUploadedFile("a.pdf", PDF)},
    )
    assert response.status_code == 302
    with in_commune(kriens):
        case.refresh_from_db()
        assert not case.awaiting_info and case.status != CaseStatus.WAITING_FOR_RESIDENT
        assert case.documents.count() == 1


def test_withdraw_asks_for_confirmation(kriens, in_commune, resident_client, kriens_setup):
    """GET shows a confirmation page; POST withdraws."""
    with in_commune(kriens):
        case = case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "a"}
        )
    page = resident_client.get(f"/meine-geschaefte/{case.pk}/zurueckziehen/")
    assert "zurückziehen?" in page.content.decode()
    with in_commune(kriens):
        case.refresh_from_db()
        assert case.status == CaseStatus.SUBMITTED
    resident_client.post(f"/meine-geschaefte/{case.pk}/zurueckziehen/", {"reason": ""})
    with in_commune(kriens):
        case.refresh_from_db()
        assert case.status == CaseStatus.WITHDRAWN


def test_documents_download_only_own(kriens, in_commune, logged_in, kriens_setup):
    """The decision document downloads for its resident; another resident gets 404."""
    with in_commune(kriens):
        case = case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "a"}
        )
        case_decide(
            case=case,
            user=kriens_setup["clerk"],
            approve=True,
            document=SimpleUploadedFile("karte.pdf", PDF),
        )
        document = case.documents.get()
    owner = logged_in(kriens, kriens_setup["resident"])
    response = owner.get(f"/dokumente/{document.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    other = logged_in(kriens, kriens_setup["other_resident"])
    assert other.get(f"/dokumente/{document.pk}/").status_code == 404
    stranger = logged_in(kriens, kriens_setup["stranger_clerk"])
    assert stranger.get(f"/dokumente/{document.pk}/").status_code == 404


def test_cases_of_another_commune_are_404(kriens, emmen, in_commune, logged_in, kriens_setup):
    """A Kriens case id on Emmen's host is 404, even for a logged-in Emmen administrator."""
    from tests.factories import UserFactory

    with in_commune(kriens):
        case = case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "a"}
        )
    with in_commune(emmen):
        emmen_admin = UserFactory(admin=True)
    client = logged_in(emmen, emmen_admin)
    assert client.get(f"/backoffice/geschaefte/{case.pk}/").status_code == 404
    assert client.get(f"/meine-geschaefte/{case.pk}/").status_code == 404


def test_pages_switch_to_english(kriens, in_commune, resident_client, kriens_setup):
    """With English chosen, "Meine Geschäfte" and the order page speak English."""
    with in_commune(kriens):
        case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "a"}
        )
    resident_client.cookies["django_language"] = "en"
    listing = resident_client.get("/meine-geschaefte/").content.decode()
    assert "My cases" in listing and "submitted" in listing
    order_page = resident_client.get("/dienstleistungen/parkkarte-test/bestellen/").content.decode()
    assert "Place binding order" in order_page
