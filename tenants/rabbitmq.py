"""Dramatiq's RabbitMQ broker, with publisher confirms for the threads that need them.

Dramatiq's ``confirm_delivery`` holds for the whole broker: every publish of every thread (each
web request's and each step's enqueue) would wait for RabbitMQ's confirm. Those do not need it:
what they send is re-sent by a sweeper should it be lost. The outbox relay (``tenants.outbox``)
does: it deletes a job once the broker has it, so it must know that the broker really has it.
Here the switch is per thread: ``confirm_publishes()`` turns it on for the calling thread only.
From then on that thread's publishes return only once RabbitMQ has taken the message (for a
durable queue: written it to disk), are ``mandatory`` (a message no queue takes, e.g. because
the queue was deleted meanwhile, is returned instead of silently dropped: Dramatiq declares
the queue again and publishes once more), and a refusal (nack) raises instead of passing
unnoticed.
"""

from __future__ import annotations

from dramatiq.brokers import rabbitmq


class RabbitmqBroker(rabbitmq.RabbitmqBroker):
    """``dramatiq.brokers.rabbitmq.RabbitmqBroker`` whose ``confirm_delivery`` is per thread
    (see the module docstring); the constructor's ``confirm_delivery`` is every thread's
    default."""

    _confirm_default = False

    @property
    def confirm_delivery(self) -> bool:
        # Read by Dramatiq when it opens a thread's channel and at each publish (mandatory).
        state = self.__dict__.get("state")
        return getattr(state, "confirm_delivery", self._confirm_default)

    @confirm_delivery.setter
    def confirm_delivery(self, value: bool) -> None:
        # Dramatiq's constructor sets it before it creates the thread-local state.
        self._confirm_default = bool(value)

    def confirm_publishes(self) -> None:
        """From now on, this thread's publishes wait for RabbitMQ's confirm (idempotent)."""
        if self.confirm_delivery:
            return
        self.state.confirm_delivery = True
        # A channel opened before is not in confirm mode: close it, the next publish opens one
        # that is (Dramatiq's ``channel`` property, which reads ``confirm_delivery``).
        del self.channel
