"""Notification e-mails go out from a job: the request enqueues, the worker sends, once."""

from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from cases.jobs import NOTIFICATION_QUEUE, SEND_NOTIFICATIONS
from cases.models import Case, NotificationSent
from cases.services.notifications import notification_send
from tenants.jobs import SCHEMA_OPTION
from tests.identity import api_token
from tests.jobs import queued

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    """A mail server that hangs up."""

    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("Verbindung getrennt")


def _order(commune_client, kriens, in_commune, resident, capture):
    with in_commune(kriens):
        token = api_token(resident)
    client = commune_client(kriens, HTTP_AUTHORIZATION=f"Token {token}")
    with capture(execute=True):
        response = client.post(
            "/api/cases/",
            {"service": "parkkarte-test", "data": {"reason": "Geheimer Zweck"}},
            content_type="application/json",
        )
    assert response.status_code == 201
    return response.json()


def test_the_request_enqueues_the_mail_and_the_job_sends_it(
    kriens,
    in_commune,
    commune_client,
    kriens_setup,
    django_capture_on_commit_callbacks,
    notification_jobs,
):
    """POST /api/cases/ sends no mail itself: it leaves one job for Kriens that carries ids
    only; the job sends the confirmation with the reference, the link and no personal data."""
    resident = kriens_setup["resident"]
    body = _order(commune_client, kriens, in_commune, resident, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    [message] = queued(NOTIFICATION_QUEUE)
    assert message.actor_name == SEND_NOTIFICATIONS
    assert message.options[SCHEMA_OPTION] == kriens.schema_name
    assert resident.email not in repr(message.args)
    [[job]] = message.args
    assert job[1:] == [body["id"], resident.pk, False]

    assert notification_jobs() == 1
    [sent] = mail.outbox
    assert sent.to == [resident.email]
    assert sent.subject == f"Neuigkeiten in Ihrem Geschäft {body['reference']}"
    assert f"/meine-geschaefte/{body['id']}/" in sent.body
    for personal in ("Anna", "Muster", "Geheimer Zweck", "parkkarte"):
        assert personal not in sent.subject + sent.body
    with in_commune(kriens):
        assert NotificationSent.objects.filter(case_id=body["id"]).count() == 1


def test_a_redelivered_job_sends_nothing(
    kriens,
    in_commune,
    commune_client,
    kriens_setup,
    django_capture_on_commit_callbacks,
    notification_jobs,
):
    """The same message run twice (the broker redelivers after a lost ack) sends one mail."""
    _order(
        commune_client,
        kriens,
        in_commune,
        kriens_setup["resident"],
        django_capture_on_commit_callbacks,
    )
    [message] = queued(NOTIFICATION_QUEUE)
    assert notification_jobs() == 1
    with in_commune(kriens):
        assert notification_send(**dict(zip(_ARGS, message.args[0][0], strict=True))) is False
        assert NotificationSent.objects.count() == 1
    assert len(mail.outbox) == 1


_ARGS = ("key", "case_id", "recipient_id", "for_clerk")


def test_a_failed_send_is_retried_and_then_sent_once(
    kriens,
    in_commune,
    commune_client,
    kriens_setup,
    django_capture_on_commit_callbacks,
    notification_jobs,
    settings,
):
    """When the mail server fails the job raises (Dramatiq retries it) and claims nothing;
    the retry sends the mail."""
    _order(
        commune_client,
        kriens,
        in_commune,
        kriens_setup["resident"],
        django_capture_on_commit_callbacks,
    )
    [message] = queued(NOTIFICATION_QUEUE)
    kwargs = dict(zip(_ARGS, message.args[0][0], strict=True))
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with in_commune(kriens):
        with pytest.raises(SMTPServerDisconnected):
            notification_send(**kwargs)
        assert NotificationSent.objects.count() == 0
    assert mail.outbox == []
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notification_jobs() == 1
    assert len(mail.outbox) == 1


def test_no_job_for_a_recipient_without_address_and_none_after_deletion(
    kriens, in_commune, kriens_setup, django_capture_on_commit_callbacks, notification_jobs
):
    """A recipient without e-mail gets no job; a job whose case is gone sends nothing."""
    from cases.services import case_submit

    resident = kriens_setup["resident"]
    with in_commune(kriens):
        resident.email = None
        resident.save(update_fields=["email"])
        with django_capture_on_commit_callbacks(execute=True):
            case_submit(user=resident, service_key="parkkarte-test", data={"reason": "x"})
        assert queued(NOTIFICATION_QUEUE) == []
        assert (
            notification_send(
                key="0" * 32,
                case_id="00000000-0000-0000-0000-000000000000",
                recipient_id=kriens_setup["other_resident"].pk,
                for_clerk=False,
            )
            is False
        )
        assert Case.objects.count() == 1 and NotificationSent.objects.count() == 0
    assert mail.outbox == []


def test_an_address_removed_after_the_job_was_written_gets_nothing(
    kriens,
    in_commune,
    commune_client,
    kriens_setup,
    django_capture_on_commit_callbacks,
):
    """The recipient's address is gone when the job runs: no mail, no claim (a later address
    would still get it), in one round trip for the lookup and the claim."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    resident = kriens_setup["resident"]
    _order(commune_client, kriens, in_commune, resident, django_capture_on_commit_callbacks)
    [message] = queued(NOTIFICATION_QUEUE)
    with in_commune(kriens):
        resident.email = ""
        resident.save(update_fields=["email"])
        with CaptureQueriesContext(connection) as captured:
            assert notification_send(**dict(zip(_ARGS, message.args[0][0], strict=True))) is False
        assert NotificationSent.objects.count() == 0
    assert mail.outbox == []
    [together] = [q["sql"] for q in captured.captured_queries if "notificationsent" in q["sql"]]
    assert '"accounts_user"' in together  # the address lookup travelled with the claim


def test_retention_deletes_the_sent_marks_with_their_case(kriens, in_commune, kriens_setup):
    """The sent-notification marks of a case go when retention deletes the case; others stay."""
    import datetime as dt

    from django.utils import timezone

    from cases.services import case_submit, case_withdraw
    from cases.services.retention import retention_apply

    resident = kriens_setup["resident"]
    with in_commune(kriens):
        old, kept = (
            case_submit(user=resident, service_key="parkkarte-test", data={"reason": "x"})
            for _ in range(2)
        )
        case_withdraw(case=old, user=resident)
        Case.objects.filter(pk=old.pk).update(closed_at=timezone.now() - dt.timedelta(days=9999))
        for number, case in enumerate((old, kept)):
            NotificationSent.objects.create(
                key=f"{number:032d}", case_id=case.pk, sent_at=timezone.now()
            )
        assert retention_apply().deleted == 1
        assert list(NotificationSent.objects.values_list("case_id", flat=True)) == [kept.pk]


def test_a_refused_job_waits_in_the_outbox_and_goes_out_later(
    kriens,
    in_commune,
    commune_client,
    kriens_setup,
    django_capture_on_commit_callbacks,
    notification_jobs,
    monkeypatch,
    caplog,
):
    """A notification has no sweeper: it is written with the order (``tenants.outbox``). While
    the broker refuses, the order still succeeds, the request sends no mail and the job stays
    in the outbox; the relay's next pass sends it, and the mail goes out once."""
    import dramatiq
    from dramatiq.errors import ConnectionClosed

    from tenants.models import OutboxJob
    from tenants.outbox import outbox_relay

    actor = dramatiq.get_broker().get_actor(SEND_NOTIFICATIONS)

    def refuse(*args, **kwargs):
        raise ConnectionClosed(OSError("Verbindung abgelehnt"))

    resident = kriens_setup["resident"]
    with monkeypatch.context() as refusing:
        refusing.setattr(actor, "send_with_options", refuse)
        body = _order(
            commune_client, kriens, in_commune, resident, django_capture_on_commit_callbacks
        )
        assert outbox_relay() == 0
    assert mail.outbox == []
    [job] = OutboxJob.objects.all()
    assert (job.schema_name, job.actor_name) == (kriens.schema_name, SEND_NOTIFICATIONS)
    assert job.args[1:] == [body["id"], resident.pk, False]
    assert resident.email not in repr(job.args)
    assert "the rest wait for the next pass" in caplog.text

    assert notification_jobs() == 1
    assert not OutboxJob.objects.exists()
    [sent] = mail.outbox
    assert sent.to == [resident.email]
    assert sent.subject == f"Neuigkeiten in Ihrem Geschäft {body['reference']}"
    with in_commune(kriens):
        assert NotificationSent.objects.filter(case_id=body["id"]).count() == 1


def test_notifications_written_together_go_out_in_one_message_each_once(
    kriens, in_commune, kriens_setup, notification_jobs, django_capture_on_commit_callbacks
):
    """Three orders' notifications waiting together: the relay sends them in one message for
    Kriens, and each mail goes out once, about its own case."""
    from cases.services import case_submit

    resident = kriens_setup["resident"]
    with in_commune(kriens), django_capture_on_commit_callbacks(execute=True):
        cases = [
            case_submit(user=resident, service_key="parkkarte-test", data={"reason": "x"})
            for _ in range(3)
        ]
    [message] = queued(NOTIFICATION_QUEUE)
    assert message.options[SCHEMA_OPTION] == kriens.schema_name
    assert sorted(job[1] for job in message.args[0]) == sorted(str(c.pk) for c in cases)
    assert notification_jobs() == 1
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"Neuigkeiten in Ihrem Geschäft {c.reference}" for c in cases
    )
    with in_commune(kriens):
        assert NotificationSent.objects.count() == 3


class RefusingOneBackend(BaseEmailBackend):
    """A mail server that refuses one address and takes the others."""

    sent: list = []

    def send_messages(self, email_messages):
        for message in email_messages:
            if message.to == ["abgelehnt@example.ch"]:
                raise SMTPServerDisconnected("550 abgelehnt@example.ch unbekannt")
            self.sent.append(message)
        return len(email_messages)


def test_one_failing_mail_of_a_batch_does_not_stop_the_others(
    kriens, in_commune, kriens_setup, settings, caplog
):
    """The second of three fails: the first and third go out, the job raises (to be retried)
    and logs no address; the retry sends only the second."""
    from cases.services import case_submit
    from cases.services.notifications import notifications_send
    from tests.factories import UserFactory

    resident = kriens_setup["resident"]
    with in_commune(kriens):
        refused = UserFactory(email="abgelehnt@example.ch")
        cases = [
            case_submit(user=resident, service_key="parkkarte-test", data={"reason": "x"})
            for _ in range(3)
        ]
        jobs = [[f"{n:032x}", str(c.pk), resident.pk, False] for n, c in enumerate(cases)]
        jobs[1][2] = refused.pk
        RefusingOneBackend.sent = []
        settings.EMAIL_BACKEND = f"{__name__}.RefusingOneBackend"
        with pytest.raises(SMTPServerDisconnected):
            notifications_send(jobs)
        assert [m.to for m in RefusingOneBackend.sent] == [[resident.email]] * 2
        assert sorted(NotificationSent.objects.values_list("key", flat=True)) == [
            jobs[0][0],
            jobs[2][0],
        ]
        assert "abgelehnt@example.ch" not in caplog.text
        assert "SMTPServerDisconnected" in caplog.text
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert notifications_send(jobs) == 1
    [retried] = mail.outbox
    assert retried.to == ["abgelehnt@example.ch"]
