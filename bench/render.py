"""CPU time of the Wohnsitzbestätigung's documents: certificate PDF, QR-bill SVG, invoice PDF.

Run from the project root: ``.venv/bin/python -m bench.render`` (no database, no registers).
Options: ``--rounds N`` (default 5), ``--n N`` documents per round (default 20), ``--profile``
(cProfile's top functions per document, after the figures).

Measures CPU time (``time.process_time``) per document, the median of the rounds, of
- the current adapters: ``documents.residence_certificate``, ``billing.qr_invoice`` (the
  SVG payment part and the QR code) and ``qr_invoice_pdf`` (the A4 invoice);
- the implementation they replaced (``legacy_*`` below, as of commit 76de73b: a new font
  configuration per document, the stylesheet in the HTML, the QR-bill SVG embedded as an image
  in the invoice), in the same process, taking turns with the current one.

After ``worker_warm_up()`` (fonts loaded, stylesheets parsed), once with every object under the
garbage collector (as workers ran the legacy code) and once after ``gc.freeze()`` (as workers
start now). ``ratio`` = new (frozen) / legacy (unfrozen), as workers run them;
``ratio_same_heap`` compares both on the frozen heap. The residents vary (names, addresses,
nationality) across three communes. Prints a table and, as the last line, one JSON object.

Fonts (issue 13): the same current documents once more in a subprocess whose fontconfig has no
fonts at all (``FONTCONFIG_FILE`` → a generated ``fonts.conf`` without ``<dir>``: a server
without Debian's fonts), measured alike (frozen heap). The JSON line's ``certificate_cpu_ms``,
``invoice_cpu_ms`` (normal) and ``certificate_cpu_ms_bare``, ``invoice_cpu_ms_bare`` (no fonts)
are the CPU ms per document, ``same_bytes`` whether all ``--n`` certificates and invoices are
byte for byte the same in both. ``--no-harfbuzz-subset`` makes WeasyPrint subset fonts with
fontTools as where libharfbuzz-subset is missing (other fonts than the vendored ones).
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import gc
import hashlib
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
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
from integrations.adapters.qr_invoice import invoice_pdf  # noqa: E402
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

LEGACY_CERTIFICATE_TEMPLATE = """<!DOCTYPE html>
<html lang="de-CH">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<meta name="author" content="{{ authority }}">
<meta name="description" content="Referenz {{ reference }}">
<style>
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
</style>
</head>
<body>
<header>
  <div class="commune">Gemeinde {{ commune_name }}</div>
  <div class="authority">{{ authority }}</div>
  {% if authority_address %}<div class="authority">{{ authority_address }}</div>{% endif %}
</header>
<h1>Wohnsitzbestätigung</h1>
<p>Die Gemeinde {{ commune_name }} bestätigt gestützt auf das Einwohnerregister, dass</p>
<table>
  <tr><th scope="row">Name, Vorname</th><td>{{ official_name }}, {{ first_name }}</td></tr>
  <tr><th scope="row">Geburtsdatum</th><td>{{ date_of_birth }}</td></tr>
  {% if nationality %}<tr><th scope="row">Staatsangehörigkeit</th><td>{{ nationality }}</td></tr>{% endif %}
  <tr><th scope="row">Adresse</th><td>{{ street }}<br>{{ postcode }} {{ town }}</td></tr>
  {% if moving_in_date %}<tr><th scope="row">Zugezogen am</th><td>{{ moving_in_date }}</td></tr>{% endif %}
</table>
<p>in der Gemeinde {{ commune_name }} (BFS-Nr. {{ bfs_number }}) mit Hauptwohnsitz angemeldet ist.</p>
{% if purpose %}<p>Verwendungszweck: {{ purpose }}</p>{% endif %}
<p class="place">{{ commune_name }}, {{ issue_date }}</p>
<p>{{ authority }}</p>
<p class="note">Dieses Dokument wurde elektronisch über das Einwohnerportal Luzern erstellt und ist
ohne Unterschrift gültig. Referenz {{ reference }}, Registerauszug {{ register_message_id|default:"–" }}.</p>
</body>
</html>"""


def legacy_certificate(request: documents.ResidenceCertificateRequest) -> bytes:
    from weasyprint import HTML

    context = {
        **request.__dict__,
        "title": f"Wohnsitzbestätigung {request.first_name} {request.official_name}",
        "date_of_birth": documents._swiss_date(request.date_of_birth),
        "moving_in_date": documents._swiss_date(request.moving_in_date),
        "issue_date": documents._swiss_date(request.issue_date),
    }
    html = Template(LEGACY_CERTIFICATE_TEMPLATE).render(Context(context))
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

    e, lines = invoice_pdf._escape, (lambda p: invoice_pdf._address_lines(p).replace("\n", "<br>"))
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


def cpu_ms(functions: dict[str, Callable[[int], object]], n: int, rounds: int) -> dict:
    """CPU milliseconds per call of each ``function(i)`` (i < n), the median over ``rounds``;
    the functions take turns in every round, so a busy machine weighs on all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in functions}
    for function in functions.values():
        function(0)
    for _ in range(rounds):
        for name, function in functions.items():
            started = time.process_time()
            for i in range(n):
                function(i)
            samples[name].append((time.process_time() - started) * 1000 / n)
    return {name: round(statistics.median(values), 2) for name, values in samples.items()}


EMPTY_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig><cachedir>{cache}</cachedir></fontconfig>
"""


def current_documents(pairs, bills) -> dict[str, Callable[[int], bytes]]:
    """The current certificate and invoice PDF of pair ``i``."""
    certificate = get("documents.residence_certificate")
    return {
        "certificate_pdf": lambda i: certificate.call(pairs[i][0], idempotency_key="bench").content,
        "invoice_pdf": lambda i: invoice_pdf.qr_invoice_pdf(
            pairs[i][1], bills[i], title="Rechnung Wohnsitzbestätigung", issue_date="28.11.2026"
        ),
    }


def digests(functions: dict[str, Callable[[int], bytes]], n: int) -> dict[str, list[str]]:
    return {
        name: [hashlib.sha256(function(i)).hexdigest() for i in range(n)]
        for name, function in functions.items()
    }


def bare_run(args: argparse.Namespace) -> dict:
    """``--fonts-only`` in a subprocess with fontconfig pointed at an empty font set."""
    with tempfile.TemporaryDirectory(prefix="bench-fonts-") as folder:
        conf = os.path.join(folder, "fonts.conf")
        with open(conf, "w", encoding="utf-8") as file:
            file.write(EMPTY_FONTCONFIG.format(cache=os.path.join(folder, "cache")))
        command = [sys.executable, "-m", "bench.render", "--fonts-only"]
        command += ["--rounds", str(args.rounds), "--n", str(args.n)]
        if args.no_harfbuzz_subset:
            command.append("--no-harfbuzz-subset")
        env = {**os.environ, "FONTCONFIG_FILE": conf}
        env.pop("FONTCONFIG_PATH", None)
        done = subprocess.run(  # noqa: S603 - this interpreter, this module
            command, env=env, capture_output=True, text=True, check=True
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def fonts_only(args: argparse.Namespace) -> dict:
    """CPU ms per certificate and invoice (after ``worker_warm_up()``) and their digests."""
    pairs = cases(args.n)
    invoice = get("billing.qr_invoice")
    bills = [invoice.call(request, idempotency_key="bench") for _, request in pairs]
    functions = current_documents(pairs, bills)
    worker_warm_up()
    figures = cpu_ms(functions, args.n, args.rounds)
    return {"cpu_ms": figures, "sha256": digests(functions, args.n)}


def _with_total(figures: dict[str, float]) -> dict[str, float]:
    return {**figures, "total": round(sum(figures.values()), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-harfbuzz-subset", action="store_true")
    parser.add_argument("--fonts-only", action="store_true", help="the fonts figures only")
    args = parser.parse_args()
    if args.no_harfbuzz_subset:
        import weasyprint.pdf.fonts

        weasyprint.pdf.fonts.harfbuzz_subset = None
    if args.fonts_only:
        print(json.dumps(fonts_only(args)))
        return

    pairs = cases(args.n)
    certificate, invoice = get("documents.residence_certificate"), get("billing.qr_invoice")
    bills = [invoice.call(request, idempotency_key="bench") for _, request in pairs]
    legacy_svgs = [legacy_qr_svg(request) for _, request in pairs]

    def new_certificate(i: int) -> bytes:
        return certificate.call(pairs[i][0], idempotency_key="bench").content

    def new_svg(i: int) -> bytes:
        return invoice.call(pairs[i][1], idempotency_key="bench").svg

    def new_pdf(i: int) -> bytes:
        return invoice_pdf.qr_invoice_pdf(
            pairs[i][1], bills[i], title="Rechnung Wohnsitzbestätigung", issue_date="28.11.2026"
        )

    new = {"certificate_pdf": new_certificate, "qr_bill_svg": new_svg, "invoice_pdf": new_pdf}
    legacy = {
        "certificate_pdf": lambda i: legacy_certificate(pairs[i][0]),
        "qr_bill_svg": lambda i: legacy_qr_svg(pairs[i][1]),
        "invoice_pdf": lambda i: legacy_invoice_pdf(pairs[i][1], bills[i], legacy_svgs[i]),
    }
    both = {f"new {k}": f for k, f in new.items()} | {f"legacy {k}": f for k, f in legacy.items()}

    worker_warm_up()  # fonts and stylesheets, then gc.freeze(), as a worker starts
    gc.unfreeze()  # first as the legacy code ran in workers: every object under collection
    unfrozen = cpu_ms(both, args.n, args.rounds)
    gc.freeze()
    frozen = cpu_ms(both, args.n, args.rounds)
    results: dict[str, dict] = {
        # as workers run it: legacy without, new with the frozen start-up heap
        "legacy_ms": _with_total({k: unfrozen[f"legacy {k}"] for k in legacy}),
        "new_ms": _with_total({k: frozen[f"new {k}"] for k in new}),
        # the rendering code alone, both on the same (frozen or unfrozen) heap
        "legacy_frozen_ms": _with_total({k: frozen[f"legacy {k}"] for k in legacy}),
        "new_unfrozen_ms": _with_total({k: unfrozen[f"new {k}"] for k in new}),
    }
    names = list(results["new_ms"])
    results["ratio"] = {n: round(results["new_ms"][n] / results["legacy_ms"][n], 3) for n in names}
    results["ratio_same_heap"] = {
        n: round(results["new_ms"][n] / results["legacy_frozen_ms"][n], 3) for n in names
    }
    results["bytes"] = {
        "new": {name: len(function(0)) for name, function in new.items()},
        "legacy": {name: len(function(0)) for name, function in legacy.items()},
    }

    columns = ("legacy_ms", "new_ms", "ratio", "legacy_frozen_ms", "new_unfrozen_ms")
    print(f"{'CPU ms per document':18}" + "".join(f"{c:>18}" for c in columns))
    for name in names:
        print(f"{name:18}" + "".join(f"{results[c][name]:18.3f}" for c in columns))
    for name in new:
        print(
            f"{name:18} bytes: legacy {results['bytes']['legacy'][name]:7d}"
            f"   new {results['bytes']['new'][name]:7d}"
        )
    bare = bare_run(args)
    same_bytes = digests(current_documents(pairs, bills), args.n) == bare["sha256"]
    results |= {
        "certificate_cpu_ms": results["new_ms"]["certificate_pdf"],
        "invoice_cpu_ms": results["new_ms"]["invoice_pdf"],
        "certificate_cpu_ms_bare": bare["cpu_ms"]["certificate_pdf"],
        "invoice_cpu_ms_bare": bare["cpu_ms"]["invoice_pdf"],
        "same_bytes": same_bytes,
        "harfbuzz_subset": not args.no_harfbuzz_subset,
    }
    print(
        f"\nfonts: certificate {results['certificate_cpu_ms']} ms, bare "
        f"{results['certificate_cpu_ms_bare']} ms; invoice {results['invoice_cpu_ms']} ms, "
        f"bare {results['invoice_cpu_ms_bare']} ms; same bytes: {same_bytes}"
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
