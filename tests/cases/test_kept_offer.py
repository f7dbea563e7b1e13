"""An order takes the offer as this process last read it and reads it again inside its
transaction (``tenants.prepared.PreparedSelect.kept``, ``cases.services.submit``): a change in
between rolls the attempt back and the order starts over from a fresh read; a refusal always
rests on a fresh read."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.exceptions import ServiceNotOrderable
from cases.models import Case, Payment
from cases.services import case_submit
from catalog.offers.models import ServiceOffer, Stage

pytestmark = pytest.mark.django_db

SERVICE = "parkkarte-test"


def _order(resident):
    with CaptureQueriesContext(connection) as captured:
        case = case_submit(user=resident, service_key=SERVICE, data={"reason": "a"})
    batches = [
        q["sql"] for q in captured.captured_queries if 'INSERT INTO "cases_case"' in q["sql"]
    ]
    offer_reads = [q["sql"] for q in captured.captured_queries if "offers_serviceoffer" in q["sql"]]
    return case, len(batches), len(offer_reads)


def _number(case: Case) -> int:
    return int(case.reference.rsplit("-", 1)[1])


def test_a_second_order_reads_the_offer_only_inside_its_transaction(
    kriens, in_commune, kriens_setup
):
    """The first order reads the offer before its transaction; the second takes it as kept
    and reads it only in its one round trip (the batch's first statement)."""
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        _first, batches, reads = _order(resident)
        assert (batches, reads) == (1, 2)  # the read before, and again in the batch
        second, batches, reads = _order(resident)
        assert (batches, reads) == (1, 1)
        assert Case.objects.get(pk=second.pk).reference == second.reference


def test_an_offer_changed_since_it_was_kept_is_read_again_and_used(
    kriens, in_commune, kriens_setup
):
    """The commune changes the fee after an order: the next order's first attempt sees the
    change inside its transaction, is rolled back (its reference number too) and the order is
    made with the new fee; the numbers stay gapless."""
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        first, _batches, _reads = _order(resident)
        ServiceOffer.objects.filter(service__key=SERVICE).update(fee_override=Decimal("12.50"))
        second, batches, reads = _order(resident)
        assert batches == 2  # the first attempt, rolled back, and the order
        assert reads == 3  # in the first batch; then before the second and in it
        assert Payment.objects.get(case=second).amount == Decimal("12.50")
        assert _number(second) == _number(first) + 1
        assert Case.objects.count() == 2


def test_an_offer_withdrawn_since_it_was_kept_refuses_and_writes_nothing(
    kriens, in_commune, kriens_setup
):
    """Withdrawn after an order: the next is refused with the usual message, nothing written,
    no reference number used."""
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        first, _batches, _reads = _order(resident)
        ServiceOffer.objects.filter(service__key=SERVICE).update(active=False)
        with pytest.raises(ServiceNotOrderable) as refused:
            case_submit(user=resident, service_key=SERVICE, data={"reason": "a"})
        assert "nicht online angeboten" in refused.value.message
        assert list(Case.objects.values_list("pk", flat=True)) == [first.pk]
        ServiceOffer.objects.filter(service__key=SERVICE).update(active=True)
        third, _batches, _reads = _order(resident)
        assert _number(third) == _number(first) + 1


def test_a_refusal_from_a_kept_offer_is_checked_against_a_fresh_read(
    kriens, in_commune, kriens_setup
):
    """Kept at stage «link» (refused), then moved to «form»: the next order is not refused on
    the kept rows but made."""
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        ServiceOffer.objects.filter(service__key=SERVICE).update(
            stage=Stage.LINK, link_url="https://alt.example.ch/"
        )
        with pytest.raises(ServiceNotOrderable) as refused:
            case_submit(user=resident, service_key=SERVICE, data={"reason": "a"})
        assert refused.value.code == "link_only"
        ServiceOffer.objects.filter(service__key=SERVICE).update(stage=Stage.FORM)
        case, _batches, _reads = _order(resident)
        assert Case.objects.filter(pk=case.pk).exists()


def test_kept_offers_are_per_commune(kriens, emmen, in_commune, kriens_setup):
    """Kriens's kept offer is never used in Emmen, which does not offer the service."""
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        _order(resident)
    with in_commune(emmen), pytest.raises(ServiceNotOrderable):
        case_submit(user=resident, service_key=SERVICE, data={"reason": "a"})
    with in_commune(emmen):
        assert not Case.objects.exists()


def test_a_kept_offer_naming_a_version_that_no_longer_exists_is_read_again(
    kriens, in_commune, kriens_setup, version
):
    """The kept rows name a version id that does not exist (a database recreated under a
    running process, as benches do): the order reads the offer again and is made with the
    version published now, no error."""
    from cases.services.submit import _ORDERABLE_OFFER

    resident = kriens_setup["resident"]
    with in_commune(kriens):
        _order(resident)
        kept = _ORDERABLE_OFFER._local.kept
        [key] = kept
        column = _ORDERABLE_OFFER._compiled("default").compiler.annotation_col_map
        row = list(kept[key][0])
        row[column["published_version_id"]] = version.pk + 10_000  # no such version
        kept[key] = [tuple(row)]
        case, batches, _reads = _order(resident)
        assert batches == 1 and case.version_id == version.pk
