"""Two programme years side by side (the public comparison page)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from .report import Report


@dataclass(frozen=True)
class CompareRow:
    label: str
    left: Decimal | int | None
    right: Decimal | int | None
    unit: str = "CHF"

    @property
    def change(self) -> Decimal | int | None:
        if self.left is None or self.right is None:
            return None
        return self.right - self.left


def compare_rows(left: Report, right: Report) -> list[CompareRow]:
    """Income, budget and spending per category, balance and benefit of two yearly reports."""
    lf, rf = left.finance, right.finance
    rows = [
        *[
            CompareRow(_("Einnahmen: %(label)s") % {"label": a.label}, a.amount, b.amount)
            for a, b in zip(lf.income, rf.income, strict=True)
        ],
        CompareRow(_("Total Einnahmen"), lf.income_total, rf.income_total),
    ]
    for a, b in zip(lf.categories, rf.categories, strict=True):
        rows.append(CompareRow(_("Budget: %(label)s") % {"label": a.label}, a.budget, b.budget))
        rows.append(CompareRow(_("Ausgaben: %(label)s") % {"label": a.label}, a.spent, b.spent))
    rows += [
        CompareRow(_("Total Ausgaben"), lf.expenditure_total, rf.expenditure_total),
        CompareRow(_("Saldo (Einnahmen minus Ausgaben)"), lf.balance, rf.balance),
        CompareRow(_("Digitale Fälle"), left.total.digital_cases, right.total.digital_cases, ""),
        CompareRow(
            _("Anteil automatisiert (%)"),
            left.total.share_automated,
            right.total.share_automated,
            "%",
        ),
    ]
    return rows
