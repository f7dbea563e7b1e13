import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.models import Case, CaseStatus
from cases.services import case_assign, case_submit

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _client(logged_in, kriens, user):
    return logged_in(kriens, user)


def _submit(people, n=1, **kwargs):
    return [
        case_submit(user=people["resident"], service_key="parkkarte-test", data={"reason": f"r{i}"})
        for i in range(n)
    ]


def test_backoffice_is_for_clerks_only(kriens, commune_client, logged_in, kriens_setup):
    """Residents get 403, anonymous visitors the login page."""
    assert commune_client(kriens).get("/backoffice/").status_code == 302
    client = _client(logged_in, kriens, kriens_setup["resident"])
    assert client.get("/backoffice/").status_code == 403


def test_inbox_shows_only_the_groups_cases(
    kriens, in_commune, commune_client, logged_in, kriens_setup
):
    """A clerk's inbox lists their group's cases; another group's clerk sees none of them and
    gets 404 on the detail; the administrator sees all."""
    with in_commune(kriens):
        (case,) = _submit(kriens_setup)
    clerk = _client(logged_in, kriens, kriens_setup["clerk"])
    assert case.reference in clerk.get("/backoffice/").content.decode()
    assert clerk.get(f"/backoffice/geschaefte/{case.pk}/").status_code == 200
    stranger = _client(logged_in, kriens, kriens_setup["stranger_clerk"])
    assert case.reference not in stranger.get("/backoffice/").content.decode()
    assert stranger.get(f"/backoffice/geschaefte/{case.pk}/").status_code == 404
    response = stranger.post(f"/backoffice/geschaefte/{case.pk}/notiz/", {"text": "x"})
    assert response.status_code == 404
    admin = _client(logged_in, kriens, kriens_setup["admin"])
    assert case.reference in admin.get("/backoffice/").content.decode()
    with in_commune(kriens):
        assert not case.events.filter(kind="note").exists()


def test_granting_a_clerk_of_another_group(
    kriens, in_commune, commune_client, logged_in, kriens_setup
):
    """Once granted the case explicitly, a clerk of another group sees it."""
    from guardian.shortcuts import assign_perm

    with in_commune(kriens):
        (case,) = _submit(kriens_setup)
        assign_perm("cases.view_case", kriens_setup["stranger_clerk"], case)
    stranger = _client(logged_in, kriens, kriens_setup["stranger_clerk"])
    assert stranger.get(f"/backoffice/geschaefte/{case.pk}/").status_code == 200


def test_inbox_filters_and_counts(kriens, in_commune, commune_client, logged_in, kriens_setup):
    """Counts per status; filters by status, 'mir zugewiesen' and overdue; pagination."""
    with in_commune(kriens):
        cases = _submit(kriens_setup, n=3)
        case_assign(case=cases[0], user=kriens_setup["clerk"], assignee=kriens_setup["clerk"])
        Case.objects.filter(pk=cases[1].pk).update(
            due_date=timezone.localdate() - dt.timedelta(days=1)
        )
    client = _client(logged_in, kriens, kriens_setup["clerk"])
    response = client.get("/backoffice/")
    assert response.context["counts"]["submitted"] == 2
    assert response.context["counts"]["in_progress"] == 1
    assert response.context["counts"]["overdue"] == 1
    mine = client.get("/backoffice/?zugewiesen=me")
    assert [c.pk for c in mine.context["page"]] == [cases[0].pk]
    overdue = client.get("/backoffice/?ueberfaellig=1")
    assert [c.pk for c in overdue.context["page"]] == [cases[1].pk]
    submitted = client.get("/backoffice/?status=submitted")
    assert {c.pk for c in submitted.context["page"]} == {cases[1].pk, cases[2].pk}
    by_service = client.get("/backoffice/?dienst=gibt-es-nicht")
    assert by_service.context["page"].paginator.count == 0


def test_clerk_works_a_case_with_plain_posts(
    kriens, in_commune, commune_client, logged_in, kriens_setup
):
    """Assign to me, ask, note, then approve with a document: all as plain POST forms."""
    with in_commune(kriens):
        (case,) = _submit(kriens_setup)
    client = _client(logged_in, kriens, kriens_setup["clerk"])
    base = f"/backoffice/geschaefte/{case.pk}/"
    assert client.post(base + "zuweisen/", {"assignee": "me"}).status_code == 302
    client.post(base + "notiz/", {"text": "Intern geprüft"})
    client.post(base + "rueckfrage/", {"question": "Foto bitte"})
    with in_commune(kriens):
        case.refresh_from_db()
        assert case.assignee == kriens_setup["clerk"]
        assert case.status == CaseStatus.WAITING_FOR_RESIDENT
    detail = client.get(base).content.decode()
    assert "Intern geprüft" in detail and "Foto bitte" in detail
    # a decision without choice or document is refused with a message, nothing changes
    response = client.post(base + "entscheid/", {"decision": "approve"}, follow=True)
    assert "Dokument" in response.content.decode()
    client.post(
        base + "entscheid/",
        {"decision": "approve", "document": SimpleUploadedFile("karte.pdf", PDF)},
    )
    with in_commune(kriens):
        case.refresh_from_db()
        assert case.status == CaseStatus.COMPLETED


def test_clerk_completes_the_manual_step(
    kriens, in_commune, commune_client, logged_in, kriens_setup
):
    """Completing the only manual step completes the case."""
    with in_commune(kriens):
        (case,) = _submit(kriens_setup)
        step = case.steps.get()
    client = _client(logged_in, kriens, kriens_setup["colleague"])
    client.post(f"/backoffice/geschaefte/{case.pk}/schritte/{step.pk}/erledigt/", {"comment": ""})
    with in_commune(kriens):
        case.refresh_from_db()
        assert case.status == CaseStatus.COMPLETED
        assert case.steps.get().completed_by == kriens_setup["colleague"]


def test_commune_admin_lists_cases_read_only(kriens, in_commune, logged_in, kriens_setup):
    """The commune admin shows cases with steps and events, without add or delete."""
    with in_commune(kriens):
        (case,) = _submit(kriens_setup)
    admin = logged_in(kriens, kriens_setup["admin"])
    listing = admin.get("/admin/cases/case/")
    assert listing.status_code == 200 and case.reference in listing.content.decode()
    detail = admin.get(f"/admin/cases/case/{case.pk}/change/")
    assert detail.status_code == 200 and "pruefen" in detail.content.decode().lower()
    assert admin.get("/admin/cases/case/add/").status_code == 403


def test_forwarding_to_another_group(kriens, in_commune, logged_in, kriens_setup):
    """A clerk forwards the case to another group: its clerks then see it; an internal event
    records who did it; forwarding twice is refused."""
    from django.contrib.auth.models import Group

    with in_commune(kriens):
        (case,) = _submit(kriens_setup)
        bauamt = Group.objects.get(name="Bauamt")
    stranger = logged_in(kriens, kriens_setup["stranger_clerk"])
    assert stranger.get(f"/backoffice/geschaefte/{case.pk}/").status_code == 404
    clerk = logged_in(kriens, kriens_setup["clerk"])
    clerk.post(f"/backoffice/geschaefte/{case.pk}/weiterleiten/", {"group": bauamt.pk})
    assert stranger.get(f"/backoffice/geschaefte/{case.pk}/").status_code == 200
    with in_commune(kriens):
        event = case.events.get(kind="shared")
        assert event.actor == kriens_setup["clerk"] and not event.visible_to_resident
        from cases.services import case_share

        with pytest.raises(ValidationError):
            case_share(case=case, user=kriens_setup["clerk"], group=bauamt)


def test_clerk_adds_internal_and_visible_documents(kriens, in_commune, logged_in, kriens_setup):
    """An internal document stays hidden from the resident; a visible one is listed for them;
    a fake PDF is refused and nothing is stored."""
    with in_commune(kriens):
        (case,) = _submit(kriens_setup)
    clerk = logged_in(kriens, kriens_setup["clerk"])
    base = f"/backoffice/geschaefte/{case.pk}/dokumente/"
    clerk.post(base, {"document": SimpleUploadedFile("intern.pdf", PDF)})
    clerk.post(base, {"document": SimpleUploadedFile("info.pdf", PDF), "visible": "1"})
    refused = clerk.post(base, {"document": SimpleUploadedFile("x.pdf", b"MZ" * 50)}, follow=True)
    assert "PDF" in refused.content.decode()
    resident = logged_in(kriens, kriens_setup["resident"])
    page = resident.get(f"/meine-geschaefte/{case.pk}/").content.decode()
    assert "info.pdf" in page and "intern.pdf" not in page
    with in_commune(kriens):
        assert case.documents.count() == 2
        assert case.events.filter(kind="document_added").count() == 2
