"""Handlers for automated steps, by adapter key.

A handler takes a ``StepCall`` (plain data) and returns a JSON-serialisable dict (the step's
output). It raises ``TransientStepError`` for failures worth retrying (network, HTTP 5xx,
timeouts) and ``PermanentStepError`` for failures that retrying cannot fix (rejected data, 4xx);
a permanent failure, or a transient one after the last retry, turns the step into a manual task.
It must pass ``idempotency_key`` on to whatever it calls, so that a redelivered message never
books, sends or registers twice. The integrations registry plugs its adapters in here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


class StepError(Exception):
    """A handler's failure: German ``message`` (shown to clerks), machine ``code``, ``details``."""

    def __init__(self, message: str, *, code: str = "", details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = dict(details or {})


class TransientStepError(StepError):
    """Retry later: the other side may recover."""


class PermanentStepError(StepError):
    """Retrying will not help: a clerk has to take over."""


@dataclass(frozen=True)
class StepCall:
    case_id: uuid.UUID
    reference: str
    service_key: str
    step_key: str
    adapter_key: str
    idempotency_key: str
    data: dict[str, Any]
    previous_outputs: dict[str, Any] = field(default_factory=dict)
    # Who ordered: cases.services.identity.applicant_identity (profile, form data, names).
    applicant: dict[str, str] = field(default_factory=dict)
    # The register attributes the service version declares it needs (``register_attributes``):
    # register reads ask for these only.
    register_attributes: tuple[str, ...] = ()


StepHandler = Callable[[StepCall], dict[str, Any]]

_handlers: dict[str, StepHandler] = {}
_pure: set[str] = set()


def register(adapter_key: str, *, pure: bool = False) -> Callable[[StepHandler], StepHandler]:
    """Decorator: ``@register("wohnsitz.identify")`` makes a function the handler of that key.

    ``pure=True`` declares a handler without any effect: it computes its output from the
    ``StepCall`` alone, quickly, touching no database, register, file or mail. The machine then
    runs it inside the transaction that records its result, under the case's lock, without a
    separate start mark (``cases.services.machine``); should it raise there, it is called again
    outside and its error handled like any handler's.
    """

    def decorate(func: StepHandler) -> StepHandler:
        _handlers[adapter_key] = func
        if pure:
            _pure.add(adapter_key)
        else:
            _pure.discard(adapter_key)
        return func

    return decorate


def unregister(adapter_key: str) -> None:
    _handlers.pop(adapter_key, None)
    _pure.discard(adapter_key)


def handler_is_pure(adapter_key: str) -> bool:
    """Whether the handler of ``adapter_key`` was registered with ``pure=True``."""
    return adapter_key in _pure


def handler_get(adapter_key: str) -> StepHandler | None:
    """The handler registered for ``adapter_key``, or None."""
    return _handlers.get(adapter_key)


def handler_keys() -> list[str]:
    """The adapter keys that have a handler."""
    return sorted(_handlers)


# Register accesses of the step running in this thread/task: adapter calls note them here, the
# step services write them to the access log in the step's closing transaction.
_accesses: ContextVar[list[dict[str, Any]] | None] = ContextVar("register_accesses", default=None)


@contextmanager
def accesses_collected() -> Iterator[list[dict[str, Any]]]:
    """Collect the register accesses made inside the block (``access_note``)."""
    collected: list[dict[str, Any]] = []
    token = _accesses.set(collected)
    try:
        yield collected
    finally:
        _accesses.reset(token)


def access_note(*, register: str, kind: str, attributes: list[str], message_id: str = "") -> None:
    """Note one read or write at a register (no values: attribute names only)."""
    collected = _accesses.get()
    if collected is not None:
        collected.append(
            {"register": register, "kind": kind, "attributes": attributes, "message_id": message_id}
        )
