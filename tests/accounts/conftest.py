import re

import pytest
from django.core import mail

LINK = re.compile(r"https?://\S+")


@pytest.fixture
def mailed_link():
    """The one link in the last e-mail sent."""

    def read() -> str:
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
