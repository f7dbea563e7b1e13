"""Reads of the Fünfliber: contributions (planned and booked), reports, usage."""

from .contributions import (
    BookedContributions,
    ContributionLine,
    ContributionPlan,
    contributions_booked,
    contributions_calculate,
    rate_for_year,
)
from .report import Report, report_build

__all__ = [
    "BookedContributions",
    "ContributionLine",
    "ContributionPlan",
    "Report",
    "contributions_booked",
    "contributions_calculate",
    "rate_for_year",
    "report_build",
]
