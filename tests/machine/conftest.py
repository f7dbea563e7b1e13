"""The process-machine harness: real RabbitMQ, real worker processes, the reference registers.

Why not pytest-django's ``db``/``transactional_db``: the workers are separate processes, so the
rows they read must be committed, and ``transactional_db`` flushes with TRUNCATE (it would wipe
the public commune rows of the shared test database, see PITFALLS "Tests"). Instead the session
fixture ``machine`` works in autocommit mode through ``django_db_blocker.unblock()``, outside
any per-test transaction, on the normal test database with its 80 communes: it commits its own
rows (a harness service with a run-unique key, its offers in three communes, one resident per
commune) and at the end deletes exactly those rows and every case of that service (with their
steps, events, documents, permissions, usage counts and adapter failures) and puts the
communes' reference counters back. Nothing else is touched, so the other
tests of the same run, and later runs with ``--reuse-db``, never see them.

RabbitMQ: a throw-away vhost per session, reached through a ``TcpProxy`` the tests can stop.
This process's actors are re-bound to that broker for the session (the test settings use a stub
broker); the workers are ``python -m dramatiq`` subprocesses with
``config.settings.integration`` against the test database.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from integrations.reference import processes
from tests.integrations.conftest import API_KEYS, CLIENT_TIMEOUT

from .harness import (
    TcpProxy,
    Worker,
    broker_url,
    rabbit_vhost,
    rabbitmqctl_path,
    rebind_broker,
    wait_until,
)
from .services import spec_fee, spec_form, spec_steps

COMMUNES = ("kriens", "emmen", "horw")
WORKER_MODULES = ["cases.actors"]
PROFILE_SOURCE = "tests.machine.services.profile_for"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/machine/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.integration)
            if "harness" in item.fixturenames:
                # Only so that pytest-django sets up the test database even when no other
                # collected test asks for it (``-k``, a single file); see _django_db_marker.
                item.add_marker(pytest.mark.django_db)


@pytest.fixture(autouse=True)
def _django_db_marker(request):
    """pytest-django's marker fixture, except for harness tests: they carry ``django_db`` only
    for the database set-up and must not run inside its per-test transaction (the workers
    need committed rows; see the module docstring)."""
    if request.node.get_closest_marker("django_db") and "harness" not in request.fixturenames:
        request.getfixturevalue("_django_db_helper")


@dataclass
class Machine:
    """Handle on the running harness (see the module docstring)."""

    services: dict[str, str]  # "wohnsitz"/"hund" → the run-unique service key
    communes: list
    residents: dict
    proxy: TcpProxy
    registers: dict[str, str]
    worker_env: dict[str, str]
    log_dir: Path
    workers: list[Worker] = field(default_factory=list)
    chips: itertools.count = field(default_factory=lambda: itertools.count(1))
    run_tag: int = field(default_factory=lambda: uuid.uuid4().int % 10**5)

    # --- workers -------------------------------------------------------------------------
    def start_worker(self, threads: int = 2) -> Worker:
        log = self.log_dir / f"worker-{len(self.workers) + 1}.log"
        worker = Worker(env=self.worker_env, modules=WORKER_MODULES, threads=threads, log_path=log)
        self.workers.append(worker.start())
        return worker

    def stop_workers(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers.clear()

    # --- residents submit ------------------------------------------------------------------
    def order_data(self, service: str) -> dict:
        if service == "wohnsitz":
            return {"purpose": "employer", "delivery": "pdf"}
        return {
            "dog_name": "Bello",
            "breed": "Labrador",
            "birth_date": "2022-05-01",
            "sex": "m",
            "chip_number": f"756{self.run_tag:05d}{next(self.chips):07d}",
            "since": "2024-01-15",
            "exempt": False,
            "insurance": "Mobiliar, Police 123",
            "email": "halter@example.ch",
        }

    def submit(
        self, commune, n: int = 1, *, service: str = "wohnsitz", known: bool = True
    ) -> list[tuple]:
        """``n`` orders of a resident of ``commune`` (each committed on its own, like
        requests); ``known=False``: a resident the register does not know."""
        from cases.services import case_submit

        user = self.residents[(commune.slug, known)]
        submitted = []
        with schema_context(commune.schema_name):
            for _ in range(n):
                case = case_submit(
                    user=user,
                    service_key=self.services[service],
                    data=self.order_data(service),
                )
                submitted.append((commune, case.pk))
        return submitted

    def submit_spread(self, n: int, *, service: str = "wohnsitz") -> list[tuple]:
        """``n`` orders round-robin over the harness's communes."""
        out = []
        for i in range(n):
            out += self.submit(self.communes[i % len(self.communes)], service=service)
        return out

    # --- observing ---------------------------------------------------------------------------
    def _by_commune(self, cases):
        groups = collections.defaultdict(list)
        for commune, case_id in cases:
            groups[commune].append(case_id)
        return groups

    def statuses(self, cases) -> collections.Counter:
        from cases.models import Case

        counts = collections.Counter()
        for commune, ids in self._by_commune(cases).items():
            with schema_context(commune.schema_name):
                counts.update(Case.objects.filter(pk__in=ids).values_list("status", flat=True))
        return counts

    def step_statuses(self, cases) -> collections.Counter:
        from cases.models import CaseStep

        counts = collections.Counter()
        for commune, ids in self._by_commune(cases).items():
            with schema_context(commune.schema_name):
                counts.update(
                    CaseStep.objects.filter(case_id__in=ids).values_list("status", flat=True)
                )
        return counts

    def running_for(self, cases, adapter_key: str) -> list[float]:
        """Seconds since each running step of ``cases`` with ``adapter_key`` started."""
        from django.utils import timezone

        from cases.models import CaseStep, StepStatus

        now, ages = timezone.now(), []
        for commune, ids in self._by_commune(cases).items():
            with schema_context(commune.schema_name):
                ages += [
                    (now - started).total_seconds()
                    for started in CaseStep.objects.filter(
                        case_id__in=ids, status=StepStatus.RUNNING, adapter_key=adapter_key
                    ).values_list("started_at", flat=True)
                ]
        return ages

    def wait_dog_registrations_in_flight(self, cases) -> None:
        """Until some steps are done and a dog registration started less than 0.5 s ago (so,
        with the register answering in 1 s, still waiting for its answer): a kill now lands
        in the middle of the work."""
        from cases.models import StepStatus

        wait_until(
            lambda: (
                self.step_statuses(cases)[StepStatus.DONE] >= 20
                and any(age < 0.5 for age in self.running_for(cases, "dog_register.register"))
            ),
            timeout=60,
            interval=0.02,
            what="steps in flight",
        )

    def wait_completed(self, cases, timeout: float) -> float:
        from cases.models import CaseStatus

        return wait_until(
            lambda: self.statuses(cases)[CaseStatus.COMPLETED] == len(cases),
            timeout=timeout,
            what=f"all {len(cases)} cases completed (now {dict(self.statuses(cases))})",
        )

    def in_commune(self, commune):
        return schema_context(commune.schema_name)

    def sweep(self, *, later: dt.timedelta = dt.timedelta(minutes=11)) -> int:
        """Run the periodic sweeper in every harness commune as if ``later`` had passed (the
        scheduler would call ``cases.actors.sweep_steps`` per commune at each tick)."""
        from cases.services import steps_sweep

        sent = 0
        for commune in self.communes:
            with schema_context(commune.schema_name):
                sent += steps_sweep(now=timezone.now() + later)
        return sent

    def counters(self, register: str) -> dict:
        return processes.control(self.registers[register])

    def control(self, register: str, mode: str, **kwargs) -> dict:
        return processes.control(self.registers[register], mode, **kwargs)


def _test_database_url() -> str:
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/einwohnerportal"
    return urlunparse(urlparse(base)._replace(path=f"/{connection.settings_dict['NAME']}"))


def _create_fixture_rows(services: dict[str, str]):
    from django.contrib.auth.models import Group

    from cases.models import ReferenceCounter
    from catalog.offers.models import Stage
    from integrations.reference import demo_person
    from tenants.models import Commune
    from tests.cases.factories import offer, service_with_steps
    from tests.factories import UserFactory
    from tests.identity import verified_login

    connection.set_schema_to_public()
    communes = [Commune.objects.get(slug=slug) for slug in COMMUNES]
    versions = [
        service_with_steps(
            key=services["wohnsitz"],
            steps=spec_steps("wohnsitzbestaetigung"),
            form_definition=spec_form("wohnsitzbestaetigung"),
            fee=spec_fee("wohnsitzbestaetigung"),
            norm_days=1,
        ),
        service_with_steps(
            key=services["hund"],
            steps=spec_steps("hund-anmelden", automated_only=True),
            form_definition=spec_form("hund-anmelden"),
            fee=spec_fee("hund-anmelden"),
        ),
    ]
    residents, counters = {}, {}
    for commune in communes:
        with schema_context(commune.schema_name):
            counters[commune.slug] = {
                "references": dict(ReferenceCounter.objects.values_list("year", "last_number")),
                "groups": set(Group.objects.values_list("pk", flat=True)),
            }
            for version in versions:
                offer(version, stage=Stage.AUTOMATED)
            for known, kind in ((True, "machine"), (False, "nobody")):
                resident = UserFactory(
                    email=f"{kind}-{commune.bfs_number}-{uuid.uuid4().hex[:6]}@example.ch"
                )
                # Orders come from a verified login: the register steps need one.
                person = demo_person(commune.bfs_number)
                if not known:
                    person = {**person, "official_name": "Niemand"}
                verified_login(resident, person)
                residents[(commune.slug, known)] = resident
    connection.set_schema_to_public()
    return communes, residents, counters


def _delete_fixture_rows(keys: list[str], communes, residents, counters) -> None:
    """Delete the harness's own rows (and only those)."""
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import GroupObjectPermission, UserObjectPermission

    from accounts.models import User
    from billing.models import UsageCase, UsageMonthly
    from cases.models import Case, NotificationSent, ReferenceCounter
    from catalog.models import Service, ServiceVersion, StepDefinition
    from catalog.offers.models import ServiceOffer
    from integrations.models import AdapterFailure
    from tenants.models import CaseIndexEntry

    user_ids = [u.pk for u in residents.values()]
    for commune in communes:
        with schema_context(commune.schema_name):
            cases = Case.objects.filter(service__key__in=keys)
            ids = [str(pk) for pk in cases.values_list("pk", flat=True)]
            ct = ContentType.objects.get_for_model(Case)
            for model in (UserObjectPermission, GroupObjectPermission):
                model.objects.filter(content_type=ct, object_pk__in=ids).delete()
            Case.objects.filter(pk__in=ids).delete()
            NotificationSent.objects.filter(case_id__in=ids).delete()
            CaseIndexEntry.objects.filter(case_id__in=ids).delete()
            ServiceOffer.objects.filter(service__key__in=keys).delete()
            User.objects.filter(pk__in=user_ids, email__regex=r"^(machine|nobody)-").delete()
            # The reference counters go back to where they were (other tests count from 1).
            before = counters[commune.slug]["references"]
            ReferenceCounter.objects.exclude(year__in=before).delete()
            for year, number in before.items():
                ReferenceCounter.objects.filter(year=year).update(last_number=number)
            # Groups the case machine created on the way (granted per case).
            Group.objects.exclude(pk__in=counters[commune.slug]["groups"]).delete()
    connection.set_schema_to_public()
    UsageCase.objects.filter(service_key__in=keys).delete()
    AdapterFailure.objects.filter(service_key__in=keys).delete()
    UsageMonthly.objects.filter(service_key__in=keys).delete()
    StepDefinition.objects.filter(version__service__key__in=keys).delete()
    ServiceVersion.objects.filter(service__key__in=keys).delete()
    Service.objects.filter(key__in=keys).delete()


def _ensure_test_database() -> None:
    """Never let the harness commit into a database that is not a test database."""
    if not connection.settings_dict["NAME"].startswith("test_"):
        pytest.fail(f"harness refuses database {connection.settings_dict['NAME']!r}")


@pytest.fixture(scope="module")
def machine(django_db_setup, django_db_blocker, tmp_path_factory):
    """The running harness for a test module (see the module docstring); its rows are
    deleted when the module is done."""
    if rabbitmqctl_path() is None:
        pytest.skip("rabbitmqctl is needed for the harness's own RabbitMQ vhost")
    tag = uuid.uuid4().hex[:8]
    services = {"wohnsitz": f"machine-wohnsitz-{tag}", "hund": f"machine-hund-{tag}"}
    tmp = tmp_path_factory.mktemp("machine")
    with django_db_blocker.unblock(), rabbit_vhost() as vhost:
        _ensure_test_database()
        proxy = TcpProxy().start()
        url = broker_url(proxy.port, vhost)
        communes, residents, counters = _create_fixture_rows(services)
        try:
            with (
                processes.running_registers(api_keys=API_KEYS) as registers,
                rebind_broker(url),
            ):
                env = {
                    "DJANGO_SETTINGS_MODULE": "config.settings.integration",
                    "DATABASE_URL": _test_database_url(),
                    "BROKER_URL": url,
                    "MEDIA_ROOT": str(tmp / "media"),
                    "REDIS_URL": "",
                    "LOG_LEVEL": "WARNING",
                    "RESIDENT_REGISTER_URL": registers["resident"],
                    "RESIDENT_REGISTER_API_KEY": API_KEYS["resident"],
                    "DOG_REGISTER_URL": registers["dog"],
                    "DOG_REGISTER_API_KEY": API_KEYS["dog"],
                    "CASES_APPLICANT_PROFILE": PROFILE_SOURCE,
                    # Short client timeouts: the registers' "timeout" mode answers too late.
                    "RESIDENT_REGISTER_TIMEOUT": str(CLIENT_TIMEOUT),
                    "DOG_REGISTER_TIMEOUT": str(CLIENT_TIMEOUT),
                }
                m = Machine(
                    services=services,
                    communes=communes,
                    residents=residents,
                    proxy=proxy,
                    registers=registers,
                    worker_env=env,
                    log_dir=tmp,
                )
                try:
                    yield m
                finally:
                    m.stop_workers()
                    proxy.stop()
        finally:
            _delete_fixture_rows(list(services.values()), communes, residents, counters)


@pytest.fixture
def harness(machine, django_db_blocker):
    """Per test: database access in autocommit mode, the broker up, registers healthy, no
    worker left running afterwards."""
    with django_db_blocker.unblock():
        if not machine.proxy.running:
            machine.proxy.start()
        yield machine
        machine.stop_workers()
        if not machine.proxy.running:
            machine.proxy.start()
        for register in machine.registers:
            machine.control(register, "ok")
        connection.set_schema_to_public()
