"""CPU time of the Wohnsitzbestätigung's documents: certificate PDF, QR-bill SVG, invoice PDF.

Run from the project root: ``.venv/bin/python -m bench.render`` (no database, no registers).
Options: ``--rounds N`` (default 5), ``--n N`` documents per round (default 20), ``--profile``
(cProfile's top functions per document, after the figures).

Measures CPU time (``time.process_time``) per document, the median of the rounds, for
- the current adapters: ``documents.residence_certificate``, ``billing.qr_invoice`` (the
  SVG payment part and the QR code) and ``qr_invoice_pdf`` (the A4 invoice);
- the implementation they replaced (``legacy_*`` below, as of commit 76de73b: a new font
  configuration per document, the stylesheet in the HTML, the QR-bill SVG embedded as an image
  in the invoice), in the same process, for the ratios;

each in the worker's state after start-up (``worker_warm_up()``: fonts loaded, stylesheets
parsed, then ``gc.freeze()``), and the current ones also without the frozen heap. The residents
vary (names, addresses, nationality) across a few communes. Prints a table and, as the last
line, one JSON object (ms per document, bytes, ratios new/legacy).
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import gc
import io
import json
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.template import Context, Template  # noqa: E402

from cases.automation.warmup import worker_warm_up  # noqa: E402
from integrations.adapters.documents import adapters as documents  # noqa: E402
from integrations.adapters.qr_invoice import adapters as qr  # noqa: E402
from integrations.reference.population import generate_resident  # noqa: E402
from integrations.registry import get  # noqa: E402

COMMUNES = ((1059, "Kriens", "6010"), (1024, "Emmen", "6020"), (1058, "Horw", "6048"))
QR_IBAN = "CH4431999123000889012"


def cases(count: int) -> list[tuple[documents.ResidenceCertificateRequest, qr.InvoiceRequest]]:
    """``count`` (certificate request, invoice request) pairs for varied residents."""
    pairs = []
    for i in range(count):
        bfs, commune, postcode = COMMUNES[i % len(COMMUNES)]
        p = generate_resident(bfs, i + 1)
        a = p["address"]
        reference = f"2026-{i + 1:06d}"
        certificate = documents.ResidenceCertificateRequest(
            commune_name=commune,
            bfs_number=bfs,
            authority=f"Einwohnerdienste {commune}",
            official_name=p["official_name"],
            first_name=p["first_name"],
            date_of_birth=date.fromisoformat(p["date_of_birth"]),
            street=f"{a['street']} {a['house_number']}",
            postcode=str(a["postcode"]),
            town=a["town"],
            issue_date=date(2026, 11, 28),
            reference=reference,
            nationality=p["nationality_name"],
            moving_in_date=date.fromisoformat(p["moving_in_date"]),
            purpose="Arbeitgeber" if i % 2 else "",
            register_message_id=p["person_id"],
        )
        invoice = qr.InvoiceRequest(
            creditor=qr.Party(f"Gemeinde {commune}", "", "", postcode, commune),
            bfs_number=bfs,
            amount=Decimal("30.00"),
            case_reference=reference,
            purpose=f"Wohnsitzbestätigung, {reference}",
            debtor=qr.Party(
                f"{p['first_name']} {p['official_name']}",
                a["street"],
                str(a["house_number"]),
                str(a["postcode"]),
                a["town"],
            ),
        )
        pairs.append((certificate, invoice))
    return pairs


# --- The implementation before (commit 76de73b), for the ratios ------------------------------

LEGACY_CERTIFICATE_STYLE = """<style>
  @page { size: A4; margin: 25mm 22mm 25mm 25mm;
          @bottom-left { content: "{{ commune_name }} · Referenz {{ reference }}"; font-size: 8pt; color: #555; }
          @bottom-right { content: "Seite " counter(page) " von " counter(pages); font-size: 8pt; color: #555; } }
  body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10.5pt; line-height: 1.45; color: #111; }
  header { border-bottom: 2px solid #0b5394; padding-bottom: 4mm; margin-bottom: 14mm; }
  header .commune { font-size: 15pt; font-weight: bold; }
  header .authority { color: #333; }
  h1 { font-size: 17pt; margin: 0 0 8mm; }
  table { border-collapse: collapse; margin: 6mm 0 8mm; }
  th { text-align: left; font-weight: normal; color: #444; padding: 1.2mm 8mm 1.2mm 0; vertical-align: top; }
  td { font-weight: bold; padding: 1.2mm 0; }
  .place { margin-top: 14mm; }
  .note { margin-top: 18mm; font-size: 8.5pt; color: #444; border-top: 1px solid #bbb; padding-top: 3mm; }
</style>"""


def legacy_certificate(request: documents.ResidenceCertificateRequest) -> bytes:
    from weasyprint import HTML

    html = documents.residence_certificate_html(request)
    head, rest = html.split("<style>", 1)
    style = Template(LEGACY_CERTIFICATE_STYLE).render(Context(request.__dict__))
    html = head + style + rest.split("</style>", 1)[1]
    document = HTML(string=html).render()
    return document.write_pdf()


def legacy_qr_svg(request: qr.InvoiceRequest) -> bytes:
    from qrbill import QRBill

    reference = qr.qrr_reference(request.bfs_number, request.case_reference)
    bill = QRBill(
        account=QR_IBAN,
        creditor=qr._party(request.creditor),
        amount=f"{request.amount:.2f}",
        currency="CHF",
        debtor=qr._party(request.debtor) if request.debtor else None,
        reference_number=reference,
        additional_information=request.purpose[:140],
        language="de",
    )
    svg = io.StringIO()
    bill.as_svg(svg)
    bill.qr_data()
    return svg.getvalue().encode()


def legacy_invoice_pdf(request: qr.InvoiceRequest, invoice: qr.QrInvoice, svg: bytes) -> bytes:
    from weasyprint import HTML

    e, lines = qr._escape, (lambda p: qr._address_lines(p).replace("\n", "<br>"))
    data = base64.b64encode(svg).decode()
    html = f"""<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Rechnung</title>
<style>
@page {{ size: A4; margin: 0; }}
body {{ font-family: 'DejaVu Sans', sans-serif; font-size: 10pt; margin: 0; }}
.head {{ padding: 20mm 20mm 0 20mm; }}
.debtor {{ margin: 15mm 0 10mm 100mm; }}
h1 {{ font-size: 14pt; margin: 0 0 6mm 0; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ text-align: left; padding: 1.5mm 0; border-bottom: 0.3pt solid #999; }}
td.amount {{ text-align: right; }}
.payment {{ position: absolute; bottom: 0; left: 0; width: 210mm; height: 105mm; }}
</style></head><body>
<div class="head">
<p>{lines(request.creditor)}</p>
<p class="debtor">{lines(request.debtor)}</p>
<h1>Rechnung Wohnsitzbestätigung</h1>
<p>Datum: 28.11.2026<br>Referenz: {e(invoice.reference_formatted)}</p>
<table><tr><th scope="col">Leistung</th><th scope="col" style="text-align:right">Betrag</th></tr>
<tr><td>{e(request.purpose)}</td><td class="amount">{invoice.currency} {invoice.amount:.2f}</td></tr></table>
<p>Bitte bezahlen Sie den Betrag innert 30 Tagen mit dem QR-Einzahlungsschein.</p>
</div>
<img class="payment" alt="QR-Einzahlungsschein" src="data:image/svg+xml;base64,{data}">
</body></html>"""
    return HTML(string=html).write_pdf()


# --- Measuring -----------------------------------------------------------------------------


def cpu_ms(function: Callable[[int], object], n: int, rounds: int) -> float:
    """Median over ``rounds`` of the CPU milliseconds per call of ``function(i)``."""
    function(0)
    per_round = []
    for _ in range(rounds):
        started = time.process_time()
        for i in range(n):
            function(i)
        per_round.append((time.process_time() - started) * 1000 / n)
    return round(statistics.median(per_round), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    pairs = cases(args.n)
    certificate, invoice = get("documents.residence_certificate"), get("billing.qr_invoice")
    bills = [invoice.call(request, idempotency_key="bench") for _, request in pairs]
    legacy_svgs = [legacy_qr_svg(request) for _, request in pairs]

    def new_certificate(i: int) -> bytes:
        return certificate.call(pairs[i][0], idempotency_key="bench").content

    def new_svg(i: int) -> bytes:
        return invoice.call(pairs[i][1], idempotency_key="bench").svg

    def new_pdf(i: int) -> bytes:
        return qr.qr_invoice_pdf(
            pairs[i][1], bills[i], title="Rechnung Wohnsitzbestätigung", issue_date="28.11.2026"
        )

    new = {"certificate_pdf": new_certificate, "qr_bill_svg": new_svg, "invoice_pdf": new_pdf}
    legacy = {
        "certificate_pdf": lambda i: legacy_certificate(pairs[i][0]),
        "qr_bill_svg": lambda i: legacy_qr_svg(pairs[i][1]),
        "invoice_pdf": lambda i: legacy_invoice_pdf(pairs[i][1], bills[i], legacy_svgs[i]),
    }

    results: dict[str, dict] = {"new_unfrozen_ms": {}, "new_ms": {}, "legacy_ms": {}}
    worker_warm_up()  # fonts, stylesheets, then gc.freeze() as in a worker
    gc.unfreeze()
    for name, function in new.items():
        results["new_unfrozen_ms"][name] = cpu_ms(function, args.n, args.rounds)
    gc.freeze()
    for name, function in new.items():
        results["new_ms"][name] = cpu_ms(function, args.n, args.rounds)
    for name, function in legacy.items():
        results["legacy_ms"][name] = cpu_ms(function, args.n, args.rounds)
    for key in ("new_unfrozen_ms", "new_ms", "legacy_ms"):
        results[key]["total"] = round(sum(results[key].values()), 2)
    results["ratio_new_to_legacy"] = {
        name: round(results["new_ms"][name] / results["legacy_ms"][name], 3)
        for name in results["new_ms"]
    }
    results["bytes"] = {
        "new": {name: len(function(0)) for name, function in new.items()},
        "legacy": {name: len(function(0)) for name, function in legacy.items()},
    }

    print(
        f"{'CPU ms per document':22} {'legacy':>9} {'new':>9} {'new, gc unfrozen':>17} {'ratio':>7}"
    )
    for name in results["new_ms"]:
        print(
            f"{name:22} {results['legacy_ms'][name]:9.2f} {results['new_ms'][name]:9.2f} "
            f"{results['new_unfrozen_ms'][name]:17.2f} {results['ratio_new_to_legacy'][name]:7.3f}"
        )
    for name in new:
        print(
            f"{name:22} bytes: legacy {results['bytes']['legacy'][name]:7d}"
            f"   new {results['bytes']['new'][name]:7d}"
        )
    if args.profile:
        for name, function in new.items():
            profile = cProfile.Profile()
            profile.runcall(lambda f=function: [f(i) for i in range(args.n)])
            print(f"\n=== {name}: top functions by cumulative time ({args.n} documents)")
            pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
