"""Catalogue search forgives inflection, umlauts and typos (German full text + trigrams)."""

import pytest

from catalog.selectors import service_search


def keys(q: str, **filters) -> list[str]:
    return [v.service.key for v in service_search(q=q, **filters)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hunde", "hund-anmelden"),
        ("Hund anmelden", "hund-anmelden"),
        ("wohnsitzbestätigung", "wohnsitzbestaetigung"),
        ("wohnsitzbestatigung", "wohnsitzbestaetigung"),
        ("Wohnsitzbestätigng", "wohnsitzbestaetigung"),
        ("geburtsschein", "zivilstandsurkunde"),
        ("baubewilligung", "baugesuch"),
    ],
)
def test_search_finds_first(seeded, query, expected):
    """The expected service is the best match."""
    assert keys(query)[0] == expected


@pytest.mark.parametrize("query", ["zügeln", "umzug", "Umzüge"])
def test_move_services_found(seeded, query):
    """Both "zügeln" and "umzug" find all three move services first."""
    assert set(keys(query)[:3]) == {"umzug-zuzug", "umzug-wegzug", "umzug-innerhalb"}


def test_search_filters_and_nonsense(seeded):
    """Filters narrow the results; nonsense finds nothing."""
    assert keys("ausweis", level="bund")
    assert all(
        k in {"identitaetskarte", "reisepass", "strafregisterauszug", "ahv-zweigstelle-anmeldung"}
        for k in keys("ausweis", level="bund")
    )
    assert keys("xqzvw") == []
