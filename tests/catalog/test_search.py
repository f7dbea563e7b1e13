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


@pytest.mark.parametrize(
    ("english", "german"),
    [("moving", "umzug"), ("move", "umzug"), ("dog", "hund"), ("building permit", "baugesuch")],
)
def test_english_query_finds_what_the_german_one_finds(seeded, english, german):
    """An English query finds the services its German counterpart finds, best ones first."""
    found_en = keys(english)
    assert found_en, english
    assert set(keys(german)[:3]) <= set(found_en)


def test_moving_finds_the_three_move_services_first(seeded):
    """ "moving" finds all three move services, ahead of any other."""
    assert set(keys("moving")[:3]) == {"umzug-zuzug", "umzug-wegzug", "umzug-innerhalb"}
