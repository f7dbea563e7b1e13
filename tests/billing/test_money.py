import re
from pathlib import Path

import billing

BILLING = Path(billing.__file__).resolve().parent


def test_no_float_anywhere_in_billing():
    """Money stays Decimal: no float() calls, float literals in arithmetic or FloatFields."""
    offenders = []
    for path in BILLING.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"\bfloat\(", r"FloatField", r"\bfloat\b"):
            if re.search(pattern, text):
                offenders.append(f"{path.relative_to(BILLING)}: {pattern}")
    assert offenders == []


def test_money_fields_are_decimals():
    """Every amount and rate column is a DecimalField with two places."""
    from billing.models import ContributionRate, LedgerEntry

    for model, name in [(LedgerEntry, "amount"), (LedgerEntry, "rate"), (ContributionRate, "rate")]:
        field = model._meta.get_field(name)
        assert field.get_internal_type() == "DecimalField"
        assert field.decimal_places == 2
