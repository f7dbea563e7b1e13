import logging

from django.db import connection


class CommuneFilter(logging.Filter):
    """Adds the current commune schema to every log record (``commune``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.commune = getattr(connection, "schema_name", "public")
        return True
