"""Drafts of order forms (cases.services.drafts): saved without validation, resumed prefilled,
submitted with validation (the draft goes with the new case), private to their owner and their
commune, dropped answers named after a version change, deleted by retention after 90 days."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.utils import timezone

from cases.models import Case, Document, Draft, DraftFile
from cases.services import (
    DraftRefused,
    OrderInvalid,
    draft_delete,
    draft_resume,
    draft_save,
    draft_submit,
)
from cases.services.my_data import account_close, personal_data_export
from cases.services.retention import retention_apply
from catalog.services import service_new_version, version_publish, version_update_draft
from tests.factories import UserFactory

from .factories import SMALL_FORM

pytestmark = pytest.mark.django_db
KEY = "parkkarte-test"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _post(**values) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in values.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return data


def _pdf(name: str = "beleg.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def test_save_keeps_invalid_values_and_upload_and_resume_shows_them(
    kriens, in_commune, kriens_setup
):
    """An empty required field and an out-of-range number are saved as typed; the PDF is kept;
    resuming shows exactly those inputs; nothing reaches the commune (no case)."""
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        saved = draft_save(
            user=resident,
            service_key=KEY,
            data=_post(reason="", copies="99x"),
            files={"attachment": _pdf()},
        )
        assert saved.refused_files == []
        draft = Draft.objects.get(owner=resident)
        assert draft.values == {"reason": [""], "copies": ["99x"]}
        kept = draft.files.get()
        assert (kept.field_key, kept.name, kept.content_type) == (
            "attachment",
            "beleg.pdf",
            "application/pdf",
        )
        resume = draft_resume(draft=draft, version=draft.version)
        assert resume.data.getlist("copies") == ["99x"]
        assert [f.name for f in resume.files] == ["beleg.pdf"]
        assert resume.dropped == []
        assert Case.objects.count() == 0


def test_values_are_encrypted_at_rest(kriens, in_commune, kriens_setup):
    """The draft's values (which may hold an AHV number) are not readable in the table."""
    with in_commune(kriens):
        draft_save(
            user=kriens_setup["resident"], service_key=KEY, data=_post(reason="756.9217.0769.85")
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT values::text FROM cases_draft")
            (raw,) = cursor.fetchone()
    assert "756.9217" not in raw and "fernet:" in raw


def test_second_save_replaces_the_first_and_a_bad_upload_is_named(kriens, in_commune, kriens_setup):
    """One draft per service: saving again overwrites the values; a fake PDF is not kept (the
    stored one stays) and is named with the reason."""
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        draft_save(
            user=resident, service_key=KEY, data=_post(reason="eins"), files={"attachment": _pdf()}
        )
        fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00" * 20, content_type="application/pdf")
        saved = draft_save(
            user=resident, service_key=KEY, data=_post(reason="zwei"), files={"attachment": fake}
        )
        assert len(saved.refused_files) == 1 and "Beilage" in saved.refused_files[0]
        draft = Draft.objects.get()
        assert draft.values["reason"] == ["zwei"]
        assert list(draft.files.values_list("name", flat=True)) == ["beleg.pdf"]


def test_oversized_value_is_refused_and_nothing_changes(kriens, in_commune, kriens_setup):
    """A value beyond the draft's size bound is refused with a German message; the earlier
    draft stays as it was."""
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        draft_save(user=resident, service_key=KEY, data=_post(reason="alt"))
        before = Draft.objects.get().updated_at
        with pytest.raises(DraftRefused) as exc:
            draft_save(user=resident, service_key=KEY, data=_post(reason="x" * 20_001))
        assert "zu lang" in exc.value.messages[0]
        draft = Draft.objects.get()
        assert draft.values == {"reason": ["alt"]} and draft.updated_at == before


def test_submit_from_draft_uses_kept_upload_and_removes_draft(
    kriens, in_commune, kriens_setup, django_capture_on_commit_callbacks
):
    """Submitting validates as usual; the kept upload becomes the case's document and the draft
    with its file is gone."""
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        draft_save(
            user=resident, service_key=KEY, data=_post(reason=""), files={"attachment": _pdf()}
        )
        stored = DraftFile.objects.get().file.name
        assert default_storage.exists(stored)
        with django_capture_on_commit_callbacks(execute=True):
            case = draft_submit(user=resident, service_key=KEY, data=_post(reason="Anwohner"))
        assert case.data["reason"] == "Anwohner"
        document = Document.objects.get(case=case, field_key="attachment")
        with document.file.open("rb") as handle:
            assert handle.read() == PDF
        assert not Draft.objects.exists() and not DraftFile.objects.exists()
        assert not default_storage.exists(stored)


def test_invalid_submit_keeps_draft_and_creates_nothing(kriens, in_commune, kriens_setup):
    """A submit that fails validation leaves the draft (and its upload) as saved."""
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        draft_save(
            user=resident, service_key=KEY, data=_post(reason="x"), files={"attachment": _pdf()}
        )
        with pytest.raises(OrderInvalid) as exc:
            draft_submit(user=resident, service_key=KEY, data=_post(reason=""))
        assert "reason" in exc.value.field_errors
        # The page must not ask to choose the kept file again.
        assert "attachment" not in exc.value.form.files
        assert Case.objects.count() == 0
        assert Draft.objects.get().values == {"reason": ["x"]}
        assert DraftFile.objects.count() == 1


def test_removed_upload_is_not_submitted(kriens, in_commune, kriens_setup):
    """Ticking "remove" for a kept file leaves it out of the order."""
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        draft_save(
            user=resident, service_key=KEY, data=_post(reason="x"), files={"attachment": _pdf()}
        )
        case = draft_submit(
            user=resident,
            service_key=KEY,
            data=_post(reason="x", _entwurf_datei_entfernen="attachment"),
        )
        assert not Document.objects.filter(case=case).exists()


def test_drafts_are_private_to_owner_and_commune(
    kriens, emmen, in_commune, kriens_setup, logged_in
):
    """Another resident gets 404 for the delete page and cannot touch the draft; the draft
    lives in Kriens' schema only, Emmen's list is empty."""
    resident, other = kriens_setup["resident"], kriens_setup["other_resident"]
    with in_commune(kriens):
        draft = draft_save(user=resident, service_key=KEY, data=_post(reason="privat")).draft
        # The other resident submitting the same service does not consume the draft.
        draft_submit(user=other, service_key=KEY, data=_post(reason="mein eigenes"))
        assert Draft.objects.filter(pk=draft.pk).exists()
    url = f"/meine-geschaefte/entwuerfe/{draft.pk}/loeschen/"
    client = logged_in(kriens, other)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    page = client.get("/meine-geschaefte/")
    assert "privat" not in page.content.decode() and str(draft.pk) not in page.content.decode()
    with in_commune(kriens):
        assert Draft.objects.filter(pk=draft.pk).exists()
    with in_commune(emmen):
        assert not Draft.objects.exists()
        emmen_user = UserFactory(oidc_subject=resident.oidc_subject or "sub-x")
    emmen_client = logged_in(emmen, emmen_user)
    assert emmen_client.get(url).status_code == 404


def test_owner_deletes_draft_with_its_file(
    kriens, in_commune, kriens_setup, logged_in, django_capture_on_commit_callbacks
):
    """The list offers resume and delete; GET asks, POST deletes the draft and its upload."""
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        draft = draft_save(
            user=resident, service_key=KEY, data=_post(reason="x"), files={"attachment": _pdf()}
        ).draft
        stored = draft.files.get().file.name
    client = logged_in(kriens, resident)
    listing = client.get("/meine-geschaefte/").content.decode()
    assert "Weiterbearbeiten" in listing and f"/dienstleistungen/{KEY}/bestellen/" in listing
    url = f"/meine-geschaefte/entwuerfe/{draft.pk}/loeschen/"
    assert "Ja, Entwurf löschen" in client.get(url).content.decode()
    with in_commune(kriens):
        assert Draft.objects.filter(pk=draft.pk).exists()
    with django_capture_on_commit_callbacks() as callbacks:
        assert client.post(url).status_code == 302
    with in_commune(kriens):
        assert not Draft.objects.exists() and not DraftFile.objects.exists()
        assert default_storage.exists(stored)
        for callback in callbacks:  # at commit, in the commune's storage
            callback()
        assert not default_storage.exists(stored)


def test_order_page_saves_and_resumes_without_javascript(
    kriens, in_commune, kriens_setup, logged_in
):
    """The plain form posts "Als Entwurf speichern": the page comes back prefilled with the
    typed (invalid) value and no error; "Verbindlich bestellen" then validates."""
    client = logged_in(kriens, kriens_setup["resident"])
    url = f"/dienstleistungen/{KEY}/bestellen/"
    response = client.post(url, {"reason": "Anwohner", "copies": "77", "_entwurf": "1"})
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert "Sie bearbeiten Ihren Entwurf" in page
    assert 'value="77"' in page and 'value="Anwohner"' in page
    assert "error-summary" not in page
    refused = client.post(url, {"reason": "Anwohner", "copies": "77"})
    assert "error-summary" in refused.content.decode()
    with in_commune(kriens):
        assert Draft.objects.count() == 1 and Case.objects.count() == 0
    done = client.post(url, {"reason": "Anwohner", "copies": "2"})
    assert done.status_code == 302 and "/bestaetigung/" in done["Location"]
    with in_commune(kriens):
        assert not Draft.objects.exists() and Case.objects.count() == 1


def test_new_version_keeps_existing_answers_and_names_dropped_ones(
    kriens, in_commune, kriens_setup, version
):
    """After the service gets a version without «Anzahl Exemplare» and the upload field, the
    draft opens on the new version: the reason stays, the others are named as dropped."""
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        draft = draft_save(
            user=resident,
            service_key=KEY,
            data=_post(reason="bleibt", copies="3"),
            files={"attachment": _pdf()},
        ).draft
    new = service_new_version(service=version.service)
    version_update_draft(version=new, form_definition={"fields": SMALL_FORM["fields"][:1]})
    new = version_publish(version=new)
    with in_commune(kriens):
        draft.refresh_from_db()
        resume = draft_resume(draft=draft, version=new)
        assert resume.data.getlist("reason") == ["bleibt"]
        assert "copies" not in resume.data
        assert resume.files == []
        assert resume.dropped == ["Anzahl Exemplare", "Beilage"]
        # Saving again moves the draft to the new version and drops the vanished upload.
        draft_save(user=resident, service_key=KEY, data=resume.data)
        draft.refresh_from_db()
        assert draft.version_id == new.pk and not draft.files.exists()


def test_retention_deletes_drafts_older_than_90_days(
    kriens, emmen, in_commune, kriens_setup, django_capture_on_commit_callbacks
):
    """apply_retention deletes a draft unchanged for 90 days (with its upload), keeps a newer
    one, counts without deleting on --dry-run, and leaves Emmen alone."""
    resident, other = kriens_setup["resident"], kriens_setup["other_resident"]
    with in_commune(kriens):
        old = draft_save(
            user=resident, service_key=KEY, data=_post(reason="alt"), files={"attachment": _pdf()}
        ).draft
        stored = old.files.get().file.name
        fresh = draft_save(user=other, service_key=KEY, data=_post(reason="neu")).draft
        Draft.objects.filter(pk=old.pk).update(
            updated_at=timezone.now() - dt.timedelta(days=90, minutes=1)
        )
        Draft.objects.filter(pk=fresh.pk).update(updated_at=timezone.now() - dt.timedelta(days=89))
        assert retention_apply(dry_run=True).drafts == 1
        assert Draft.objects.count() == 2
    out = StringIO()
    with in_commune(emmen):
        emmen_draft = Draft.objects.create(
            owner=UserFactory(), service=old.service, version=old.version, updated_at=old.created_at
        )
        Draft.objects.filter(pk=emmen_draft.pk).update(
            updated_at=timezone.now() - dt.timedelta(days=200)
        )
    call_command("apply_retention", "--commune", "kriens", "--dry-run", stdout=out)
    assert '"drafts": 1' in out.getvalue()
    with in_commune(kriens):
        assert Draft.objects.count() == 2
        with django_capture_on_commit_callbacks(execute=True):
            assert retention_apply().drafts == 1
        assert list(Draft.objects.values_list("pk", flat=True)) == [fresh.pk]
        assert not DraftFile.objects.exists()
        assert not default_storage.exists(stored)
    with in_commune(emmen):
        assert Draft.objects.filter(pk=emmen_draft.pk).exists()


def test_delete_service_function_removes_only_that_draft(kriens, in_commune, kriens_setup):
    """draft_delete removes the given draft and no other."""
    with in_commune(kriens):
        mine = draft_save(
            user=kriens_setup["resident"], service_key=KEY, data=_post(reason="a")
        ).draft
        theirs = draft_save(
            user=kriens_setup["other_resident"], service_key=KEY, data=_post(reason="b")
        ).draft
        draft_delete(draft=mine)
        assert list(Draft.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_export_holds_the_draft_and_closing_the_account_deletes_it(
    kriens, in_commune, kriens_setup
):
    """ "Meine Daten" lists the draft with its values; closing the account deletes the drafts
    (they never reached the administration) and keeps the other resident's."""
    resident, other = kriens_setup["resident"], kriens_setup["other_resident"]
    with in_commune(kriens):
        draft_save(user=resident, service_key=KEY, data=_post(reason="im Export"))
        theirs = draft_save(user=other, service_key=KEY, data=_post(reason="b")).draft
        export = personal_data_export(user=resident)
        (account,) = export["communes"]
        assert [d["values"] for d in account["drafts"]] == [{"reason": ["im Export"]}]
        account_close(user=resident)
        assert list(Draft.objects.values_list("pk", flat=True)) == [theirs.pk]
