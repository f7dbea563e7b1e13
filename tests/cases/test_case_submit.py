import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.models import Case, CaseEvent, CaseStatus, CaseStep, Document, StepStatus
from cases.services import OrderInvalid, ServiceNotOrderable, case_submit, reference_next
from catalog.offers.models import Stage

from .factories import offer, service_with_steps

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_submit_creates_case_with_reference_steps_and_event(kriens, in_commune, kriens_setup):
    """Submitting creates the case with a KRI reference, one step per definition, fee, due
    date, and a visible 'submitted' event."""
    with in_commune(kriens):
        case = case_submit(
            user=kriens_setup["resident"],
            service_key="parkkarte-test",
            data={"reason": "Anwohnerparkkarte", "copies": "2"},
        )
        year = timezone.localdate().year
        assert case.reference == f"KRI-{year}-000001"
        assert case.status == CaseStatus.SUBMITTED
        assert case.data == {"reason": "Anwohnerparkkarte", "copies": 2}
        assert case.fee == Decimal("30.00")
        assert case.stage == Stage.FORM
        assert case.due_date > timezone.localdate()
        steps = list(case.steps.all())
        assert [(s.key, s.status, s.group_name) for s in steps] == [
            ("pruefen", StepStatus.PENDING, "Einwohnerdienste")
        ]
        assert steps[0].idempotency_key == f"{case.pk}:1"
        kinds = list(case.events.values_list("kind", flat=True))
        assert kinds == ["submitted"]
        assert case.events.get().visible_to_resident


def test_invalid_data_changes_nothing(kriens, in_commune, kriens_setup):
    """Missing required data raises OrderInvalid with per-field German messages; no case,
    no reference number, no event is written."""
    with in_commune(kriens):
        with pytest.raises(OrderInvalid) as caught:
            case_submit(
                user=kriens_setup["resident"],
                service_key="parkkarte-test",
                data={"copies": "9"},
            )
        errors = caught.value.field_errors
        assert "reason" in errors and "copies" in errors
        assert Case.objects.count() == 0
        assert CaseEvent.objects.count() == 0
        # the failed attempt did not use up a number
        case = case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "x"}
        )
        assert case.reference.endswith("-000001")


def test_link_stage_is_not_orderable(kriens, in_commune, kriens_setup):
    """A service offered only as a link to the old Online-Schalter cannot be ordered: a clear
    error naming the link, and no case."""
    version = service_with_steps(key="hund-test")
    with in_commune(kriens):
        offer(version, stage=Stage.LINK, link_url="https://schalter.kriens.ch/hund")
        with pytest.raises(ServiceNotOrderable) as caught:
            case_submit(
                user=kriens_setup["resident"], service_key="hund-test", data={"reason": "x"}
            )
        assert caught.value.link_url == "https://schalter.kriens.ch/hund"
        assert "Online-Schalter" in caught.value.message
        assert Case.objects.count() == 0


def test_service_not_offered_is_not_orderable(kriens, in_commune, kriens_setup):
    """A catalogue service the commune does not offer cannot be ordered there."""
    service_with_steps(key="nicht-angeboten")
    with in_commune(kriens):
        with pytest.raises(ServiceNotOrderable):
            case_submit(
                user=kriens_setup["resident"], service_key="nicht-angeboten", data={"reason": "x"}
            )
        assert Case.objects.count() == 0


def test_fee_override_of_the_commune_wins(kriens, in_commune, kriens_setup):
    """The commune's fee override is the case's fee."""
    version = service_with_steps(key="mit-gebuehr", fee="30.00")
    with in_commune(kriens):
        offer(version, fee_override=Decimal("45.50"))
        case = case_submit(
            user=kriens_setup["resident"], service_key="mit-gebuehr", data={"reason": "x"}
        )
        assert case.fee == Decimal("45.50")


def test_reference_sequence_per_year_without_gaps(kriens, emmen, in_commune, kriens_setup):
    """References count up per commune and year; another commune and another year start at 1."""
    with in_commune(kriens):
        refs = [
            case_submit(
                user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "x"}
            ).reference
            for _ in range(3)
        ]
        assert [r[-6:] for r in refs] == ["000001", "000002", "000003"]
        assert reference_next(year=2031) == "KRI-2031-000001"
    with in_commune(emmen):
        assert reference_next(year=2031) == "EMM-2031-000001"


def test_upload_becomes_a_document(kriens, in_commune, kriens_setup):
    """An uploaded file is stored as a document of the case, with its detected type."""
    with in_commune(kriens):
        upload = SimpleUploadedFile("beleg.pdf", PDF, content_type="application/pdf")
        case = case_submit(
            user=kriens_setup["resident"],
            service_key="parkkarte-test",
            data={"reason": "x"},
            files={"attachment": upload},
        )
        document = Document.objects.get(case=case)
        assert document.content_type == "application/pdf"
        assert document.field_key == "attachment"
        assert case.data["attachment"]["document"] == str(document.pk)
        with document.file.open("rb") as fh:
            assert fh.read() == PDF


def test_fake_pdf_is_refused(kriens, in_commune, kriens_setup):
    """A file that only claims to be a PDF is refused and nothing is stored."""
    with in_commune(kriens):
        upload = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00" * 20, content_type="application/pdf")
        with pytest.raises(OrderInvalid) as caught:
            case_submit(
                user=kriens_setup["resident"],
                service_key="parkkarte-test",
                data={"reason": "x"},
                files={"attachment": upload},
            )
        assert "attachment" in caught.value.field_errors
        assert Document.objects.count() == 0 and Case.objects.count() == 0


def test_submission_grants_the_step_groups(kriens, in_commune, kriens_setup):
    """The groups responsible for the steps (created if missing) get view and change rights."""
    version = service_with_steps(
        key="baugesuch-test",
        steps=[
            {"key": "vorpruefung", "kind": "manual", "group": "Bauamt"},
            {"key": "rechnung", "kind": "manual", "group": "Finanzen"},
        ],
    )
    with in_commune(kriens):
        offer(version)
        case = case_submit(
            user=kriens_setup["resident"], service_key="baugesuch-test", data={"reason": "x"}
        )
        assert kriens_setup["stranger_clerk"].has_perm("cases.view_case", case)  # Bauamt
        assert not kriens_setup["clerk"].has_perm("cases.view_case", case)  # Einwohnerdienste
        from django.contrib.auth.models import Group

        assert Group.objects.filter(name="Finanzen").exists()


def test_submission_mail_has_no_personal_content(
    kriens, in_commune, kriens_setup, django_capture_on_commit_callbacks, notification_jobs
):
    """The confirmation mail names the reference and a link only: no name, no data."""
    with in_commune(kriens), django_capture_on_commit_callbacks(execute=True):
        case = case_submit(
            user=kriens_setup["resident"],
            service_key="parkkarte-test",
            data={"reason": "Geheimer Zweck"},
        )
    assert notification_jobs() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [kriens_setup["resident"].email]
    text = message.subject + message.body
    assert case.reference in text
    assert f"/meine-geschaefte/{case.pk}/" in message.body
    for personal in ("Anna", "Muster", "Geheimer Zweck", "Parkkarte", "parkkarte"):
        assert personal not in text


def test_due_date_counts_working_days(kriens, in_commune, kriens_setup):
    """The due date is the service norm in working days (Mon–Fri, Luzern holidays excluded)."""
    from cases.calendar import add_working_days, easter_sunday

    assert add_working_days(dt.date(2026, 11, 27), 1) == dt.date(2026, 11, 30)  # Fri → Mon
    assert add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 28)  # Christmas
    assert easter_sunday(2026) == dt.date(2026, 4, 5)
    assert add_working_days(dt.date(2026, 4, 2), 1) == dt.date(2026, 4, 7)  # Karfreitag+Ostern
    with in_commune(kriens):
        case = case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "x"}
        )
        assert case.due_date == add_working_days(timezone.localdate(case.submitted_at), 5)
        assert CaseStep.objects.filter(case=case).count() == 1
