"""Swiss QR-bill invoices (billing.qr_invoice)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from stdnum import iso11649
from stdnum.ch import esr

from integrations.adapters.qr_invoice.adapters import (
    InvoiceRequest,
    Party,
    qrr_reference,
    scor_reference,
)
from integrations.base import PermanentError
from integrations.registry import get

KRIENS = Party("Gemeinde Kriens", "Schachenstrasse", "13", "6010", "Kriens")
DEBTOR = Party("Anna Muster", "Seestrasse", "46", "6010", "Kriens")


def invoice(**changes) -> InvoiceRequest:
    fields = {
        "creditor": KRIENS,
        "bfs_number": 1059,
        "amount": Decimal("30.00"),
        "case_reference": "2026-000123",
        "purpose": "Wohnsitzbestätigung",
        "debtor": DEBTOR,
    }
    return InvoiceRequest(**{**fields, **changes})


def test_payload_follows_the_spec_fields():
    """With the default QR-IBAN: QRR reference, amount with 2 places, creditor and debtor in
    their fixed positions of the SPC 0200 payload."""
    bill = get("billing.qr_invoice").call(invoice(), idempotency_key="i1")
    lines = bill.payload.split("\r\n")
    assert lines[:3] == ["SPC", "0200", "1"]
    assert lines[3] == "CH4431999123000889012"
    assert lines[4:11] == ["S", "Gemeinde Kriens", "Schachenstrasse", "13", "6010", "Kriens", "CH"]
    assert lines[18:20] == ["30.00", "CHF"]
    assert lines[20:27] == ["S", "Anna Muster", "Seestrasse", "46", "6010", "Kriens", "CH"]
    assert lines[27:29] == ["QRR", bill.reference]
    assert lines[29] == "Wohnsitzbestätigung"
    assert lines[30] == "EPD"
    assert bill.reference_type == "QRR" and esr.is_valid(bill.reference)
    assert bill.reference == qrr_reference(1059, "2026-000123")
    assert bill.reference_formatted == "10 59000 00000 00002 02600 01236"
    assert bill.amount == Decimal("30.00")
    assert bill.svg.startswith(b"<?xml") and b"<svg" in bill.svg


def test_qrr_reference_layout():
    """BFS number, the case digits zero-padded to 22, then the check digit."""
    ref = qrr_reference(1059, "2026-000123")
    assert ref[:26] == "1059" + "2026000123".zfill(22)
    assert esr.is_valid(ref)
    letters = qrr_reference(1059, "WSB-2026-000123")
    assert (
        esr.is_valid(letters)
        and letters != ref
        and letters == qrr_reference(1059, "WSB-2026-000123")
    )


def test_spec_example_reference_is_reproduced():
    """The SIX example reference's check digit (210000000003139471430009017) is reproduced."""
    assert esr.calc_check_digit("21000000000313947143000901") == "7"


def test_ordinary_iban_gets_a_creditor_reference():
    """With a normal IBAN the reference is an ISO 11649 SCOR reference."""
    bill = get("billing.qr_invoice").call(
        invoice(iban="CH53 8000 5000 0102 83664", case_reference="WSB-2026-000123"),
        idempotency_key="i2",
    )
    assert bill.reference_type == "SCOR"
    assert iso11649.is_valid(bill.reference)
    assert bill.payload.split("\r\n")[27:29] == ["SCOR", bill.reference]
    assert scor_reference("539007547034") == "RF18539007547034"  # the qrbill test-suite example


def test_same_request_same_bill():
    adapter = get("billing.qr_invoice")
    assert adapter.call(invoice(), idempotency_key="a") == adapter.call(
        invoice(), idempotency_key="b"
    )


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), Decimal("1000000000")])
def test_invalid_amounts_are_permanent(amount):
    with pytest.raises(PermanentError) as exc:
        get("billing.qr_invoice").call(invoice(amount=amount), idempotency_key="x")
    assert exc.value.code == "invalid_amount"


@pytest.mark.parametrize("account", ["CH5380005000010288664", "CHXXABCDE", "DE00"])
def test_invalid_iban_is_permanent(account):
    with pytest.raises(PermanentError) as exc:
        get("billing.qr_invoice").call(invoice(iban=account), idempotency_key="x")
    assert exc.value.code in ("invalid_invoice", "invalid_reference")


def test_configuration_check_refuses_a_bad_iban():
    from integrations.adapters.qr_invoice.adapters import QrInvoiceAdapter

    assert QrInvoiceAdapter.check_configuration({"qr_iban": "CH4431999123000889012"}) == []
    assert "keine gültige IBAN" in QrInvoiceAdapter.check_configuration({"qr_iban": "CH00"})[0]
