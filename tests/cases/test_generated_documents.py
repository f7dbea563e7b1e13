import threading
import uuid
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from cases.automation.common import document_generated_add
from cases.models import Case, Document
from catalog.models import Service, ServiceVersion
from tests.factories import UserFactory

from .factories import ServiceVersionFactory

pytestmark = pytest.mark.django_db


def _in_thread(fn) -> None:
    """Run ``fn`` on its own connection (really committed), re-raising what it raised."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # pragma: no cover - re-raised below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    if errors:
        raise errors[0]


def test_two_racing_runs_of_a_step_store_its_document_once(kriens, in_commune):
    """The second of two concurrent runs storing the same generated document gets the first
    run's row: one document, and the file of the second run is not left behind."""
    ids: dict[str, object] = {}

    def setup() -> None:
        version = ServiceVersionFactory()
        ids["version"], ids["service"] = version.pk, version.service_id
        with in_commune(kriens):
            user = UserFactory()
            now = timezone.now()
            case = Case.objects.create(
                reference=f"T-{uuid.uuid4().hex[:12]}",
                service_id=version.service_id,
                version=version,
                stage="automated",
                applicant=user,
                submitted_at=now,
                norm_days=5,
                due_date=now.date(),
            )
            ids["user"], ids["case"] = user.pk, case.pk

    first_stored = threading.Event()
    first_may_commit = threading.Event()
    results: dict[str, Document] = {}
    errors: list[BaseException] = []

    def store(who: str) -> None:
        try:
            with in_commune(kriens), transaction.atomic():
                case = Case.objects.get(pk=ids["case"])
                if who == "second":
                    first_stored.wait(10)
                    first_may_commit.set()
                results[who] = document_generated_add(
                    case=case,
                    step_key="bestaetigung",
                    name="bestaetigung.pdf",
                    content=f"%PDF {who}".encode(),
                    content_type="application/pdf",
                )
                if who == "first":
                    first_stored.set()
                    # Hold the uncommitted row until the second run has looked for it.
                    first_may_commit.wait(10)
                    threading.Event().wait(0.2)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    _in_thread(setup)
    try:
        threads = [threading.Thread(target=store, args=(who,)) for who in ("first", "second")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not errors

        def check() -> None:
            with in_commune(kriens):
                documents = list(Document.objects.filter(case_id=ids["case"]))
                assert len(documents) == 1
                assert results["first"].pk == results["second"].pk == documents[0].pk
                assert documents[0].file.read() == b"%PDF first"
                folder = Path(documents[0].file.path).parent.parent
                assert [p.name for p in folder.rglob("*") if p.is_file()] == ["bestaetigung.pdf"]

        _in_thread(check)
    finally:

        def cleanup() -> None:
            with in_commune(kriens):
                Case.objects.filter(pk=ids.get("case")).delete()
                User.objects.filter(pk=ids.get("user")).delete()
            ServiceVersion.objects.filter(pk=ids.get("version")).delete()
            Service.objects.filter(pk=ids.get("service")).delete()

        _in_thread(cleanup)
