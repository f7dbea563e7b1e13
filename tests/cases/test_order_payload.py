"""The order's payload and answer without building DRF serializers: the same values and
messages as ``CaseCreateSerializer`` / ``CaseCreatedSerializer`` (which document them)."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.exceptions import ValidationError

from cases.models import Case, CaseStatus
from cases.serializers import (
    CaseCreatedSerializer,
    CaseCreateSerializer,
    case_created_data,
    order_payload,
)

VALID = [
    {"service": "parkkarte", "data": {"reason": "x", "copies": 2, "nested": {"a": [1, None]}}},
    {"service": "wohnsitz-bestaetigung_2"},
    {"service": "parkkarte", "data": {}},
    {"service": " parkkarte ", "data": {"a": 1}},  # trimmed by the serializer
    {"service": 12, "data": {}},  # a number becomes the text "12"
]
INVALID = [
    {},
    {"service": ""},
    {"service": None},
    {"service": "park karte"},
    {"service": "pärkkarte"},
    {"service": "parkkarte", "data": [1, 2]},
    {"service": "parkkarte", "data": "text"},
    {"service": "parkkarte", "data": None},
    [],
    "parkkarte",
]


def _serializer(body):
    serializer = CaseCreateSerializer(data=body)
    valid = serializer.is_valid()
    return valid, (serializer.validated_data if valid else serializer.errors)


@pytest.mark.parametrize("body", VALID)
def test_valid_orders_give_what_the_serializer_gives(body):
    valid, expected = _serializer(body)
    assert valid
    assert order_payload(body) == dict(expected)


@pytest.mark.parametrize("body", INVALID)
def test_invalid_orders_get_the_serializers_messages(body):
    valid, expected = _serializer(body)
    assert not valid
    with pytest.raises(ValidationError) as raised:
        order_payload(body)
    assert raised.value.detail == expected


def test_invalid_order_messages_are_german():
    with pytest.raises(ValidationError) as raised:
        order_payload({"data": {}})
    assert raised.value.detail == {"service": ["Dieses Feld ist zwingend erforderlich."]}


def test_the_answer_is_the_documented_one():
    case = Case(id=uuid.uuid4(), reference="KRI-2026-000042", status=CaseStatus.SUBMITTED)
    assert case_created_data(case) == dict(CaseCreatedSerializer(case).data)
    assert case_created_data(case)["status"] == "submitted"
