"""The case timeline in the reader's language (cases.event_texts)."""

from __future__ import annotations

import pytest

from cases.models import CaseEvent
from cases.services import case_decide, case_submit, step_complete

from .factories import offer, service_with_steps

pytestmark = pytest.mark.django_db


@pytest.fixture
def english_step(kriens, in_commune):
    version = service_with_steps(
        key="zeitachse",
        steps=[
            {
                "key": "pruefen",
                "name": "Angaben prüfen",
                "name_en": "Check details",
                "kind": "manual",
                "group": "Einwohnerdienste",
            },
            {
                "key": "freigeben",
                "name": "Freigeben",
                "kind": "manual",
                "group": "Einwohnerdienste",
            },
        ],
    )
    with in_commune(kriens):
        offer(version)
    return version


def test_events_keep_german_text_and_render_english(kriens, in_commune, kriens_setup, english_step):
    """Stored texts stay German (the record); English is rendered from code and params, with
    the step's English name, and German where a step has none."""
    with in_commune(kriens):
        case = case_submit(
            user=kriens_setup["resident"], service_key="zeitachse", data={"reason": "a"}
        )
        first, second = case.steps.order_by("position")
        step_complete(step_id=first.pk, user=kriens_setup["clerk"], comment="alles da")
        step_complete(step_id=second.pk, user=kriens_setup["clerk"])
        events = {e.text: e for e in CaseEvent.objects.filter(case=case)}
    submitted = events[f"Geschäft {case.reference} eingereicht"]
    assert submitted.text_in("en") == f"Case {case.reference} submitted"
    assert submitted.text_in("de") == submitted.text
    done = events["Schritt «Angaben prüfen» erledigt: alles da"]
    assert done.text_in("en") == "Step «Check details» done: alles da"
    untranslated_step = events["Schritt «Freigeben» erledigt"]
    assert untranslated_step.text_in("en") == "Step «Freigeben» done"
    status = events["Status: in Bearbeitung"]
    assert status.text_in("en") == "Status: in progress"


def test_event_without_code_shows_its_stored_text(kriens, in_commune, kriens_setup, english_step):
    """An entry written before codes existed reads the same in English as in German."""
    with in_commune(kriens):
        case = case_submit(
            user=kriens_setup["resident"], service_key="zeitachse", data={"reason": "a"}
        )
        old = CaseEvent.objects.create(case=case, kind="status", text="Status: alt", details={})
    assert old.text_in("en") == "Status: alt"


def test_case_page_timeline_in_english(kriens, in_commune, logged_in, kriens_setup, english_step):
    """The resident's case page and the API show the timeline in English once it is chosen."""
    with in_commune(kriens):
        case = case_submit(
            user=kriens_setup["resident"], service_key="zeitachse", data={"reason": "a"}
        )
        case_decide(case=case, user=kriens_setup["clerk"], approve=False, reason="unvollständig")
    client = logged_in(kriens, kriens_setup["resident"])
    german = client.get(f"/meine-geschaefte/{case.pk}/").content.decode()
    assert "Abgelehnt: unvollständig" in german
    client.cookies["django_language"] = "en"
    english = client.get(f"/meine-geschaefte/{case.pk}/").content.decode()
    assert f"Case {case.reference} submitted" in english
    assert "Rejected: unvollständig" in english and "Status: rejected" in english
    assert "eingereicht" not in english.split('class="timeline"')[1]
    api = client.get(f"/api/cases/{case.pk}/").json()
    assert f"Case {case.reference} submitted" in [e["text"] for e in api["events"]]
