"""Commune lists follow German alphabetical order (umlauts with their base letter)."""

import pytest

from tenants.selectors import commune_list, german_sort_key

pytestmark = pytest.mark.django_db


def test_commune_list_sorts_umlauts_with_their_base_letter(db):
    """Büron comes after Buchrain and before Buttisholz, not after all "Bu…" communes."""
    names = [c.name for c in commune_list(include_merged=False)]
    assert names.index("Buchrain") < names.index("Büron") < names.index("Buttisholz")


def test_python_sort_key_matches():
    """The Python key gives the same order for lists sorted outside the database."""
    assert sorted(["Buttisholz", "Büron", "Buchrain"], key=german_sort_key) == [
        "Buchrain",
        "Büron",
        "Buttisholz",
    ]


def test_public_home_lists_communes_in_german_order(public_client):
    """The commune finder on the public host shows Büron before Buttisholz."""
    html = public_client.get("/").content.decode()
    assert html.index(">Büron<") < html.index(">Buttisholz<")
