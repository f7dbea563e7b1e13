"""The harness's own building blocks: the stoppable broker proxy and the harness service."""

from __future__ import annotations

import contextlib
import socket

import pytest

from catalog.offers.models import Stage
from integrations.reference import demo_person
from tests.cases.factories import offer, service_with_steps
from tests.factories import UserFactory

from .harness import TcpProxy
from .worker_handlers import FORM, STEPS

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
def test_harness_service_is_a_valid_automated_service(kriens, in_commune):
    """The harness service publishes with three automated steps; an order for a register
    resident creates them pending and enqueues the first one after commit."""
    from cases.services import case_submit

    version = service_with_steps(key="machine-check", steps=STEPS, form_definition=FORM)
    person = demo_person(kriens.bfs_number)
    with in_commune(kriens):
        offer(version, stage=Stage.AUTOMATED)
        case = case_submit(
            user=UserFactory(),
            service_key="machine-check",
            data={
                "bfs": str(kriens.bfs_number),
                "vn": person["vn"],
                "official_name": person["official_name"],
                "first_name": person["first_name"],
                "date_of_birth": person["date_of_birth"],
                "chip": "756000000000001",
            },
        )
        assert [s.adapter_key for s in case.steps.order_by("position")] == [
            "machine.identify",
            "machine.register",
            "machine.receipt",
        ]
        assert set(case.steps.values_list("status", flat=True)) == {"pending"}
