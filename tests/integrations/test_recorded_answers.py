"""The adapters' parsers against recorded answers of the registers (no server needed).

The files in ``recorded/`` were captured from the reference registers; ``httpx.MockTransport``
replays them so each parser path runs without a network.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import pytest

from integrations.adapters.resident_register.adapters import IdentifyAdapter, MoveOutAdapter
from integrations.adapters.resident_register.data import IdentifyRequest, MoveOutRequest
from integrations.base import PermanentError, TransientError

RECORDED = Path(__file__).parent / "recorded"
CONFIG = {"url": "http://register.test", "api_key": "k", "sender_id": "3-LU-1", "timeout": 1}


def replaying(adapter_cls, status: int, body: bytes, seen: list | None = None):
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, content=body)

    return adapter_cls(config=CONFIG, transport=httpx.MockTransport(handler))


IDENTIFY = IdentifyRequest(1059, "756.4205.3214.12", date(1970, 1, 1), "Zemp", "David")
MOVE_OUT = MoveOutRequest(
    1061, "Luzern", "7561234567897", "Muster", "Anna", "2", date(1990, 4, 1), date(2026, 6, 30)
)


def test_identify_parses_recorded_person():
    """The recorded register person becomes a Person with dates and address."""
    seen: list[httpx.Request] = []
    adapter = replaying(IdentifyAdapter, 200, (RECORDED / "identify_ok.json").read_bytes(), seen)
    person = adapter.call(IDENTIFY, idempotency_key="k-1")
    assert person.person_id == "1059000000"
    assert person.address.town == "Kriens"
    assert isinstance(person.date_of_birth, date)
    assert seen[0].headers["Idempotency-Key"] == "k-1"
    assert seen[0].headers["Authorization"] == "Bearer k"
    assert b'"vn": "7564205321412"' in seen[0].content or b'"vn":"7564205321412"' in seen[0].content


def test_identify_recorded_not_found():
    adapter = replaying(IdentifyAdapter, 404, (RECORDED / "identify_not_found.json").read_bytes())
    with pytest.raises(PermanentError) as exc:
        adapter.call(IDENTIFY, idempotency_key="k")
    assert exc.value.code == "person_not_found"


def test_identify_incomplete_person_is_transient():
    adapter = replaying(IdentifyAdapter, 200, b'{"person_id": "1"}')
    with pytest.raises(TransientError, match="unvollständige"):
        adapter.call(IDENTIFY, idempotency_key="k")


def test_positive_report_gives_register_message_id():
    """A recorded positive eCH-0058 report yields the register's message id and person id."""
    seen: list[httpx.Request] = []
    adapter = replaying(MoveOutAdapter, 200, (RECORDED / "report_positive.xml").read_bytes(), seen)
    result = adapter.call(MOVE_OUT, idempotency_key="k-2")
    assert result.message_id == "EWR-1061-00000001"
    assert result.person_id == "1061900000"
    assert seen[0].headers["Content-Type"] == "application/xml"
    assert seen[0].content == result.request_xml


def test_negative_report_is_permanent():
    adapter = replaying(MoveOutAdapter, 422, (RECORDED / "report_negative.xml").read_bytes())
    with pytest.raises(PermanentError) as exc:
        adapter.call(MOVE_OUT, idempotency_key="k")
    assert exc.value.code == "already_resident"
    assert exc.value.details["message_id"] == "EWR-1061-00000002"


def test_unreadable_4xx_is_permanent_and_unreadable_200_transient():
    with pytest.raises(PermanentError):
        replaying(MoveOutAdapter, 422, b'{"error": "x"}').call(MOVE_OUT, idempotency_key="k")
    with pytest.raises(TransientError):
        replaying(MoveOutAdapter, 200, b"<eventReport>").call(MOVE_OUT, idempotency_key="k")


def test_same_key_sends_identical_bytes():
    """A retry re-sends the very same message (same id and dates) so the register can replay."""
    seen: list[httpx.Request] = []
    adapter = replaying(MoveOutAdapter, 200, (RECORDED / "report_positive.xml").read_bytes(), seen)
    adapter.call(MOVE_OUT, idempotency_key="same")
    adapter.call(MOVE_OUT, idempotency_key="same")
    adapter.call(MOVE_OUT, idempotency_key="other")
    assert seen[0].content == seen[1].content != seen[2].content
