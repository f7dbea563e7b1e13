"""Reads of the Fünfliber: contributions (planned and booked), reports, usage."""

from .contributions import (
    BookedContributions,
    ContributionLine,
    ContributionPlan,
    ContributionsOverview,
    contributions_booked,
    contributions_calculate,
    contributions_overview,
    rate_for_year,
)
from .report import Report, report_build

__all__ = [
    "BookedContributions",
    "ContributionLine",
    "ContributionPlan",
    "ContributionsOverview",
    "Report",
    "contributions_booked",
    "contributions_calculate",
    "contributions_overview",
    "rate_for_year",
    "report_build",
]
