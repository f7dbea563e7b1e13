"""Building blocks of the process-machine harness (used by tests/machine and the bench).

- ``TcpProxy``: a loopback TCP forwarder in front of RabbitMQ; ``stop()`` closes the listener
  and every open connection ("the broker is down"), ``start()`` listens on the same port again.
- ``rabbit_vhost()``: a throw-away RabbitMQ virtual host (``rabbitmqctl``), so queues of
  parallel runs and leftovers of crashed runs never mix.
- ``Worker``: a real ``dramatiq`` worker process (``--processes 1 --threads N``) with
  ``config.settings.integration``; ``kill()`` sends SIGKILL.
- ``rebind_broker()``: points this process's actors at a real RabbitMQ broker (for sending).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RABBIT_HOST, RABBIT_PORT = "127.0.0.1", 5672


class TcpProxy:
    """Forward ``127.0.0.1:<port>`` to ``target``; stoppable and restartable on the same port."""

    def __init__(self, target: tuple[str, int] = (RABBIT_HOST, RABBIT_PORT)):
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._running = False

    def start(self) -> TcpProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._running = True
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def stop(self) -> None:
        self._running = False
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            conns, self._conns = self._conns, set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    @property
    def running(self) -> bool:
        return self._running

    def _accept(self, listener: socket.socket) -> None:
        while self._running:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if not self._running:
                    client.close()
                    upstream.close()
                    return
                self._conns |= {client, upstream}
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        sel = selectors.DefaultSelector()
        sel.register(a, selectors.EVENT_READ, b)
        sel.register(b, selectors.EVENT_READ, a)
        try:
            while True:
                for key, _ in sel.select(timeout=1.0):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
                if not self._running and a not in self._conns:
                    return
        except (OSError, ValueError):
            return
        finally:
            sel.close()
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.close()
            with self._lock:
                self._conns -= {a, b}


def rabbitmqctl_path() -> str | None:
    return shutil.which("rabbitmqctl")


def _rabbitmqctl(*args: str) -> None:
    path = rabbitmqctl_path()
    if path is None:
        raise RuntimeError("rabbitmqctl not found: cannot create a vhost for the harness")
    subprocess.run(  # noqa: S603 - fixed argv
        [path, "-q", *args], check=True, capture_output=True, timeout=60
    )


@contextlib.contextmanager
def rabbit_vhost(prefix: str = "ep-machine") -> Iterator[str]:
    """A fresh vhost on the local RabbitMQ (guest has all rights), deleted afterwards."""
    name = f"{prefix}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", name)
    try:
        _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        yield name
    finally:
        with contextlib.suppress(Exception):
            _rabbitmqctl("delete_vhost", name)


def broker_url(port: int, vhost: str) -> str:
    return f"amqp://guest:guest@127.0.0.1:{port}/{vhost}"


@contextlib.contextmanager
def rebind_broker(url: str) -> Iterator[object]:
    """Send this process's actors to the RabbitMQ at ``url`` for the block (tests use a stub)."""
    import dramatiq

    from tenants.jobs import CommuneJobMiddleware
    from tenants.rabbitmq import RabbitmqBroker

    old = dramatiq.get_broker()
    new = RabbitmqBroker(url=url)
    new.add_middleware(CommuneJobMiddleware())
    actors = [old.get_actor(name) for name in old.get_declared_actors()]
    dramatiq.set_broker(new)
    for actor in actors:
        actor.broker = new
        new.declare_actor(actor)
    try:
        yield new
    finally:
        for actor in actors:
            actor.broker = old
        dramatiq.set_broker(old)
        new.close()


class Worker:
    """One ``python -m dramatiq`` worker process for the given modules and queues."""

    def __init__(
        self,
        *,
        env: dict[str, str],
        modules: list[str],
        queues: list[str] | None = None,
        threads: int = 2,
        log_path: Path | None = None,
    ):
        self.env, self.modules, self.queues, self.threads = env, modules, queues, threads
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        argv = [sys.executable, "-m", "dramatiq", "django_dramatiq.setup", *self.modules]
        argv += ["--processes", "1", "--threads", str(self.threads)]
        if self.queues:  # none: every queue of the (harness's own) vhost, delay queues included
            argv += ["--queues", *self.queues]
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        env = {**os.environ, **self.env}
        # Reconnect quickly after a broker outage (dramatiq's default waits 3 s).
        env.setdefault("dramatiq_restart_delay", "300")
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv, our own modules
            argv, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
        )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker's whole process group (the dramatiq parent and its child)."""
        if self.alive():
            os.killpg(self.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 15.0) -> None:
        if not self.alive():
            return
        os.killpg(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


def wait_until(
    condition: Callable[[], bool], *, timeout: float, interval: float = 0.2, what: str = ""
) -> float:
    """Poll ``condition`` until it holds; return the seconds waited, fail after ``timeout``."""
    start = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"not reached within {timeout:.0f} s: {what}")
        time.sleep(interval)
