"""The vendored eCH XSDs, compiled once per process (about 0.3 s) and reused.

eCH-0020 v1 (the version of the sample deliveries) imports its dependencies by their ech.ch
URLs; the ``locations`` map points every namespace at the vendored file, so nothing is fetched.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path

import xmlschema

XSD_DIR = Path(__file__).resolve().parent.parent / "reference" / "xsd"

NS_0020 = "http://www.ech.ch/xmlns/eCH-0020/1"
NS_0058_V1 = "http://www.ech.ch/xmlns/eCH-0058/1"
NS_0058_V3 = "http://www.ech.ch/xmlns/eCH-0058/3"
NS_0044 = "http://www.ech.ch/xmlns/eCH-0044/1"
NS_0011 = "http://www.ech.ch/xmlns/eCH-0011/3"
NS_0010 = "http://www.ech.ch/xmlns/eCH-0010/3"
NS_0008 = "http://www.ech.ch/xmlns/eCH-0008/2"
NS_0007 = "http://www.ech.ch/xmlns/eCH-0007/3"
NS_0006 = "http://www.ech.ch/xmlns/eCH-0006/2"
NS_0021 = "http://www.ech.ch/xmlns/eCH-0021/2"

_LOCATIONS = [
    (NS_0006, "eCH-0006-2-0.xsd"),
    (NS_0007, "eCH-0007-3-0.xsd"),
    (NS_0008, "eCH-0008-2-0.xsd"),
    (NS_0010, "eCH-0010-3-1.xsd"),
    (NS_0011, "eCH-0011-3-0.xsd"),
    (NS_0021, "eCH-0021-2-1.xsd"),
    (NS_0044, "eCH-0044-1-1.xsd"),
    (NS_0058_V1, "eCH-0058-1-0.xsd"),
]
_lock = threading.Lock()


class SchemaValidationError(ValueError):
    """The XML does not conform to its eCH schema; ``errors`` lists the reasons."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors[:3]))
        self.errors = errors


@functools.cache
def _delivery_schema() -> xmlschema.XMLSchema10:
    with _lock:
        return xmlschema.XMLSchema10(
            str(XSD_DIR / "eCH-0020-1-0.xsd"),
            locations=[(ns, str(XSD_DIR / name)) for ns, name in _LOCATIONS],
            allow="local",
        )


@functools.cache
def _report_schema() -> xmlschema.XMLSchema10:
    with _lock:
        return xmlschema.XMLSchema10(str(XSD_DIR / "eCH-0058-3-0.xsd"), allow="local")


def preload() -> None:
    """Compile the schemas now (servers call this before accepting requests)."""
    _delivery_schema()
    _report_schema()


def _validate(schema: xmlschema.XMLSchema10, xml) -> None:
    try:
        errors = [f"{e.path}: {e.reason}" for e in schema.iter_errors(xml)]
    except xmlschema.XMLSchemaException as exc:  # not XML at all
        raise SchemaValidationError([str(exc).splitlines()[0]]) from exc
    except Exception as exc:  # lxml / ElementTree parse errors
        raise SchemaValidationError([f"kein gültiges XML: {exc}"]) from exc
    if errors:
        raise SchemaValidationError(errors)


def validate_delivery(xml) -> None:
    """Raise ``SchemaValidationError`` unless ``xml`` is a valid eCH-0020 v1 delivery.

    ``xml``: an lxml/ElementTree element, a path, or an XML string.
    """
    _validate(_delivery_schema(), xml)


def validate_report(xml) -> None:
    """Raise ``SchemaValidationError`` unless ``xml`` is a valid eCH-0058 v3 eventReport."""
    _validate(_report_schema(), xml)
