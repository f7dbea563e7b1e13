"""validate_definition refuses broken form definitions with clear German messages."""

import pytest
from django.core.exceptions import ValidationError

from catalog.formdefs import validate_definition


def field(**extra):
    return {"key": "name", "type": "text", "label": {"de": "Name"}, **extra}


def messages(definition) -> list[str]:
    with pytest.raises(ValidationError) as info:
        validate_definition(definition)
    return info.value.messages


def test_valid_definition_passes():
    """A definition using every type passes."""
    choices = [{"value": "a", "label": {"de": "A"}}]
    validate_definition(
        {
            "fields": [
                field(required=True, max_length=80),
                {"key": "t2", "type": "long_text", "label": {"de": "T"}},
                {"key": "n", "type": "number", "label": {"de": "N"}, "min": 0, "max": 5},
                {"key": "d", "type": "date", "label": {"de": "D"}, "max": "today"},
                {"key": "c", "type": "choice", "label": {"de": "C"}, "choices": choices},
                {"key": "m", "type": "multi_choice", "label": {"de": "M"}, "choices": choices},
                {"key": "y", "type": "yes_no", "label": {"de": "Y"}},
                {"key": "e", "type": "email", "label": {"de": "E"}},
                {"key": "p", "type": "phone", "label": {"de": "P"}},
                {"key": "a", "type": "ahv", "label": {"de": "A"}},
                {"key": "i", "type": "iban", "label": {"de": "I"}},
                {"key": "ad", "type": "address", "label": {"de": "Ad"}},
                {
                    "key": "f",
                    "type": "file",
                    "label": {"de": "F"},
                    "max_size_mb": 5,
                    "allowed_types": ["application/pdf"],
                    "show_if": {"field": "y", "equals": True},
                },
            ]
        }
    )
    validate_definition({"fields": []})


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        ({"fields": [field(type="colour")]}, "Unbekannter Feldtyp «colour»"),
        ({"fields": [field(), field()]}, "Der Schlüssel «name» kommt mehrfach vor."),
        ({"fields": [field(type="choice")]}, "mindestens eine Option"),
        ({"fields": [field(type="choice", choices=[])]}, "mindestens eine Option"),
        (
            {
                "fields": [
                    field(show_if={"field": "later", "equals": True}),
                    {"key": "later", "type": "yes_no", "label": {"de": "L"}},
                ]
            },
            "nur auf frühere Felder",
        ),
        ({"fields": [field(show_if={"field": "nope", "equals": 1})]}, "«nope»"),
        ({"fields": [field(type="number", min=10, max=1)]}, "«min» (10) ist grösser als «max» (1)"),
        ({"fields": [field(type="number", min="zehn")]}, "«min» muss eine Zahl sein"),
        ({"fields": [field(max_length=0)]}, "«max_length» muss eine positive ganze Zahl"),
        ({"fields": [field(type="file", max_size_mb=500)]}, "«max_size_mb»"),
        (
            {"fields": [field(type="file", allowed_types=["text/html"])]},
            "Nicht unterstützte Dateitypen",
        ),
        ({"fields": [field(label={"en": "Name"})]}, "deutschen Text"),
        ({"fields": [field(key="Bad Key")]}, "Schlüssel fehlt oder ist ungültig"),
        ({"fields": [field(colour="red")]}, "Unbekannte Angabe(n) für den Typ text: colour"),
        ({"fields": [field(type="date", max="gestern")]}, "«today»"),
        ({"fields": [field(required="ja")]}, "«required» muss true oder false"),
        ({"fields": "nope"}, "«fields» muss eine Liste"),
        ({"fields": [field(prefill="shoe_size")]}, "«prefill» muss eine Angabe aus dem Profil"),
    ],
)
def test_invalid_definitions(definition, expected):
    """Each broken definition is refused with a message naming the problem."""
    assert any(expected in m for m in messages(definition)), messages(definition)


def test_show_if_value_must_fit_target():
    """A condition on a yes/no field needs a bool, on a choice one of its values."""
    yes_no = {"key": "y", "type": "yes_no", "label": {"de": "Y"}}
    assert (
        "true oder false"
        in messages({"fields": [yes_no, field(show_if={"field": "y", "equals": "ja"})]})[0]
    )
    choice = {
        "key": "c",
        "type": "choice",
        "label": {"de": "C"},
        "choices": [{"value": "a", "label": {"de": "A"}}],
    }
    assert (
        "keine Option"
        in messages({"fields": [choice, field(show_if={"field": "c", "equals": "b"})]})[0]
    )


def test_all_problems_reported_at_once():
    """Every problem is listed, each naming its field."""
    result = messages(
        {"fields": [field(type="colour"), {"key": "x", "type": "choice", "label": {"de": "X"}}]}
    )
    assert len(result) == 2
    assert result[0].startswith("Feld 1 (name)") and result[1].startswith("Feld 2 (x)")
