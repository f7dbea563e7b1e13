"""Tests: the real PostgreSQL, a stub broker unless a test asks for the real one."""

from .base import *  # noqa: F403
from .base import DATABASES, JOB_MIDDLEWARE_FOR_TESTS, env

DEBUG = False
ALLOWED_HOSTS = [".localhost", "localhost", "testserver", "127.0.0.1"]
PORTAL_DOMAIN = "localhost"
TENANT_TEMPLATE_SCHEMA = "commune_template"

# Argon2 stays the hasher; cheaper parameters keep the suite fast.
PASSWORD_HASHERS = ["accounts.hashers.FastArgon2PasswordHasher"]

DRAMATIQ_BROKER = {
    "BROKER": "dramatiq.brokers.stub.StubBroker",
    "OPTIONS": {},
    "MIDDLEWARE": JOB_MIDDLEWARE_FOR_TESTS,
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
    },
    "public": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "public"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Each test sees the report of its own data (tests/billing/test_report_kept.py switches it on).
PROGRAMME_REPORT_CACHE_SECONDS = 0
DATABASES["default"]["CONN_MAX_AGE"] = 0
TEST_BROKER_URL = env("TEST_BROKER_URL", default="amqp://guest:guest@127.0.0.1:5672/")
LOGGING = {"version": 1, "disable_existing_loggers": False}
