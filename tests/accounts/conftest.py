import re

import pytest
from django.core import mail

LINK = re.compile(r"https?://\S+")


@pytest.fixture(autouse=True)
def _no_mail_jobs_left_over():
    """Mail jobs queued by an earlier test (its rows rolled back) never run in this one."""
    from accounts.actors import MAIL_QUEUE
    from tests.jobs import flush_queue

    flush_queue(MAIL_QUEUE)
    yield
    flush_queue(MAIL_QUEUE)


@pytest.fixture
def mail_jobs():
    """``mail_jobs()`` runs the queued account mail jobs (as the worker would); returns how
    many ran."""
    from accounts.actors import MAIL_QUEUE
    from tests.jobs import run_queued

    return lambda: run_queued(MAIL_QUEUE)


@pytest.fixture
def mailed_link(mail_jobs):
    """The one link in the last e-mail sent (queued mail jobs are run first)."""

    def read() -> str:
        mail_jobs()
        assert mail.outbox, "no e-mail was sent"
        links = LINK.findall(mail.outbox[-1].body)
        assert len(links) == 1, mail.outbox[-1].body
        return links[0]

    return read


@pytest.fixture(autouse=True)
def _fresh_mail_counters():
    """Each test starts with empty mail counters (accounts.throttle)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
