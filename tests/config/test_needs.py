"""bin/test on a bare machine: tests whose RabbitMQ, rabbitmqctl or Chromium is missing are
skipped with the reason and listed at the end, or fail on CI (tests/needs.py). The probes are
fakes or sockets of this test."""

from __future__ import annotations

import socket

import pytest

from tests import needs


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Marker:
    def __init__(self, *args):
        self.args = args


class Item:
    def __init__(self, nodeid, *, markers=(), needs_args=(), fixtures=()):
        self.nodeid, self.markers, self.needs_args, self.fixturenames = (
            nodeid, set(markers), needs_args, list(fixtures)
        )  # fmt: skip

    def get_closest_marker(self, name):
        return Marker() if name in self.markers else None

    def iter_markers(self, name):
        return [Marker(*self.needs_args)] if name == "needs" and self.needs_args else []


def test_needs_come_from_the_integration_marker_the_needs_marker_and_fixtures():
    assert needs.needs_of(Item("tests/catalog/test_x.py::t")) == []
    assert needs.needs_of(Item("tests/machine/test_harness.py::t", markers={"integration"})) == ["rabbitmq"]  # fmt: skip
    assert needs.needs_of(
        Item("tests/machine/test_process_machine.py::t", markers={"integration"}, fixtures=["machine", "harness"])
    ) == ["rabbitmq", "rabbitmqctl"]  # fmt: skip
    assert needs.needs_of(Item("tests/tenants/t.py::t", needs_args=("rabbitmq",))) == ["rabbitmq"]
    assert needs.needs_of(Item("tests/e2e/t.py::t", fixtures=["browser_page", "chromium"])) == ["chromium"]  # fmt: skip
    with pytest.raises(pytest.UsageError, match="unbekannte needs"):
        needs.needs_of(Item("tests/x.py::t", needs_args=("kafka",)))


def test_missing_things_skip_outside_ci_and_fail_on_ci():
    probes = {"rabbitmq": "kein RabbitMQ auf 127.0.0.1:5672", "rabbitmqctl": None, "chromium": None}
    reason = needs.missing_reason(["rabbitmqctl", "rabbitmq"], probes.get)
    assert reason == "kein RabbitMQ auf 127.0.0.1:5672"
    assert needs.decide(reason, ci=False) == "skip"
    assert needs.decide(reason, ci=True) == "fail"
    assert needs.decide(needs.missing_reason(["chromium"], probes.get), ci=True) == "run"
    assert needs.decide(needs.missing_reason([], probes.get), ci=False) == "run"


@pytest.mark.parametrize(
    ("value", "ci"), [("true", True), ("1", True), ("TRUE", True), ("", False), ("false", False)]
)
def test_ci_is_recognised_as_dot_ci_run_sets_it(value, ci):
    assert needs.on_ci({"CI": value}) is ci
    assert needs.on_ci({}) is False


def test_probes_say_what_is_missing_where(tmp_path):
    port = _free_port()
    probes = needs.default_probes(
        {"TEST_BROKER_URL": f"amqp://guest:guest@127.0.0.1:{port}/", "CHROMIUM_PATH": str(tmp_path / "chromium")}
    )  # fmt: skip
    assert probes["rabbitmq"]() == f"kein RabbitMQ auf 127.0.0.1:{port}"
    assert probes["chromium"]() == f"kein Chromium unter {tmp_path / 'chromium'}"
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"amqp://guest:guest@127.0.0.1:{listener.getsockname()[1]}/"
        assert needs.rabbitmq_missing(url) is None
    (tmp_path / "chromium").touch()
    assert probes["chromium"]() is None


def test_the_summary_names_the_tests_that_did_not_run_and_why():
    rabbit = needs.skip_reason("kein RabbitMQ auf 127.0.0.1:5672")
    skipped = [
        ("tests/machine/test_harness.py::a", rabbit),
        ("tests/machine/test_harness.py::b", rabbit),
        ("tests/tenants/test_health_and_logs.py::c", rabbit),
        ("tests/e2e/test_x.py::d[1]", needs.skip_reason("kein Chromium unter /usr/bin/chromium")),
        ("tests/other.py::e", "some other reason"),  # skipped for its own reasons: not listed
    ]
    assert needs.summary_lines(skipped) == [
        "Nicht ausgeführt (kein Chromium unter /usr/bin/chromium): 1 Test – tests/e2e/test_x.py (1)",
        "Nicht ausgeführt (kein RabbitMQ auf 127.0.0.1:5672): 3 Tests – "
        "tests/machine/test_harness.py (2), tests/tenants/test_health_and_logs.py (1)",
    ]
