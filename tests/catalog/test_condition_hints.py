"""The hint of a conditional field, read where JavaScript does not hide it."""

from django.utils import translation

from catalog.formdefs import build_form_from_definition

DEFINITION = {
    "fields": [
        {
            "key": "neutered",
            "type": "yes_no",
            "required": True,
            "label": {"de": "Hund kastriert?", "en": "Dog neutered?"},
        },
        {
            "key": "certificate",
            "type": "text",
            "required": True,
            "label": {"de": "Bestätigung der Tierärztin", "en": "Vet's confirmation"},
            "help": {"de": "Name der Praxis.", "en": "Name of the practice."},
            "show_if": {"field": "neutered", "equals": True},
        },
        {
            "key": "kind",
            "type": "choice",
            "required": True,
            "label": {"de": "Art", "en": "Kind"},
            "choices": [{"value": "a", "label": {"de": "Anderes", "en": "Other"}}],
        },
        {
            "key": "what",
            "type": "text",
            "required": True,
            "label": {"de": "Was?", "en": "What?"},
            "show_if": {"field": "kind", "equals": "a"},
        },
        {
            "key": "extras",
            "type": "multi_choice",
            "required": False,
            "label": {"de": "Zusätze", "en": "Extras"},
            "choices": [{"value": "x", "label": {"de": "Marke", "en": "Tag"}}],
        },
        {
            "key": "tag",
            "type": "text",
            "required": True,
            "label": {"de": "Marke", "en": "Tag"},
            "show_if": {"field": "extras", "equals": "x"},
        },
        {
            "key": "count",
            "type": "number",
            "required": True,
            "label": {"de": "Anzahl", "en": "Count"},
        },
        {
            "key": "names",
            "type": "text",
            "required": True,
            "label": {"de": "Namen", "en": "Names"},
            "show_if": {"field": "count", "equals": 2},
        },
    ]
}


def _hints(language: str) -> dict[str, str]:
    with translation.override(language):
        form = build_form_from_definition(DEFINITION, language=language)()
        return {name: form[name].full_help for name in ("certificate", "what", "tag", "names")}


def test_hints_read_as_sentences_in_german():
    """Worded after what the visitor did in the field it depends on; the hint comes first."""
    hints = _hints("de")
    assert hints["certificate"] == (
        "Nur ausfüllen, wenn Sie bei «Hund kastriert?» «Ja» gewählt haben. Name der Praxis."
    )
    assert hints["what"] == "Nur ausfüllen, wenn Sie bei «Art» «Anderes» gewählt haben."
    assert hints["tag"] == "Nur ausfüllen, wenn Sie bei «Zusätze» «Marke» angekreuzt haben."
    assert hints["names"] == "Nur ausfüllen, wenn bei «Anzahl» «2» steht."


def test_hints_in_english():
    """The same hints in English, with the English labels."""
    hints = _hints("en")
    assert hints["certificate"] == (
        "Only fill in if you chose «Yes» for «Dog neutered?». Name of the practice."
    )
    assert hints["tag"] == "Only fill in if you ticked «Tag» for «Extras»."
    assert hints["names"] == "Only fill in if «Count» is «2»."
