"""Every job that services send by name is declared in a web process, right after start-up.

Services send jobs by name (``tenants.jobs.enqueue_on_commit``,
``tenants.outbox.enqueue_in_transaction``); a name no module has
declared raises ``ActorNotFound`` in the request. Checked in a fresh interpreter with the web
settings: inside the test run some earlier test may have imported the actors already (the
account mail job was missing in web processes, and only a test run in isolation showed it)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
django.setup()
import dramatiq
from accounts.mails import SEND_ACCOUNT_MAIL
from cases import jobs
names = [SEND_ACCOUNT_MAIL, jobs.RUN_STEP, jobs.HANDOVER_RECEIVE, jobs.HANDOVER_RETURNED,
         jobs.BUILD_PERSONAL_DATA_EXPORT, jobs.SEND_NOTIFICATION,
         jobs.SEND_NOTIFICATIONS]
declared = set(dramatiq.get_broker().actors)
print(json.dumps({name: name in declared for name in names}))
"""


def test_every_job_sent_by_name_is_declared_after_start_up():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    declared = json.loads(result.stdout.strip().splitlines()[-1])
    assert declared == dict.fromkeys(declared, True)
    assert "send_account_mail" in declared
