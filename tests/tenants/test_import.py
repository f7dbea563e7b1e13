import csv
import shutil

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_exists

from tenants.importer import LUZERN_DIR, SourceFileError
from tenants.models import Commune, PopulationFigure
from tenants.services import communes_import

pytestmark = pytest.mark.django_db


def _bfs_numbers_in_period() -> set[int]:
    with (LUZERN_DIR / "luzern_communes.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {
        int(r["bfs_number"])
        for r in rows
        if (not r["valid_to"] or r["valid_to"] >= "2021-01-01") and r["valid_from"] <= "2024-12-31"
    }


def test_all_80_communes_of_2021_to_2024_are_imported():
    """Every commune that existed 2021–2024 is there, with its BFS number, 79 of them active."""
    assert Commune.objects.count() == 80
    assert set(Commune.objects.values_list("bfs_number", flat=True)) == _bfs_numbers_in_period()
    assert Commune.objects.filter(status=Commune.Status.ACTIVE).count() == 79


def test_populations_2020_sum_to_the_canton_total():
    """The 80 figures for 31.12.2020 add up to LUSTAT's 416,347, each with its source."""
    figures = PopulationFigure.objects.filter(year=2020)
    assert figures.count() == 80
    assert sum(f.residents for f in figures) == 416_347
    assert all(f.source for f in figures)


def test_commune_fields_from_the_official_list():
    """Name, district, validity, schema and domain follow the data and the naming rules."""
    hasle = Commune.objects.get(bfs_number=1005)
    assert (hasle.name, hasle.slug, hasle.district) == ("Hasle (LU)", "hasle-lu", "Entlebuch")
    assert hasle.schema_name == "gemeinde_1005"
    assert hasle.primary_domain == "hasle-lu.localhost"
    assert schema_exists("gemeinde_1005")
    assert Commune.objects.get(bfs_number=1004).slug == "fluehli"
    hitzkirch = Commune.objects.get(bfs_number=1030)
    assert str(hitzkirch.valid_from) == "2013-01-01" and hitzkirch.valid_to is None
    assert hitzkirch.populations.get(year=2020).residents == 5916


def test_honau_is_merged_into_root():
    """Honau (1057) is recorded as merged into Root (1065) on 2025-01-01."""
    honau = Commune.objects.get(bfs_number=1057)
    assert honau.status == Commune.Status.MERGED
    assert honau.merged_into.bfs_number == 1065
    assert str(honau.valid_to) == "2024-12-31"
    assert Commune.objects.get(bfs_number=1065).status == Commune.Status.ACTIVE


def test_reimport_changes_nothing():
    """A second import creates, updates and writes nothing."""
    before = list(Commune.objects.order_by("pk").values_list("pk", "updated_at"))
    populations = list(PopulationFigure.objects.order_by("pk").values_list("pk", "updated_at"))
    result = communes_import()
    assert not result.changed
    assert len(result.unchanged) == 80
    assert list(Commune.objects.order_by("pk").values_list("pk", "updated_at")) == before
    assert (
        list(PopulationFigure.objects.order_by("pk").values_list("pk", "updated_at")) == populations
    )


@pytest.fixture
def source(tmp_path):
    for name in ("luzern_communes_detail.csv", "luzern_mergers_since_2020.csv"):
        shutil.copy(LUZERN_DIR / name, tmp_path / name)
    return tmp_path


def _edit(path, line_no: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def _add_new_commune(path) -> None:
    with path.open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    row = dict.fromkeys(header, "")
    row.update(bfs_number="9999", name="Neudorf (LU)", district="Sursee", valid_from="2021-01-01")
    row.update(population_2020="1000", source_2020="Testdaten")
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=header, lineterminator="\r\n").writerow(row)


def _assert_nothing_imported() -> None:
    assert not Commune.objects.filter(bfs_number=9999).exists()
    assert not schema_exists("gemeinde_9999")
    assert Commune.objects.count() == 80


def test_import_adds_a_new_commune_from_a_good_file(source):
    """A new commune in the source becomes a commune with schema and domain; the rest stays."""
    _add_new_commune(source / "luzern_communes_detail.csv")
    result = communes_import(source_dir=source)
    assert result.created == [9999]
    neudorf = Commune.objects.get(bfs_number=9999)
    assert neudorf.primary_domain == "neudorf-lu.localhost"
    assert schema_exists("gemeinde_9999")


def test_bad_number_names_the_line_and_imports_nothing(source):
    """A malformed population figure is reported with file and line; nothing is written."""
    path = source / "luzern_communes_detail.csv"
    _add_new_commune(path)
    _edit(path, 3, ",3230,", ",32x0,")
    with pytest.raises(
        SourceFileError, match=r"luzern_communes_detail.csv, Zeile 3: .*population_2020"
    ):
        communes_import(source_dir=source)
    _assert_nothing_imported()
    assert Commune.objects.get(bfs_number=1002).populations.get(year=2020).residents == 3230


def test_missing_column_is_reported(source):
    """A file without a required column is refused before anything is written."""
    path = source / "luzern_communes_detail.csv"
    _add_new_commune(path)
    _edit(path, 1, "district,", "kreis,")
    with pytest.raises(SourceFileError, match=r"Zeile 1: Spalten fehlen: district"):
        communes_import(source_dir=source)
    _assert_nothing_imported()


def test_truncated_line_is_reported(source):
    """An incomplete line (fields missing) names its line number."""
    path = source / "luzern_communes_detail.csv"
    _add_new_commune(path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("1234,Kurz,Sursee\n")
    with pytest.raises(SourceFileError, match=r"Zeile 90: falsche Anzahl Felder"):
        communes_import(source_dir=source)
    _assert_nothing_imported()


def test_bad_merger_file_imports_nothing(source):
    """An unreadable merger date stops the import before any commune is written."""
    _add_new_commune(source / "luzern_communes_detail.csv")
    _edit(source / "luzern_mergers_since_2020.csv", 5, "2025-01-01", "1.1.2025")
    with pytest.raises(SourceFileError, match=r"luzern_mergers_since_2020.csv, Zeile 5: Datum"):
        communes_import(source_dir=source)
    _assert_nothing_imported()


def test_command_reports_bad_files_as_command_error(source):
    """The import command fails with a German message and a non-zero status."""
    _edit(source / "luzern_communes_detail.csv", 2, "Doppleschwand", "")
    with pytest.raises(CommandError, match=r"nichts wurde geändert.*Zeile 2: Spalte name ist leer"):
        call_command("import_communes", source=source, verbosity=0)
