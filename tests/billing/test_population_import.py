import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from billing.models import Kind, LedgerEntry
from billing.services import contributions_book
from tenants.models import Commune, PopulationFigure

pytestmark = pytest.mark.django_db


def _write(tmp_path, text, name="bevoelkerung.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_then_2022_can_be_booked(tmp_path, canton_user):
    """Completing the 2021 figures from CSV makes 2022 bookable."""
    missing = Commune.objects.exclude(populations__year=2021).order_by("bfs_number")
    lines = ["bfs_number,year,residents,source"] + [
        f"{c.bfs_number},2021,1000,LUSTAT Test" for c in missing
    ]
    call_command("import_population", str(_write(tmp_path, "\n".join(lines))))
    assert PopulationFigure.objects.filter(year=2021).count() == 80
    result = contributions_book(year=2022, booked_by=canton_user)
    assert result.booked == 80
    assert LedgerEntry.objects.filter(year=2022, kind=Kind.COMMUNE_CONTRIBUTION).count() == 80


def test_bad_file_names_lines_and_writes_nothing(tmp_path):
    """Every bad line is named; no figure of the file is written, not even the good ones."""
    text = "\n".join(
        [
            "bfs_number,year,residents,source",
            "1024,2021,31000,LUSTAT",  # good
            "9999,2021,100,LUSTAT",  # unknown commune
            "1021,zwei,100,LUSTAT",  # bad year
            "1002,2021,-5,LUSTAT",  # negative
            "1024,2021,31001,LUSTAT",  # duplicate
            "1001,2021,800,",  # no source
        ]
    )
    with pytest.raises(CommandError) as info:
        call_command("import_population", str(_write(tmp_path, text)))
    message = str(info.value)
    assert "nichts wurde geschrieben" in message
    assert "Zeile 3: BFS-Nummer 9999 ist keine bekannte Gemeinde" in message
    assert "Zeile 4: Jahr 'zwei' ist keine ganze Zahl" in message
    assert "Zeile 5: Einwohnerzahl -5 muss grösser als 0 sein" in message
    assert "Zeile 6: BFS-Nummer 1024 und Jahr 2021 stehen bereits in Zeile 2" in message
    assert "Zeile 7: Quelle fehlt" in message
    assert not PopulationFigure.objects.filter(commune__bfs_number=1024, year=2021).exists()


def test_missing_columns_are_refused(tmp_path):
    with pytest.raises(CommandError, match="Spalten fehlen: residents"):
        call_command(
            "import_population", str(_write(tmp_path, "bfs_number;year;source\n1024;2021;x"))
        )


def test_semicolon_file_with_bom_and_changed_figure(tmp_path, kriens, capsys):
    """Excel-style files (BOM, semicolons) work; a changed figure is reported as changed."""
    old = PopulationFigure.objects.get(commune=kriens, year=2020).residents
    path = tmp_path / "excel.csv"
    path.write_bytes(
        f"\ufeffbfs_number;year;residents;source\n{kriens.bfs_number};2020;{old + 7};Korrektur LUSTAT\n".encode()
    )
    call_command("import_population", str(path))
    assert "0 neu, 1 geändert" in capsys.readouterr().out
    assert PopulationFigure.objects.get(commune=kriens, year=2020).residents == old + 7


def test_missing_file(tmp_path):
    with pytest.raises(CommandError, match="nicht gefunden"):
        call_command("import_population", str(tmp_path / "fehlt.csv"))
