"""Integration harness and process-machine benchmark: real RabbitMQ, real worker processes.

Used by the worker subprocesses that ``tests/machine`` and ``bench.process_machine`` start.
``DATABASE_URL`` names the database the harness prepared (the test database, or the bench
database), ``BROKER_URL`` the RabbitMQ (vhost) to use. Retry backoff is short so failure
scenarios finish in seconds, not minutes.
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
ALLOWED_HOSTS = [".localhost", "localhost", "testserver", "127.0.0.1"]
PORTAL_DOMAIN = "localhost"
PASSWORD_HASHERS = ["accounts.hashers.FastArgon2PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
    },
    "public": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "public"},
}
# Retries of automated steps (cases.actors.run_step): milliseconds.
CASE_STEP_MIN_BACKOFF_MS = env.int("CASE_STEP_MIN_BACKOFF_MS", default=200)
CASE_STEP_MAX_BACKOFF_MS = env.int("CASE_STEP_MAX_BACKOFF_MS", default=1_000)
