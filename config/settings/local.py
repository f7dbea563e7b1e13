"""Development: the run command (bin/run) uses these settings."""

from .base import *  # noqa: F403
from .base import env

# Off by default, also for the run command: no technical error pages (they show settings).
# DEBUG=1 (or DJANGO_DEBUG=1) turns it on for development, and bin/run says so at start.
DEBUG = env.bool("DEBUG", default=env.bool("DJANGO_DEBUG", default=False))
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[".localhost", "localhost", "127.0.0.1"])
