"""Every field type of the forms engine validates on the server with a German message."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.utils import translation

from catalog.formdefs import build_form_from_definition, cleaned_files, cleaned_to_json

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex(  # a complete 1×1 PNG (the header alone is refused as unreadable)
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415478"
    "9c63606060000000040001f61738550000000049454e44ae426082"
)


def one(ftype: str, language: str = "de", **extra) -> type:
    spec = {"key": "f", "type": ftype, "required": True, "label": {"de": "Feld"}, **extra}
    return build_form_from_definition({"fields": [spec]}, language=language)


def check(ftype, value, *, files=None, language="de", **extra):
    form = one(ftype, language, **extra)(
        data={"f": value} if value is not None else {}, files=files
    )
    valid = form.is_valid()
    return valid, (cleaned_to_json(form).get("f") if valid else form.errors.get("f", []))


@pytest.mark.parametrize(
    ("ftype", "good", "expected", "bad", "message"),
    [
        ("text", " Muster ", "Muster", "", "Bitte füllen Sie dieses Feld aus."),
        ("long_text", "Zeile 1\nZeile 2", "Zeile 1\nZeile 2", "", "Bitte füllen"),
        ("email", "anna@beispiel.ch", "anna@beispiel.ch", "anna@", "gültige E-Mail-Adresse"),
        ("phone", "041 208 51 11", "+41412085111", "12345", "Schweizer Telefonnummer"),
        ("phone", "+41 (0)79 123 45 67", "+41791234567", "+49 30 1234567", "Schweizer"),
        ("phone", "0041 79 123 45 67", "+41791234567", "079 123 45", "Schweizer"),
        ("ahv", "756.9217.0769.85", "756.9217.0769.85", "756.9217.0769.84", "Prüfziffer"),
        ("ahv", "7569217076985", "756.9217.0769.85", "123.4567.8901.23", "13-stellige"),
        (
            "iban",
            "ch93 0076 2011 6238 5295 7",
            "CH9300762011623852957",
            "CH93 0076 2011 6238 5295 8",
            "Prüfziffer",
        ),
        (
            "iban",
            "DE89370400440532013000",
            "DE89370400440532013000",
            "CH93 0076 2011 6238 52",
            "Länge",
        ),
        ("iban", "LI21 0881 0000 2324 013A A", "LI21088100002324013AA", "hallo welt", "IBAN ein"),
        ("date", "31.12.2026", "2026-12-31", "31.02.2026", "gültiges Datum"),
        ("date", "2026-01-15", "2026-01-15", "morgen", "gültiges Datum"),
        ("yes_no", "yes", True, "vielleicht", "«Ja» oder «Nein»"),
        ("yes_no", "no", False, "", "Bitte wählen Sie «Ja» oder «Nein»."),
    ],
)
def test_good_and_bad_input(ftype, good, expected, bad, message):
    """Good input is normalised; bad input gives the field's German message."""
    assert check(ftype, good) == (True, expected)
    valid, errors = check(ftype, bad)
    assert not valid
    assert any(message in str(e) for e in errors), errors


def test_number_limits_and_swiss_writing():
    """Numbers accept 1'250 and decimal commas and respect min/max and decimals."""
    assert check("number", "3", min=1, max=5) == (True, 3)
    assert check("number", "0", min=1, max=5)[1] == ["Bitte geben Sie mindestens 1 ein."]
    assert check("number", "6", min=1, max=5)[1] == ["Bitte geben Sie höchstens 5 ein."]
    assert check("number", "2.5")[1] == ["Bitte geben Sie eine ganze Zahl ein."]
    assert check("number", "1'250,50", decimals=2) == (True, "1250.50")
    assert check("number", "zwei")[1] == ["Bitte geben Sie eine Zahl ein."]
    assert check("number", 4) == (True, 4)


def test_date_limits():
    """``min``/``max`` of a date may be ISO dates or "today"."""
    assert check("date", "01.01.1990", max="today") == (True, "1990-01-01")
    valid, errors = check("date", "01.01.2999", max="today")
    assert not valid and "nicht nach dem" in errors[0]
    valid, errors = check("date", "01.01.2000", min="2020-01-01")
    assert not valid and "nicht vor dem 01.01.2020" in errors[0]


CHOICES = [
    {"value": "a", "label": {"de": "Alpha"}},
    {"value": "b", "label": {"de": "Beta"}},
    {"value": "c", "label": {"de": "Gamma"}},
]


def test_choice_and_multi_choice():
    """Only offered options pass; multi-choice counts are limited."""
    assert check("choice", "b", choices=CHOICES) == (True, "b")
    assert check("choice", "x", choices=CHOICES)[1] == [
        "Bitte wählen Sie eine der angebotenen Optionen: «Alpha» (a), «Beta» (b), «Gamma» (c)."
    ]
    assert check("multi_choice", ["a", "x"], choices=CHOICES)[1] == [
        "Bitte wählen Sie nur angebotene Optionen: «Alpha» (a), «Beta» (b), «Gamma» (c)."
    ]
    with translation.override("en"):
        assert check("choice", "x", choices=CHOICES[:1])[1] == [
            "Please choose one of the options offered: «Alpha» (a)."
        ]
    form = one("multi_choice", choices=CHOICES, max=2)(data={"f": ["a", "c"]})
    assert form.is_valid() and cleaned_to_json(form) == {"f": ["a", "c"]}
    form = one("multi_choice", choices=CHOICES, max=2)(data={"f": ["a", "b", "c"]})
    assert not form.is_valid() and "höchstens 2" in form.errors["f"][0]
    form = one("multi_choice", choices=CHOICES)(data={"f": ["z"]})
    assert not form.is_valid() and "nur angebotene" in form.errors["f"][0]


def address(**parts):
    base = {
        "street": "Schachenstrasse",
        "house_number": "16a",
        "postcode": "6010",
        "town": "Kriens",
    }
    base.update(parts)
    return base


def test_address_from_html_and_json():
    """An address comes as four inputs (HTML) or one object (API) and is returned as a dict."""
    form = one("address")(
        data={
            "f_street": "Schachenstrasse",
            "f_house_number": "16a",
            "f_postcode": "6010",
            "f_town": "Kriens",
        }
    )
    assert form.is_valid(), form.errors
    assert cleaned_to_json(form)["f"] == address()
    form = one("address")(data={"f": address()})
    assert form.is_valid() and cleaned_to_json(form)["f"]["town"] == "Kriens"


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({"postcode": "0999"}, "zwischen 1000 und 9699"),
        ({"postcode": "9700"}, "zwischen 1000 und 9699"),
        ({"postcode": "60100"}, "vierstellige"),
        ({"house_number": "zwölf"}, "Hausnummer"),
        ({"town": ""}, "Ort an"),
        ({"street": ""}, "Strasse an"),
        ({"town": "6010"}, "ohne Ziffern"),
    ],
)
def test_address_errors(parts, message):
    """Each bad part of an address is named in the message."""
    form = one("address")(data={"f": address(**parts)})
    assert not form.is_valid()
    assert any(message in e for e in form.errors["f"]), form.errors


def upload(content: bytes, name: str = "beleg.pdf", ctype: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=ctype)


def test_file_checked_by_content_not_name():
    """A PDF passes; an executable named .pdf is refused; the file is returned separately."""
    form = one("file")(data={}, files={"f": upload(PDF)})
    assert form.is_valid(), form.errors
    assert cleaned_to_json(form)["f"] == {
        "filename": "beleg.pdf",
        "size": len(PDF),
        "content_type": "application/pdf",
    }
    assert cleaned_files(form)["f"].read() == PDF
    fake = one("file")(data={}, files={"f": upload(b"MZ\x90\x00" + b"\x00" * 200)})
    assert not fake.is_valid()
    assert "Dateityp ist nicht erlaubt" in fake.errors["f"][0]
    assert "PDF, JPEG, PNG" in fake.errors["f"][0]


def test_file_type_list_and_size():
    """Only the listed types pass, and a file over the size limit is refused."""
    png_only = one("file", allowed_types=["image/png"], max_size_mb=1)
    assert png_only(data={}, files={"f": upload(PNG, "foto.png", "image/png")}).is_valid()
    assert not png_only(data={}, files={"f": upload(PDF)}).is_valid()
    big = upload(PNG + b"\x00" * (1024 * 1024 + 1), "gross.png", "image/png")
    form = png_only(data={}, files={"f": big})
    assert not form.is_valid() and "zu gross" in form.errors["f"][0]
    form = one("file")(data={}, files={})
    assert not form.is_valid() and form.errors["f"] == ["Bitte laden Sie eine Datei hoch."]


CONDITIONAL = {
    "fields": [
        {"key": "has_dog", "type": "yes_no", "required": True, "label": {"de": "Hund?"}},
        {
            "key": "dog_name",
            "type": "text",
            "required": True,
            "label": {"de": "Name des Hundes"},
            "show_if": {"field": "has_dog", "equals": True},
        },
        {
            "key": "chip",
            "type": "text",
            "label": {"de": "Chipnummer"},
            "show_if": {"field": "dog_name", "equals": "Bello"},
        },
    ]
}


def test_show_if_hidden_field_not_required_and_dropped():
    """A field whose condition is not met is neither required nor kept, even if sent."""
    form_class = build_form_from_definition(CONDITIONAL)
    form = form_class(data={"has_dog": "no", "dog_name": "Rex", "chip": "x" * 500})
    assert form.is_valid(), form.errors
    assert cleaned_to_json(form) == {"has_dog": False}


def test_show_if_shown_field_is_required():
    """A field whose condition is met is required when the definition says so."""
    form_class = build_form_from_definition(CONDITIONAL)
    form = form_class(data={"has_dog": "yes"})
    assert not form.is_valid()
    assert form.errors["dog_name"] == ["Bitte füllen Sie dieses Feld aus."]
    form = form_class(data={"has_dog": "yes", "dog_name": "Bello", "chip": "756"})
    assert form.is_valid() and cleaned_to_json(form) == {
        "has_dog": True,
        "dog_name": "Bello",
        "chip": "756",
    }


def test_rendering_is_accessible():
    """Labels, help and errors are linked; grouped inputs sit in a fieldset with a legend."""
    definition = {
        "fields": [
            {
                "key": "name",
                "type": "text",
                "required": True,
                "label": {"de": "Name"},
                "help": {"de": "Wie im Pass"},
            },
            {"key": "adr", "type": "address", "required": True, "label": {"de": "Adresse"}},
            {"key": "ok", "type": "yes_no", "label": {"de": "Einverstanden"}},
        ]
    }
    form = build_form_from_definition(definition)(data={"name": "", "adr_postcode": "12"})
    assert not form.is_valid()
    html = render_to_string("catalog/form_fields.html", {"form": form})
    assert '<label for="id_name">Name' in html
    assert 'aria-describedby="id_name-help id_name-error"' in html
    assert 'id="id_name-error"' in html and 'aria-invalid="true"' in html
    assert "<legend>Adresse" in html and '<label for="id_adr_0">Strasse</label>' in html
    assert 'class="error-summary"' in html and 'href="#id_adr-group"' in html
    assert "(Pflichtfeld)" in html and "(freiwillig)" in html


def test_english_labels():
    """Labels follow the requested language and fall back to German."""
    definition = {
        "fields": [
            {"key": "a", "type": "text", "label": {"de": "Name", "en": "Name EN"}},
            {"key": "b", "type": "text", "label": {"de": "Nur Deutsch"}},
        ]
    }
    form = build_form_from_definition(definition, language="en")()
    assert form.fields["a"].label == "Name EN" and form.fields["b"].label == "Nur Deutsch"


def test_every_seeded_form_builds_and_renders(seeded):
    """Each seeded service's form builds, renders and reports its required fields."""
    from catalog.formdefs import build_form
    from catalog.models import ServiceVersion

    for version in ServiceVersion.objects.filter(status="published"):
        for language in ("de", "en"):
            form = build_form(version, language=language)(data={})
            html = render_to_string("catalog/form_fields.html", {"form": form})
            required = [
                f
                for f in version.form_definition["fields"]
                if f.get("required") and "show_if" not in f
            ]
            assert form.is_valid() is (not required), version
            assert all(
                f'data-field="{f["key"]}"' in html for f in version.form_definition["fields"]
            )


def test_wohnsitzbestaetigung_order_data(seeded):
    """A valid order of the Wohnsitzbestätigung gives plain JSON for the case."""
    from catalog.formdefs import build_form, data_for_display
    from catalog.models import ServiceVersion

    version = ServiceVersion.objects.get(service__key="wohnsitzbestaetigung", status="published")
    form = build_form(version)(data={"purpose": "bank", "delivery": "pdf"})
    assert form.is_valid(), form.errors
    data = cleaned_to_json(form)
    assert data == {"purpose": "bank", "delivery": "pdf"}
    rows = data_for_display(version.form_definition, data)
    assert rows[0] == {
        "key": "purpose",
        "label": "Wofür brauchen Sie die Bestätigung?",
        "value": "Bank / Versicherung",
    }


def test_messages_in_english():
    """With English active, the field messages are English."""
    from django.utils import translation

    with translation.override("en"):
        valid, errors = check("ahv", "756.9217.0769.84")
        assert not valid and "check digit" in str(errors[0])


def test_prefill_gives_initial_values_from_the_profile():
    """``prefill`` fields start with the profile's value; a choice only with one of its
    options, fields without ``prefill`` never."""
    choices = [{"value": "m", "label": {"de": "Rüde"}}, {"value": "f", "label": {"de": "Hündin"}}]
    form_class = build_form_from_definition(
        {
            "fields": [
                {"key": "town", "type": "text", "label": {"de": "Ort"}, "prefill": "town"},
                {"key": "dog", "type": "choice", "label": {"de": "G"}, "choices": choices},
                {
                    "key": "sex",
                    "type": "choice",
                    "label": {"de": "Geschlecht"},
                    "choices": choices,
                    "prefill": "sex",
                },
            ]
        }
    )
    assert form_class.initial_from({"town": "Kriens", "sex": "1"}) == {"town": "Kriens"}
    assert form_class.initial_from({"town": "", "sex": "f"}) == {"sex": "f"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("LU 123456", "LU 123456"),
        ("lu123456", "LU 123456"),
        ("ZH-1", "ZH 1"),
        ("be 12 345", "BE 12345"),
    ],
)
def test_swiss_plate_is_normalised(value, expected):
    """A Swiss number plate is stored as canton code, space, number."""
    assert check("plate", value) == (True, expected)


@pytest.mark.parametrize("value", ["XX", "XX 123", "LU", "LU 0123", "LU 1234567", "123456", "L 1"])
def test_bad_swiss_plate_is_refused_in_german_and_english(value):
    """Not a canton code with 1–6 digits: refused with the example, in German and English."""
    valid, errors = check("plate", value)
    assert not valid and "Kontrollschild" in errors[0] and "LU 123456" in errors[0]
    with translation.override("en"):
        valid, errors = check("plate", value, language="en")
        assert not valid and "Swiss number plate" in errors[0]


@pytest.mark.parametrize(
    ("ftype", "extra", "german", "english"),
    [
        ("yes_no", {}, "Bitte wählen Sie «Ja» oder «Nein».", "Please choose"),
        (
            "choice",
            {"choices": [{"value": "a", "label": {"de": "A"}}]},
            "Bitte wählen Sie eine",
            "Please choose one",
        ),
        ("file", {}, "Bitte laden Sie eine Datei hoch.", "Please upload a file."),
        ("text", {}, "Bitte füllen Sie dieses Feld aus.", "Please fill in this field."),
    ],
)
def test_missing_answer_message_fits_the_field_type(ftype, extra, german, english):
    """An empty required field says what to do for its kind: choose, upload or fill in."""
    valid, errors = check(ftype, None, **extra)
    assert not valid and errors[0].startswith(german)
    with translation.override("en"):
        valid, errors = check(ftype, None, language="en", **extra)
        assert not valid and errors[0].startswith(english)


def test_good_upload_beside_a_failing_field_asks_to_choose_it_again():
    """When another field fails, the page names the accepted file and asks to choose it again
    (a browser cannot keep it); a file that failed itself or a valid submit shows no such note."""
    definition = {
        "fields": [
            {"key": "name", "type": "text", "required": True, "label": {"de": "Name"}},
            {"key": "beleg", "type": "file", "required": True, "label": {"de": "Beleg"}},
        ]
    }
    form_class = build_form_from_definition(definition)
    form = form_class(data={"name": ""}, files={"beleg": upload(PDF, "mietvertrag.pdf")})
    assert not form.is_valid()
    html = render_to_string("catalog/form_fields.html", {"form": form})
    assert "Die Datei «mietvertrag.pdf» ist in Ordnung" in html and "erneut aus" in html

    form = form_class(data={"name": ""}, files={"beleg": upload(b"kein pdf", "x.pdf")})
    assert not form.is_valid() and form.errors["beleg"]
    assert "erneut aus" not in render_to_string("catalog/form_fields.html", {"form": form})

    form = form_class(data={"name": "Anna"}, files={"beleg": upload(PDF, "mietvertrag.pdf")})
    assert form.is_valid()
    assert "erneut aus" not in render_to_string("catalog/form_fields.html", {"form": form})
