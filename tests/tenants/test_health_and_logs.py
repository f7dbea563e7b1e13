import json
import logging

import dramatiq
import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker

from config.broker import broker_settings
from tenants.logging import CommuneFilter

pytestmark = pytest.mark.django_db


def test_healthz_on_the_public_host(public_client):
    """The public host reports database and broker as JSON, 200 when healthy."""
    response = public_client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["status"] == "ok"


def test_healthz_on_a_commune_host_names_the_commune(kriens, commune_client):
    """Every commune host answers /healthz for itself."""
    response = commune_client(kriens).get("/healthz")
    assert response.status_code == 200
    assert response.json()["commune"] == "kriens"


@pytest.mark.needs("rabbitmq")
def test_healthz_checks_the_real_broker(public_client, settings, monkeypatch):
    """With the real RabbitMQ configured and running, the broker is reported ok."""
    settings.DRAMATIQ_BROKER = broker_settings(
        settings.TEST_BROKER_URL, settings.DATABASES["default"]
    )
    monkeypatch.setattr(
        dramatiq, "get_broker", lambda: RabbitmqBroker(url=settings.TEST_BROKER_URL)
    )
    response = public_client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


def test_healthz_is_503_when_the_broker_is_down(public_client, settings, monkeypatch):
    """An unreachable broker makes the host unhealthy: 503 with the reason."""
    dead = "amqp://guest:guest@127.0.0.1:1/"
    settings.DRAMATIQ_BROKER = broker_settings(dead, settings.DATABASES["default"])
    monkeypatch.setattr(dramatiq, "get_broker", lambda: RabbitmqBroker(url=dead))
    response = public_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"
    assert response.json()["broker"].startswith("error")
    assert response.json()["database"] == "ok"


def test_broker_settings_always_list_the_middleware():
    """Every broker choice carries the explicit middleware list, the commune middleware included."""
    for url in ("amqp://x", "redis://x", "postgresql://u@h/db", "stub:"):
        middleware = broker_settings(url, {"NAME": "db"})["MIDDLEWARE"]
        assert "tenants.jobs.CommuneJobMiddleware" in middleware
        assert "dramatiq.middleware.Retries" in middleware
    with pytest.raises(ValueError, match="unsupported scheme"):
        broker_settings("ftp://x", {"NAME": "db"})


def test_log_records_carry_the_commune(kriens, in_commune, settings):
    """Structured logs name the commune schema the code runs in."""
    from pythonjsonlogger.json import JsonFormatter

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    logger = logging.getLogger("tests.commune")
    handler = Keep()
    handler.addFilter(CommuneFilter())
    logger.addHandler(handler)
    try:
        logger.warning("public line")
        with in_commune(kriens):
            logger.warning("kriens line")
    finally:
        logger.removeHandler(handler)
    assert [r.commune for r in records] == ["public", kriens.schema_name]
    line = JsonFormatter("%(levelname)s %(commune)s %(message)s").format(records[1])
    assert json.loads(line) == {
        "levelname": "WARNING",
        "commune": "gemeinde_1059",
        "message": "kriens line",
    }


@pytest.mark.needs("rabbitmq")
def test_healthz_reports_a_missing_worker_as_degraded(public_client, settings, monkeypatch):
    """With a real broker, no recent worker heartbeat: 200 "degraded", worker "missing"; a
    heartbeat of the last 30 s: "ok"."""
    import datetime as dt

    from django.utils import timezone

    from tenants.heartbeat import heartbeat_beat
    from tenants.models import WorkerHeartbeat

    settings.DRAMATIQ_BROKER = broker_settings(
        settings.TEST_BROKER_URL, settings.DATABASES["default"]
    )
    monkeypatch.setattr(
        dramatiq, "get_broker", lambda: RabbitmqBroker(url=settings.TEST_BROKER_URL)
    )
    WorkerHeartbeat.objects.create(
        worker_id="old:1", seen_at=timezone.now() - dt.timedelta(minutes=2)
    )
    degraded = public_client.get("/healthz")
    assert degraded.status_code == 200
    assert degraded.json()["status"] == "degraded" and degraded.json()["worker"] == "missing"
    heartbeat_beat(worker_id="host:4711")
    healthy = public_client.get("/healthz").json()
    assert healthy["status"] == "ok" and healthy["worker"] == "ok (1)"


def test_worker_heartbeat_middleware_beats_and_forgets(db):
    """A worker's row is written by its beat; shutdown removes it."""
    from tenants.heartbeat import WorkerHeartbeatMiddleware
    from tenants.models import WorkerHeartbeat

    middleware = WorkerHeartbeatMiddleware()
    middleware.worker_id = "test:1"
    middleware.stop.set()  # the loop ends at once: beat by hand, as the thread does
    from tenants.heartbeat import heartbeat_beat

    heartbeat_beat(worker_id=middleware.worker_id)
    assert WorkerHeartbeat.objects.filter(worker_id="test:1").exists()
    middleware.before_worker_shutdown(None, None)
    assert not WorkerHeartbeat.objects.filter(worker_id="test:1").exists()


def test_healthz_reports_jobs_stuck_in_the_outbox_as_degraded(public_client):
    """Jobs waiting for the relay: counted; older than 5 minutes: "degraded" (the relay, a
    worker thread, is not working), still 200. Fresh ones are normal."""
    import datetime as dt

    from django.utils import timezone

    from tenants.models import OutboxJob

    assert public_client.get("/healthz").json()["outbox"] == "ok (0)"
    job = OutboxJob.objects.create(schema_name="public", actor_name="x", args=[])
    fresh = public_client.get("/healthz").json()
    assert fresh["status"] == "ok" and fresh["outbox"].startswith("waiting (1, oldest ")
    OutboxJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=6))
    stuck = public_client.get("/healthz")
    assert stuck.status_code == 200
    assert stuck.json()["status"] == "degraded"
    assert stuck.json()["outbox"].startswith("waiting (1, oldest 36")
