"""The outbox relay against the real RabbitMQ: a job leaves the outbox only once RabbitMQ has
confirmed its message (``tenants.rabbitmq``), and only the relay's thread waits for confirms."""

from __future__ import annotations

import threading

import dramatiq
import pika
import pytest
from django.db import transaction

from tenants.models import OutboxJob
from tenants.outbox import enqueue_in_transaction, outbox_relay
from tests.machine.harness import broker_url, rabbit_vhost, rebind_broker

from .job_actors import record_schema

pytestmark = [pytest.mark.django_db, pytest.mark.needs("rabbitmq")]

QUEUE = record_schema.queue_name


@pytest.fixture
def rabbit():
    """This process's actors on a throw-away vhost of the local RabbitMQ, and a channel of its
    own to look into (and tamper with) the queues there."""
    with rabbit_vhost("ep-outbox") as vhost:
        url = broker_url(5672, vhost)
        with rebind_broker(url) as broker:
            side = pika.BlockingConnection(pika.URLParameters(url))
            try:
                yield broker, side.channel()
            finally:
                side.close()


def _bodies(channel) -> list[list]:
    """The arguments of the messages waiting in the test actors' queue (taken off it)."""
    out = []
    while True:
        method, _properties, body = channel.basic_get(QUEUE, auto_ack=True)
        if method is None:
            return out
        out.append(list(dramatiq.Message.decode(body).args))


def _write(in_commune, commune, *args) -> None:
    with in_commune(commune), transaction.atomic():
        enqueue_in_transaction(record_schema, *args)


def test_a_job_whose_queue_vanished_is_published_again_not_lost(kriens, in_commune, rabbit):
    """The queue is deleted behind the broker's back (an operator, a policy): RabbitMQ returns
    the relay's message instead of dropping it (confirm mode, mandatory), Dramatiq declares the
    queue again and publishes once more, and only then is the job deleted. Without confirms the
    message went nowhere and the job was deleted all the same."""
    _broker, side = rabbit
    _write(in_commune, kriens, "erster")
    assert outbox_relay() == 1
    assert _bodies(side) == [["erster"]]

    side.queue_delete(QUEUE)
    _write(in_commune, kriens, "zweiter")
    assert outbox_relay() == 1

    assert _bodies(side) == [["zweiter"]]
    assert not OutboxJob.objects.exists()


def test_only_the_relays_thread_waits_for_confirms(kriens, in_commune, rabbit):
    """Other threads (requests, steps) publish as before: their messages are re-sent by a
    sweeper should they be lost, and they must not wait for RabbitMQ's disk."""
    broker, side = rabbit
    assert broker.confirm_delivery is False
    _write(in_commune, kriens, "vom Relay")
    assert outbox_relay() == 1
    assert broker.confirm_delivery is True
    assert broker.channel.is_open

    seen = {}

    def other_thread() -> None:
        seen["confirm"] = broker.confirm_delivery
        record_schema.send("direkt")

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join(timeout=10)
    assert seen == {"confirm": False}
    assert sorted(_bodies(side)) == [["direkt"], ["vom Relay"]]


def test_a_refused_publish_keeps_the_job(kriens, in_commune, rabbit):
    """A broker that cannot take the message (here: the relay's connection is gone and cannot
    be opened again) leaves the job in the outbox for the next pass, and nothing reached the
    queue; once it is back, the job goes out through a channel that confirms again."""
    broker, side = rabbit
    _write(in_commune, kriens, "erster")
    assert outbox_relay() == 1 and _bodies(side) == [["erster"]]

    _write(in_commune, kriens, "bleibt")
    port = broker.parameters.port
    broker.parameters.port = 1  # nothing listens there: every reconnect fails
    del broker.connection
    assert outbox_relay() == 0
    assert list(OutboxJob.objects.values_list("args", flat=True)) == [["bleibt"]]
    assert side.queue_declare(QUEUE, passive=True).method.message_count == 0

    # The broker is back: the job goes out, and the relay's new channel confirms again (a
    # vanished queue is noticed, not a silent loss).
    broker.parameters.port = port
    assert outbox_relay() == 1 and _bodies(side) == [["bleibt"]]
    side.queue_delete(QUEUE)
    _write(in_commune, kriens, "danach")
    assert outbox_relay() == 1 and _bodies(side) == [["danach"]]
