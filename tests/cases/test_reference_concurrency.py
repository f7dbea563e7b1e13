import random
import threading
import time

import pytest
from django.db import connection, transaction

from cases.models import ReferenceCounter
from cases.services import reference_next

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def test_concurrent_submissions_get_gapless_numbers(kriens, in_commune):
    """Parallel transactions (own connections, really committed) queue on the year's counter:
    every number is handed out once, and a rolled-back transaction's number is reused."""
    year = random.randint(5000, 30000)
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def submit(fail: bool) -> None:
        try:
            with in_commune(kriens):
                try:
                    with transaction.atomic():
                        reference = reference_next(year=year)
                        time.sleep(0.05)  # hold the row lock while others wait
                        if fail:
                            raise Rollback
                    with lock:
                        results.append(reference)
                except Rollback:
                    pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i == 3,)) for i in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not errors
        numbers = sorted(int(r.rsplit("-", 1)[1]) for r in results)
        assert numbers == list(range(1, 8))
        assert all(r.startswith(f"KRI-{year}-") for r in results)
    finally:

        def cleanup() -> None:
            with in_commune(kriens):
                ReferenceCounter.objects.filter(year=year).delete()
            connection.close()

        cleaner = threading.Thread(target=cleanup)
        cleaner.start()
        cleaner.join()


def test_concurrent_batches_read_their_own_number(kriens, in_commune):
    """Taken inside a submission's query string (``reference_in_batch``), each of parallel
    transactions reads the number its own upsert took: all different, no gaps."""
    from cases.services.batch import WriteBatch
    from cases.services.submit import reference_in_batch

    year = random.randint(5000, 30000)
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def submit() -> None:
        try:
            with in_commune(kriens), transaction.atomic():
                got: list = []
                batch = WriteBatch()
                reference = reference_in_batch(batch=batch, year=year)
                batch.add("SELECT pg_sleep(0.02)", [])  # hold the row lock while others wait
                batch.add(f"SELECT {reference.sql}", reference.params, on_rows=got.append)
                batch.run()
                with lock:
                    results.append(got[0][0][0])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not errors
        assert sorted(results) == [f"KRI-{year}-{n:06d}" for n in range(1, 7)]
    finally:

        def cleanup() -> None:
            with in_commune(kriens):
                ReferenceCounter.objects.filter(year=year).delete()
            connection.close()

        cleaner = threading.Thread(target=cleanup)
        cleaner.start()
        cleaner.join()
