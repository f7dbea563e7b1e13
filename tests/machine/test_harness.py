"""The harness's own building blocks: the stoppable broker proxy and the harness service."""

from __future__ import annotations

import contextlib
import socket

import pytest

from catalog.offers.models import Stage
from integrations.reference import demo_person
from tests.cases.factories import offer, service_with_steps
from tests.factories import UserFactory
from tests.identity import verified_login

from .harness import TcpProxy
from .services import spec_form, spec_steps

AMQP_HEADER = b"AMQP\x00\x00\x09\x01"


def _amqp_greeting(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(AMQP_HEADER)
        return s.recv(7)


def test_proxy_stop_cuts_connections_and_start_reopens_the_same_port():
    """stop() closes open connections and refuses new ones; start() listens on the same port."""
    proxy = TcpProxy().start()
    try:
        port = proxy.port
        assert _amqp_greeting(port)[:1] == b"\x01"  # RabbitMQ's Connection.Start frame
        held = socket.create_connection(("127.0.0.1", port), timeout=5)
        proxy.stop()
        with contextlib.suppress(ConnectionResetError):  # cut: reset or closed
            assert held.recv(1) == b""
        held.close()
        with pytest.raises(OSError):
            _amqp_greeting(port)
        proxy.start()
        assert proxy.port == port
        assert _amqp_greeting(port)[:1] == b"\x01"
    finally:
        proxy.stop()


@pytest.mark.django_db
def test_harness_services_use_the_wired_step_handlers(kriens, in_commune):
    """The harness's Wohnsitzbestätigung publishes with the seeded steps, each of which has a
    registered step handler; an order creates the steps pending."""
    from cases import handlers
    from cases.services import case_submit

    steps = spec_steps("wohnsitzbestaetigung")
    assert [s["adapter"] for s in steps] == [
        "resident_register.identify",
        "documents.residence_certificate",
        "billing.qr_invoice",
    ]
    assert all(handlers.handler_get(s["adapter"]) for s in steps)
    assert all(
        handlers.handler_get(s["adapter"]) for s in spec_steps("hund-anmelden", automated_only=True)
    )
    version = service_with_steps(
        key="machine-check", steps=steps, form_definition=spec_form("wohnsitzbestaetigung")
    )
    with in_commune(kriens):
        offer(version, stage=Stage.AUTOMATED)
        resident = UserFactory()
        verified_login(resident, demo_person(kriens.bfs_number))
        case = case_submit(user=resident, service_key="machine-check", data={"delivery": "pdf"})
        assert set(case.steps.values_list("status", flat=True)) == {"pending"}
