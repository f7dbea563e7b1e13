"""Importing the old Online-Schalter offers: matching, unmatched rows, bad files."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from catalog.models import OfferIndex, OfferSnapshot
from catalog.offers.models import ServiceOffer, Stage
from catalog.services import offer_set
from catalog.services.online_schalter import OnlineSchalterFileError, online_schalter_import
from catalog.services.rollout import current_month

pytestmark = pytest.mark.django_db


def _csv(tmp_path, text: str):
    path = tmp_path / "schalter.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _run(path) -> dict:
    out = StringIO()
    call_command("import_online_schalter", str(path), stdout=out)
    return json.loads(out.getvalue())


def test_rows_are_matched_by_key_and_by_german_title(seeded, kriens, emmen, tmp_path, in_commune):
    """A key or a German title (search, also with typos) becomes an offer at link with the URL."""
    path = _csv(
        tmp_path,
        "bfs_number,service,url\n"
        f"{kriens.bfs_number},hund-anmelden,https://kriens.ch/schalter/hund\n"
        f"{kriens.bfs_number},Wohnsitzbestatigung,https://kriens.ch/schalter/wohnsitz\n"
        f"{emmen.bfs_number},Parkkarte für Anwohnende,https://emmen.ch/parkkarte\n",
    )
    assert _run(path) == {"linked": 3, "unmatched": 0, "skipped": 0, "unmatched_rows": []}
    with in_commune(kriens):
        offer = ServiceOffer.objects.get(service__key="wohnsitzbestaetigung")
        assert (offer.stage, offer.link_url) == (Stage.LINK, "https://kriens.ch/schalter/wohnsitz")
    index = OfferIndex.objects.get(commune=emmen, service__key="parkkarte")
    assert (index.stage, index.link_url) == ("link", "https://emmen.ch/parkkarte")
    assert OfferSnapshot.objects.filter(
        commune=kriens, service__key="hund-anmelden", month=current_month(), stage="link"
    ).exists()


def test_unmatched_rows_are_listed_and_the_rest_imported(seeded, kriens, tmp_path, in_commune):
    """A title the catalogue lacks is listed with its row; the other rows are imported."""
    path = _csv(
        tmp_path,
        "BFS-Nr.;Leistung;Link\n"
        f"{kriens.bfs_number};Hund anmelden;https://kriens.ch/hund\n"
        f"{kriens.bfs_number};Bootsplatz mieten xyz;https://kriens.ch/boot\n",
    )
    result = _run(path)
    assert (result["linked"], result["unmatched"], result["skipped"]) == (1, 1, 0)
    assert result["unmatched_rows"] == [
        {"line": 3, "bfs_number": kriens.bfs_number, "service": "Bootsplatz mieten xyz"}
    ]


def test_offers_already_online_are_skipped(seeded, kriens, tmp_path, in_commune):
    """An offer at form stays at form (no downgrade); the same link again changes nothing."""
    from catalog.models import Service

    with in_commune(kriens):
        offer_set(service=Service.objects.get(key="hund-anmelden"), stage=Stage.FORM)
    path = _csv(
        tmp_path,
        "bfs_number,service,url\n"
        f"{kriens.bfs_number},hund-anmelden,https://kriens.ch/hund\n"
        f"{kriens.bfs_number},hund-abmelden,https://kriens.ch/hund-ab\n",
    )
    assert _run(path)["linked"] == 1
    second = _run(path)
    assert (second["linked"], second["skipped"]) == (0, 2)
    with in_commune(kriens):
        assert ServiceOffer.objects.get(service__key="hund-anmelden").stage == Stage.FORM


@pytest.mark.parametrize(
    "body, message",
    [
        ("bfs_number,service\n1058,hund-anmelden\n", "Zeile 1: Spalte(n) fehlen: url"),
        ("bfs_number,service,url\n9999,hund-anmelden,https://x.ch\n", "Zeile 2: unbekannte BFS"),
        ("bfs_number,service,url\nKRIENS,hund-anmelden,https://x.ch\n", "Zeile 2: unbekannte BFS"),
        (
            "bfs_number,service,url\n{bfs},hund-anmelden,javascript:alert(1)\n",
            "Zeile 2: ungültige URL",
        ),
        ("bfs_number,service,url\n{bfs},,https://x.ch\n", "Zeile 2: Leistung"),
        ("", "leer"),
    ],
)
def test_bad_files_name_the_row_and_import_nothing(
    seeded, kriens, tmp_path, in_commune, body, message
):
    """A bad row fails the whole file with the row named; no offer is created."""
    good = f"{kriens.bfs_number},wohnsitzbestaetigung,https://kriens.ch/w\n"
    text = body.format(bfs=kriens.bfs_number)
    if text.count("\n") >= 2:
        text = text + good  # a good row after the bad one is not imported either
    path = _csv(tmp_path, text)
    with pytest.raises(CommandError, match="Nichts importiert") as info:
        _run(path)
    assert message in str(info.value)
    assert not OfferIndex.objects.filter(commune=kriens).exists()
    with in_commune(kriens):
        assert not ServiceOffer.objects.exists()


def test_a_pilot_outside_public_innovators_fails_the_file(seeded, kriens, tmp_path, in_commune):
    """offer_set refuses a pilot for Kriens: the file is refused with the row, nothing stays."""
    path = _csv(
        tmp_path,
        "bfs_number,service,url\n"
        f"{kriens.bfs_number},hund-anmelden,https://kriens.ch/hund\n"
        f"{kriens.bfs_number},mieterwechsel-melden,https://kriens.ch/miete\n",
    )
    with pytest.raises(OnlineSchalterFileError) as info:
        online_schalter_import(path=path)
    assert "Zeile 3" in " ".join(info.value.messages)
    assert not OfferIndex.objects.filter(commune=kriens).exists()


def test_xlsx_files_are_read(seeded, kriens, tmp_path):
    """The same columns in an XLSX workbook."""
    wb = Workbook()
    wb.active.append(["bfs_number", "service", "url"])
    wb.active.append([kriens.bfs_number, "Hund anmelden", "https://kriens.ch/hund"])
    path = tmp_path / "schalter.xlsx"
    wb.save(path)
    assert _run(path)["linked"] == 1


def test_a_damaged_xlsx_is_refused(seeded, tmp_path):
    """Bytes that are no workbook: a clear error, nothing imported."""
    path = tmp_path / "kaputt.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="keine lesbare XLSX"):
        _run(path)
