"""QR-bill reconciliation: camt.054 files built in the standard's structure, booked through
``import_camt054``, the clerks' upload page and the services."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from cases.models import BankCredit, CaseEvent, Payment
from cases.services import case_submit, payment_invoice_record
from integrations.adapters.qr_invoice.adapters import qrr_reference
from integrations.bank.camt054 import CamtError, camt054_parse
from integrations.reference.camt054 import BuiltCredit, camt054_build
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 12, 2)


def _invoiced(commune, in_commune, people, n: int = 1) -> list[Payment]:
    """``n`` QR-bill cases of CHF 30.00 with their invoice reference recorded."""
    payments = []
    with in_commune(commune):
        for _ in range(n):
            case = case_submit(
                user=people["resident"], service_key="parkkarte-test", data={"reason": "x"}
            )
            reference = qrr_reference(commune.bfs_number, case.reference)
            payments.append(payment_invoice_record(case=case, qr_reference=reference))
    return payments


def _run(*args) -> dict:
    out = io.StringIO()
    call_command("import_camt054", *args, stdout=out)
    return json.loads(out.getvalue())


def _file(tmp_path, credits, name="camt.xml"):
    path = tmp_path / name
    path.write_bytes(camt054_build(credits))
    return str(path)


def test_exact_partial_over_unknown(kriens, in_commune, kriens_setup, tmp_path):
    """Exact amount: paid with the booking date; less: partial; more: over-paid; unknown
    reference: listed; the command prints the counts as one JSON object."""
    exact, partial, over = _invoiced(kriens, in_commune, kriens_setup, 3)
    credits = [
        BuiltCredit(exact.qr_reference, Decimal("30.00"), DAY),
        BuiltCredit(partial.qr_reference, Decimal("10.00"), DAY),
        BuiltCredit(over.qr_reference, Decimal("50.00"), DAY),
        BuiltCredit("000000000000000000000000000", Decimal("5.00"), DAY),
    ]
    counts = _run("--commune", "kriens", _file(tmp_path, credits))
    assert counts == {"matched": 1, "unmatched": 3, "already_booked": 0}
    with in_commune(kriens):
        paid = Payment.objects.get(pk=exact.pk)
        assert paid.status == "paid" and paid.paid_at.date() == DAY
        assert Payment.objects.get(pk=partial.pk).status == "open"
        assert Payment.objects.get(pk=partial.pk).paid_amount == Decimal("10.00")
        assert Payment.objects.get(pk=over.pk).status == "paid"
        outcomes = sorted(BankCredit.objects.values_list("outcome", flat=True))
        assert outcomes == ["matched", "overpaid", "partial", "unknown"]
        assert CaseEvent.objects.filter(case_id=exact.case_id, kind="payment_matched").exists()


def test_case_page_and_api_show_bezahlt(kriens, in_commune, kriens_setup, logged_in, tmp_path):
    """After the import, the case shows "bezahlt" with the date (page and API)."""
    (payment,) = _invoiced(kriens, in_commune, kriens_setup)
    _run(
        "--commune",
        "kriens",
        _file(tmp_path, [BuiltCredit(payment.qr_reference, Decimal(30), DAY)]),
    )
    client = logged_in(kriens, kriens_setup["resident"])
    page = client.get(f"/meine-geschaefte/{payment.case_id}/").content.decode()
    assert "bezahlt am 02.12.2026" in page and "Bezahlen" not in page
    api = client.get(f"/api/cases/{payment.case_id}/").json()["payment"]
    assert api["status"] == "paid" and api["method"] == "qr_bill"
    assert api["paid_at"].startswith("2026-12-02")
    clerk = logged_in(kriens, kriens_setup["clerk"])
    back_office = clerk.get(f"/backoffice/geschaefte/{payment.case_id}/").content.decode()
    assert "bezahlt am 02.12.2026" in back_office and "Bezahlen" not in back_office


def test_reimport_books_nothing_twice(kriens, in_commune, kriens_setup, tmp_path):
    """The same file again: everything already booked, no row or event added."""
    (payment,) = _invoiced(kriens, in_commune, kriens_setup)
    path = _file(tmp_path, [BuiltCredit(payment.qr_reference, Decimal("30.00"), DAY)])
    assert _run("--commune", "kriens", path)["matched"] == 1
    with in_commune(kriens):
        before = (BankCredit.objects.count(), CaseEvent.objects.count())
    assert _run("--commune", "kriens", path) == {"matched": 0, "unmatched": 0, "already_booked": 1}
    with in_commune(kriens):
        assert (BankCredit.objects.count(), CaseEvent.objects.count()) == before


def test_second_payment_of_paid_invoice_is_listed(kriens, in_commune, kriens_setup, tmp_path):
    """A second credit (other bank reference) for a paid invoice is listed as duplicate."""
    (payment,) = _invoiced(kriens, in_commune, kriens_setup)
    first = BuiltCredit(payment.qr_reference, Decimal("30.00"), DAY, bank_reference="A-1")
    second = BuiltCredit(payment.qr_reference, Decimal("30.00"), DAY, bank_reference="B-2")
    assert _run("--commune", "kriens", _file(tmp_path, [first, second])) == {
        "matched": 1, "unmatched": 1, "already_booked": 0,
    }  # fmt: skip
    with in_commune(kriens):
        assert BankCredit.objects.get(entry_key__endswith="B-2").outcome == "duplicate"


@pytest.mark.parametrize(
    ("mutate", "element"),
    [
        (lambda x: x.replace(b"<Amt Ccy=\"CHF\">30.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Rltd",
                             b"<CdtDbtInd>CRDT</CdtDbtInd><Rltd"), "TxDtls[1]/Amt"),
        (lambda x: x.replace(b"<Dt>2026-12-02</Dt></BookgDt>", b"<Dt>2.12.26</Dt></BookgDt>"),
         "BookgDt"),
        (lambda x: x.replace(b"<Ref>", b"<Rf>").replace(b"</Ref>", b"</Rf>"), "CdtrRefInf/Ref"),
        (lambda x: x.replace(b"camt.054.001.08", b"camt.053.001.08"), "Document"),
        (lambda x: x[:-30], "XML"),
    ],
)  # fmt: skip
def test_malformed_file_refused_nothing_booked(
    kriens, in_commune, kriens_setup, tmp_path, mutate, element
):
    """A malformed file is refused with an error naming the element; nothing is booked, not
    even its valid credits."""
    good, bad = _invoiced(kriens, in_commune, kriens_setup, 2)
    content = camt054_build([
        BuiltCredit(good.qr_reference, Decimal("31.00"), dt.date(2026, 12, 1)),
        BuiltCredit(bad.qr_reference, Decimal("30.00"), DAY),
    ])  # fmt: skip
    path = tmp_path / "bad.xml"
    path.write_bytes(mutate(content))
    with pytest.raises(CommandError) as refused:
        _run("--commune", "kriens", str(path))
    assert "nichts gebucht" in str(refused.value) and element in str(refused.value)
    with in_commune(kriens):
        assert not BankCredit.objects.exists()
        assert not Payment.objects.filter(status="paid").exists()


def test_parse_reads_only_booked_credits():
    """Debits and pending entries are not credits to book."""
    content = camt054_build([BuiltCredit("RF18539007547034", Decimal("12.50"), DAY)])
    pending = content.replace(b"<Cd>BOOK</Cd>", b"<Cd>PDNG</Cd>")
    debit = content.replace(
        b"<CdtDbtInd>CRDT</CdtDbtInd><Sts>", b"<CdtDbtInd>DBIT</CdtDbtInd><Sts>"
    )
    assert [c.amount for c in camt054_parse(content)] == [Decimal("12.50")]
    assert camt054_parse(pending) == [] and camt054_parse(debit) == []
    with pytest.raises(CamtError):
        camt054_parse(b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>")


def test_canton_import_routes_by_commune(kriens, emmen, in_commune, kriens_setup, tmp_path):
    """The canton's import books each credit in the commune whose BFS number starts its QR
    reference; a Kriens credit never touches Emmen."""
    (payment,) = _invoiced(kriens, in_commune, kriens_setup)
    credits = [
        BuiltCredit(payment.qr_reference, Decimal("30.00"), DAY),
        BuiltCredit(qrr_reference(emmen.bfs_number, "2026-999999"), Decimal("30.00"), DAY),
    ]
    assert _run("--canton", _file(tmp_path, credits)) == {
        "matched": 1, "unmatched": 1, "already_booked": 0,
    }  # fmt: skip
    with in_commune(kriens):
        assert Payment.objects.get(pk=payment.pk).status == "paid"
    with in_commune(emmen):
        assert BankCredit.objects.get().outcome == "unknown"


def test_unknown_commune_refused(tmp_path):
    """An unknown commune slug is a clear error."""
    with pytest.raises(CommandError, match="gibt es nicht"):
        _run("--commune", "atlantis", _file(tmp_path, []))


def test_clerk_upload_page(kriens, in_commune, kriens_setup, logged_in):
    """A clerk uploads the file and sees the counts and the credits to look at; a resident
    may not (403) and books nothing."""
    (payment,) = _invoiced(kriens, in_commune, kriens_setup)
    content = camt054_build([
        BuiltCredit(payment.qr_reference, Decimal("30.00"), DAY),
        BuiltCredit("RF18539007547034", Decimal("9.00"), DAY, debtor="Unbekannt Urs"),
    ])  # fmt: skip
    resident = logged_in(kriens, kriens_setup["resident"])
    refused = resident.post(
        "/backoffice/zahlungen/", {"file": SimpleUploadedFile("c.xml", content)}
    )
    assert refused.status_code == 403
    with in_commune(kriens):
        assert not BankCredit.objects.exists()
    clerk = logged_in(kriens, kriens_setup["clerk"])
    page = clerk.post("/backoffice/zahlungen/", {"file": SimpleUploadedFile("c.xml", content)})
    text = page.content.decode()
    assert page.status_code == 200
    assert "1 zugeordnet, 1 zu prüfen, 0 bereits gebucht" in text and "Unbekannt Urs" in text
    bad = clerk.post("/backoffice/zahlungen/", {"file": SimpleUploadedFile("c.xml", b"<x/>")})
    assert "Datei abgelehnt, nichts gebucht" in bad.content.decode()
    with in_commune(kriens):
        assert BankCredit.objects.count() == 2


def test_canton_upload_page(kriens, emmen, in_commune, kriens_setup, public_client):
    """Cantonal staff upload one file for all communes on the public host: the Kriens credit
    pays the Kriens fee, the Emmen one is left to check in Emmen; a malformed file books
    nothing; a staff member without the cantonal role is refused (403), anonymous to login."""
    (payment,) = _invoiced(kriens, in_commune, kriens_setup)
    content = camt054_build([
        BuiltCredit(payment.qr_reference, Decimal("30.00"), DAY),
        BuiltCredit(qrr_reference(emmen.bfs_number, "2026-999999"), Decimal("30.00"), DAY),
    ])  # fmt: skip
    url = "/admin/zahlungen/camt054/"
    anonymous = public_client.post(url, {"file": SimpleUploadedFile("c.xml", content)})
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    public_client.force_login(UserFactory(email="clerk@lu.ch", is_staff=True, role="clerk"))
    assert public_client.get(url).status_code == 403
    public_client.force_login(UserFactory(email="staff@lu.ch", canton=True))
    assert "camt.054-Datei der Bank" in public_client.get(url).content.decode()
    bad = public_client.post(url, {"file": SimpleUploadedFile("c.xml", b"<x/>")}, follow=True)
    assert "Datei abgelehnt, nichts gebucht" in bad.content.decode()
    with in_commune(kriens):
        assert not BankCredit.objects.exists()
    page = public_client.post(url, {"file": SimpleUploadedFile("c.xml", content)})
    assert "1 zugeordnet, 1 zu prüfen, 0 bereits gebucht" in page.content.decode()
    again = public_client.post(url, {"file": SimpleUploadedFile("c.xml", content)})
    assert "0 zugeordnet, 0 zu prüfen, 2 bereits gebucht" in again.content.decode()
    with in_commune(kriens):
        assert Payment.objects.get(pk=payment.pk).status == "paid"
    with in_commune(emmen):
        assert BankCredit.objects.get().outcome == "unknown"
