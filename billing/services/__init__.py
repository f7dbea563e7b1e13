"""Writes of the Fünfliber: ledger bookings, contributions, usage counters, population import.

Other apps call these functions only (see each module for the details).
"""

from .contributions import ContributionResult, contributions_book
from .errors import BillingError, MissingPopulationError, PopulationFileError
from .ledger import canton_matching_sync, ledger_entry_book, ledger_entry_reverse
from .population import PopulationImportResult, population_import_csv
from .usage import (
    outside_office_hours,
    usage_completion_statements,
    usage_record_completion,
    usage_record_submission,
    usage_submission_statement,
)

__all__ = [
    "BillingError",
    "ContributionResult",
    "MissingPopulationError",
    "PopulationFileError",
    "PopulationImportResult",
    "canton_matching_sync",
    "contributions_book",
    "ledger_entry_book",
    "ledger_entry_reverse",
    "outside_office_hours",
    "population_import_csv",
    "usage_completion_statements",
    "usage_record_completion",
    "usage_record_submission",
    "usage_submission_statement",
]
