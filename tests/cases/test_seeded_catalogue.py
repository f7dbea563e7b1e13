import pytest

from cases.models import CaseStatus, StepStatus
from cases.services import case_submit, step_run
from catalog.offers.models import ServiceOffer, Stage
from catalog.seed.loader import seed_catalog
from catalog.services import offers_seed_defaults
from integrations.reference import demo_person
from tests.factories import UserFactory
from tests.identity import verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(kriens, in_commune):
    seed_catalog()
    with in_commune(kriens):
        offers_seed_defaults()
        resident = UserFactory()
        verified_login(resident, demo_person(kriens.bfs_number))
    return resident


def test_every_seeded_offer_has_a_working_order_page(kriens, in_commune, logged_in, seeded):
    """Each service Kriens offers at stage form or automated renders its generated order form;
    link-stage services show the link instead."""
    with in_commune(kriens):
        offers = list(ServiceOffer.objects.select_related("service"))
    assert len(offers) >= 30
    client = logged_in(kriens, seeded)
    for offer in offers:
        response = client.get(f"/dienstleistungen/{offer.service.key}/bestellen/")
        assert response.status_code == 200, offer.service.key
        if offer.stage in (Stage.FORM, Stage.AUTOMATED):
            assert "Verbindlich bestellen" in response.content.decode(), offer.service.key


def test_empty_order_of_a_seeded_service_lists_errors(kriens, in_commune, logged_in, seeded):
    """Posting an empty form for a seeded service shows the error summary and writes nothing."""
    client = logged_in(kriens, seeded)
    with in_commune(kriens):
        key = ServiceOffer.objects.filter(stage=Stage.FORM).values_list("service__key", flat=True)[
            0
        ]
    response = client.post(f"/dienstleistungen/{key}/bestellen/", {})
    html = response.content.decode()
    assert response.status_code == 200
    assert "error-summary" in html or "Verbindlich bestellen" in html
    with in_commune(kriens):
        from cases.models import Case

        assert Case.objects.count() == (0 if "error-summary" in html else 1)


def test_wohnsitzbestaetigung_without_identity_lands_with_a_clerk(kriens, in_commune, seeded):
    """A case ordered without a verified login (under a version from before the quality levels)
    never reaches the register and never stalls: the first automated step becomes a manual
    task in the clerks' inbox, with the reason, even when the profile holds typed-in values."""
    from catalog.models import ServiceVersion

    ServiceVersion.objects.filter(service__key="wohnsitzbestaetigung").update(min_auth_level="none")
    with in_commune(kriens):
        offer = ServiceOffer.objects.select_related("service").get(
            service__key="wohnsitzbestaetigung"
        )
        assert offer.stage == Stage.AUTOMATED
        typed = UserFactory()
        case = case_submit(user=typed, service_key="wohnsitzbestaetigung", data={"delivery": "pdf"})
        assert case.identity["verified"] is False and case.identity["claims"] == {}
        step = case.steps.order_by("position").first()
        assert step.kind == "automated" and step.status == StepStatus.PENDING
        step_run(step_id=step.pk)
        step.refresh_from_db()
        assert step.status == StepStatus.MANUAL_FALLBACK
        assert "verifizierte" in step.last_error and "nichts gesendet" in step.last_error
        assert step.attempts == 0  # the handler never ran
        case.refresh_from_db()
        assert case.status == CaseStatus.SUBMITTED  # a clerk's task now, nothing ran
        assert case.steps.count() == 3
