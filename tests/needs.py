"""What some tests need besides PostgreSQL, and what happens on a machine without it.

- ``rabbitmq``: a RabbitMQ at ``TEST_BROKER_URL`` (default 127.0.0.1:5672). Every test in
  ``tests/machine`` (marker ``integration``) and every test marked ``@pytest.mark.needs("rabbitmq")``.
- ``rabbitmqctl``: the machine harness creates its own vhost with it (tests using ``machine``).
- ``chromium``: the browser tests (``tests/e2e``, tests using the ``chromium`` fixture), at
  ``CHROMIUM_PATH`` (default ``/usr/bin/chromium``).

Outside CI a missing one skips those tests with the reason, and the end of the pytest output
says which tests did not run and why ("Nicht ausgeführt (kein RabbitMQ auf 127.0.0.1:5672): 9
Tests …"). On CI (``CI=true``, as ``.ci/run`` sets it) nothing is skipped: those tests fail with
the reason. Each probe runs once per session, and only when a collected test needs it.

``tests/conftest.py`` imports the hooks below.
"""

from __future__ import annotations

import collections
import os
import shutil
from collections.abc import Callable, Iterable
from urllib.parse import urlparse

import pytest

from config.broker import reachable

NEEDS = ("rabbitmq", "rabbitmqctl", "chromium")
DEFAULT_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
SKIPPED_PREFIX = "Nicht ausgeführt"

_reasons_key = pytest.StashKey[dict]()  # need → reason it is missing (None: present)
_failed_key = pytest.StashKey[list]()  # (nodeid, reason) failed on CI for a missing need
_item_reason_key = pytest.StashKey[str]()


def on_ci(environ: dict | None = None) -> bool:
    value = (os.environ if environ is None else environ).get("CI", "")
    return value.strip().lower() in {"1", "true", "yes", "on"}


def rabbitmq_missing(url: str) -> str | None:
    parts = urlparse(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5672
    return None if reachable(host, port) else f"kein RabbitMQ auf {host}:{port}"


def rabbitmqctl_missing() -> str | None:
    return None if shutil.which("rabbitmqctl") else "kein rabbitmqctl im PATH"


def chromium_missing(path: str) -> str | None:
    return None if os.path.exists(path) else f"kein Chromium unter {path}"


def default_probes(environ: dict | None = None) -> dict[str, Callable[[], str | None]]:
    env = os.environ if environ is None else environ
    return {
        "rabbitmq": lambda: rabbitmq_missing(env.get("TEST_BROKER_URL") or DEFAULT_BROKER_URL),
        "rabbitmqctl": rabbitmqctl_missing,
        "chromium": lambda: chromium_missing(env.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM),
    }


def needs_of(item) -> list[str]:
    """The needs of a collected test, in the order they are checked."""
    needs = []
    if item.get_closest_marker("integration"):
        needs.append("rabbitmq")
    for marker in item.iter_markers("needs"):
        needs.extend(marker.args)
    fixtures = getattr(item, "fixturenames", ())
    if "machine" in fixtures:
        needs.extend(["rabbitmq", "rabbitmqctl"])
    if "chromium" in fixtures:
        needs.append("chromium")
    unknown = set(needs) - set(NEEDS)
    if unknown:
        raise pytest.UsageError(f"{item.nodeid}: unbekannte needs {sorted(unknown)}")
    return list(dict.fromkeys(needs))


def missing_reason(needs: Iterable[str], probe: Callable[[str], str | None]) -> str | None:
    """The reason of the first missing need, or None when everything is there."""
    for need in needs:
        reason = probe(need)
        if reason:
            return reason
    return None


def decide(reason: str | None, *, ci: bool) -> str:
    """Run when nothing is missing; else "fail" on CI and "skip" elsewhere."""
    if reason is None:
        return "run"
    return "fail" if ci else "skip"


def skip_reason(reason: str) -> str:
    return f"{SKIPPED_PREFIX} ({reason})"


def summary_lines(skipped: Iterable[tuple[str, str]], *, prefix: str = SKIPPED_PREFIX) -> list[str]:
    """One line per reason: how many tests did not run and in which files. ``skipped`` holds
    (nodeid, skip message) pairs; messages not made by this module are ignored."""
    by_reason: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for nodeid, message in skipped:
        if message.startswith(f"{prefix} ("):
            by_reason[message][nodeid.split("::")[0]] += 1
    lines = []
    for message, files in sorted(by_reason.items()):
        total = sum(files.values())
        where = ", ".join(f"{path} ({n})" for path, n in sorted(files.items()))
        lines.append(f"{message}: {total} Test{'s' if total != 1 else ''} – {where}")
    return lines


def _probe(config) -> Callable[[str], str | None]:
    reasons = config.stash.setdefault(_reasons_key, {})
    probes = default_probes()

    def probe(need: str) -> str | None:
        if need not in reasons:
            reasons[need] = probes[need]()
        return reasons[need]

    return probe


# --- hooks (imported by tests/conftest.py) -------------------------------------------------------
@pytest.hookimpl(trylast=True)  # after tests/machine's conftest added the integration marker
def pytest_collection_modifyitems(config, items):
    probe = _probe(config)
    ci = on_ci()
    for item in items:
        reason = missing_reason(needs_of(item), probe)
        action = decide(reason, ci=ci)
        if action == "skip":
            item.add_marker(pytest.mark.skip(reason=skip_reason(reason)))
        elif action == "fail":
            item.stash[_item_reason_key] = reason


@pytest.hookimpl(tryfirst=True)  # before the fixtures (which would start or skip on their own)
def pytest_runtest_setup(item):
    reason = item.stash.get(_item_reason_key, None)
    if reason:
        item.config.stash.setdefault(_failed_key, []).append((item.nodeid, reason))
        pytest.fail(f"CI=true: {reason}; auf CI wird nichts übersprungen.", pytrace=False)


def _skip_message(report) -> str:
    longrepr = report.longrepr
    message = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else ""
    return message.removeprefix("Skipped: ")


def pytest_terminal_summary(terminalreporter, config):
    skipped = [(r.nodeid, _skip_message(r)) for r in terminalreporter.stats.get("skipped", [])]
    lines = summary_lines(skipped)
    failed = config.stash.get(_failed_key, [])
    lines += summary_lines(
        [(nodeid, f"Auf CI gescheitert ({reason})") for nodeid, reason in failed],
        prefix="Auf CI gescheitert",
    )
    if lines:
        terminalreporter.section("Umgebung", sep="-", bold=True)
        for line in lines:
            terminalreporter.write_line(line, yellow=not failed, red=bool(failed))
