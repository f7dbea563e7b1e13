"""Errors of the billing services; messages are German and name what is wrong."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class BillingError(ValidationError):
    """A booking was refused; nothing was written."""


class MissingPopulationError(BillingError):
    """Contributions cannot be booked: some communes have no population figure."""

    def __init__(self, *, year: int, communes: list) -> None:
        self.year = year
        self.communes = communes
        names = ", ".join(f"{c.name} ({c.bfs_number})" for c in communes)
        super().__init__(
            f"Beiträge {year} nicht gebucht: Für {len(communes)} Gemeinden fehlt die "
            f"Bevölkerungszahl per 31.12.{year - 1}: {names}. Bitte die Zahlen mit "
            f"«import_population» ergänzen; es wurde nichts gebucht.",
            code="missing_population",
        )


class PopulationFileError(BillingError):
    """A population CSV file is invalid; ``errors`` names every bad line."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(errors, code="invalid_file")
