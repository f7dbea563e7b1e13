"""What one step of the process machine costs the database: statements and commits per step.

Run from the project root: ``.venv/bin/python -m bench.step_statements`` (DATABASE_URL names the
base database; works in ``<name>_steps``, created from empty and dropped afterwards). It prepares
the same communes and the ``bench-leer`` service as ``bench.process_machine`` (three automated
steps whose handler does nothing), then works off ``BENCH_STEPS_CASES`` cases (default 60) with
an in-process Dramatiq worker (one thread, stub broker) through the project's full job
middleware, and counts at the driver (psycopg) level every statement sent — ``SET search_path``,
savepoints and the sweeper-relevant writes included — and every commit. The broker's own work
(RabbitMQ publish and ack) is not in these counts; ``bench.process_machine`` measures it.

Prints ``statements_per_step``, ``round_trips_per_step`` (query strings sent and commits that
travel alone: one string may carry several statements), ``commits_per_step``,
``messages_per_step`` and the in-process
``steps_per_s`` as the last line (JSON), and with ``-v`` the statements of one case. The
``bench.noop`` handler is declared pure; the ``*_effects`` figures are the same for
``bench-leer-wirkung``, whose do-nothing handler is not (the cost around an adapter with
effects).
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import sys
import threading
import time

import psycopg

from bench._db import bench_database

CASES = int(os.environ.get("BENCH_STEPS_CASES", "60"))


class Counter:
    """Counts statements and commits of worker threads at the psycopg level."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.commits = 0
        self.commits_in_query = 0
        self.round_trips = 0
        self.active = False
        self.lock = threading.Lock()

    def install(self) -> None:
        counter = self
        execute, executemany, commit, exec_command, pipeline = (
            psycopg.Cursor.execute,
            psycopg.Cursor.executemany,
            psycopg.Connection.commit,
            psycopg.Connection._exec_command,
            psycopg.Connection.pipeline,
        )

        def _counted(name: str, query, pipelined: bool = False) -> None:
            if counter.active and threading.current_thread().name.startswith("Thread-"):
                text = query if isinstance(query, str) else str(getattr(query, "_obj", query))
                # One query string may carry several statements (SET search_path, deferred
                # writes, COMMIT: tenants.db_backend): each is counted, the string once; so is
                # a pipeline (counted when it starts).
                parts = [p for p in str(text).split("; ") if p.strip()]
                with counter.lock:
                    counter.round_trips += 0 if pipelined else 1
                    for part in parts:
                        if part.strip().upper() == "COMMIT":
                            counter.commits_in_query += 1
                            counter.statements.append("COMMIT")
                            continue
                        counter.statements.append(f"{name}: {' '.join(part.split())[:160]}")

        def counted_execute(self, query, *args, **kwargs):
            _counted("execute", query, pipelined=self.connection._pipeline is not None)
            return execute(self, query, *args, **kwargs)

        @contextlib.contextmanager
        def counted_pipeline(self):
            if counter.active and threading.current_thread().name.startswith("Thread-"):
                with counter.lock:
                    counter.round_trips += 1
            with pipeline(self) as entered:
                yield entered

        def counted_executemany(self, query, *args, **kwargs):
            _counted("executemany", query)
            return executemany(self, query, *args, **kwargs)

        def counted_exec_command(self, command, *args, **kwargs):
            # psycopg's own BEGIN (sent alone before a transaction's first statement, unless
            # tenants.db_backend folds it into that statement's query string).
            if (
                bytes(command).upper().startswith(b"BEGIN")
                and counter.active
                and threading.current_thread().name.startswith("Thread-")
            ):
                with counter.lock:
                    counter.round_trips += 1
                    counter.statements.append("driver: BEGIN")
            return exec_command(self, command, *args, **kwargs)

        def counted_commit(self):
            # psycopg sends nothing when the COMMIT went with the deferred writes already.
            sends = self.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
            if sends and counter.active and threading.current_thread().name.startswith("Thread-"):
                with counter.lock:
                    counter.commits += 1
                    counter.round_trips += 1
                    counter.statements.append("COMMIT")
            return commit(self)

        psycopg.Cursor.execute = counted_execute
        psycopg.Cursor.executemany = counted_executemany
        psycopg.Connection.commit = counted_commit
        psycopg.Connection._exec_command = counted_exec_command
        psycopg.Connection.pipeline = counted_pipeline


def _work_off(broker, cases: list, counter: Counter, *, steps: int) -> dict:
    import dramatiq

    counter.statements.clear()
    counter.commits = 0
    counter.commits_in_query = 0
    counter.round_trips = 0
    counter.active = True
    messages_before = _message_count(broker)
    started = time.perf_counter()
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=10)
    worker.start()
    try:
        broker.join("steps", fail_fast=True)
        worker.join()
    finally:
        elapsed = time.perf_counter() - started
        counter.active = False
        worker.stop()
    statements = [s for s in counter.statements if s != "COMMIT"]
    return {
        "statements_per_step": round(len(statements) / steps, 2),
        "round_trips_per_step": round(counter.round_trips / steps, 2),
        "commits_per_step": round((counter.commits + counter.commits_in_query) / steps, 2),
        "messages_per_step": round((_message_count(broker) - messages_before) / steps, 2),
        "steps_per_s_inprocess": round(steps / elapsed, 1),
    }


_processed = collections.Counter()


def _message_count(broker) -> int:
    return _processed["steps"]


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.integration"
    os.environ["BROKER_URL"] = "stub://"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["REDIS_URL"] = ""
    os.environ["CASES_APPLICANT_PROFILE"] = "bench._machine_worker.profile_for"
    verbose = "-v" in sys.argv
    with bench_database("steps") as dbname:
        import django

        django.setup()
        import dramatiq
        from dramatiq.middleware import Middleware

        import bench._machine_worker  # the bench.noop handler
        import cases.actors
        from bench._machine_setup import prepare
        from bench.process_machine import Bench

        class CountMessages(Middleware):
            def after_process_message(self, broker, message, *, result=None, exception=None):
                _processed[message.queue_name] += 1

        broker = dramatiq.get_broker()
        broker.add_middleware(CountMessages())
        communes, residents = prepare()
        print(f"Datenbank {dbname} vorbereitet", flush=True)
        counter = Counter()
        counter.install()
        bench = Bench(communes, residents, {}, None)
        warm = [bench.submit(c, empty=True) for c in communes]
        _work_off(broker, warm, counter, steps=3 * len(warm))
        one = [bench.submit(communes[0], empty=True)]
        single = _work_off(broker, one, counter, steps=3)
        if verbose:
            print("\n".join(counter.statements))
        cases = [bench.submit(communes[i % 3], empty=True) for i in range(CASES)]
        result = _work_off(broker, cases, counter, steps=3 * CASES)
        done = bench.completed(cases + one)
        if done != CASES + 1:
            raise SystemExit(f"nur {done} von {CASES + 1} Fällen abgeschlossen")
        result["statements_per_step_single_case"] = single["statements_per_step"]
        result["round_trips_per_step_single_case"] = single["round_trips_per_step"]
        result["commits_per_step_single_case"] = single["commits_per_step"]
        effects = [bench.submit(communes[i % 3], empty=True, effects=True) for i in range(CASES)]
        with_effects = _work_off(broker, effects, counter, steps=3 * CASES)
        if bench.completed(effects) != CASES:
            raise SystemExit("nicht alle Fälle mit Wirkung abgeschlossen")
        for key in (
            "statements_per_step",
            "round_trips_per_step",
            "commits_per_step",
            "steps_per_s_inprocess",
        ):
            result[f"{key}_effects"] = with_effects[key]
        from django.db import connections

        connections.close_all()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
