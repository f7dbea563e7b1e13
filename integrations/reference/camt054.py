"""Build camt.054.001.08 credit notifications in the standard's structure (for tests, the
bench and demonstrations): what a Swiss bank delivers for QR-bill payments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

NS = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"


@dataclass(frozen=True)
class BuiltCredit:
    reference: str
    amount: Decimal
    booking_date: dt.date = dt.date(2026, 12, 3)
    bank_reference: str = ""
    debtor: str = "Muster Anna"
    currency: str = "CHF"


def _transaction(credit: BuiltCredit, index: int) -> str:
    ref = credit.bank_reference or f"ZKB-{index:09d}"
    kind = "QRR" if credit.reference.isdigit() else "SCOR"
    return (
        f"<TxDtls><Refs><AcctSvcrRef>{escape(ref)}</AcctSvcrRef>"
        "<EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
        f'<Amt Ccy="{credit.currency}">{credit.amount:.2f}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        f"<RltdPties><Dbtr><Pty><Nm>{escape(credit.debtor)}</Nm></Pty></Dbtr></RltdPties>"
        "<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Prtry>"
        f"{kind}</Prtry></CdOrPrtry></Tp><Ref>{escape(credit.reference)}</Ref></CdtrRefInf>"
        "</Strd></RmtInf></TxDtls>"
    )


def _entry(credit: BuiltCredit, index: int) -> str:
    return (
        f'<Ntry><Amt Ccy="{credit.currency}">{credit.amount:.2f}</Amt>'
        "<CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
        f"<BookgDt><Dt>{credit.booking_date.isoformat()}</Dt></BookgDt>"
        f"<ValDt><Dt>{credit.booking_date.isoformat()}</Dt></ValDt>"
        f"<AcctSvcrRef>E-{index:09d}</AcctSvcrRef>"
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>VCOM</SubFmlyCd></Fmly>"
        f"</Domn></BkTxCd><NtryDtls>{_transaction(credit, index)}</NtryDtls></Ntry>"
    )


def camt054_build(
    credits: list[BuiltCredit], *, iban: str = "CH4431999123000889012", msg_id: str = "MSG-1"
) -> bytes:
    """A camt.054.001.08 document with one booked credit entry per ``credits`` item."""
    entries = "".join(_entry(c, i) for i, c in enumerate(credits, 1))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Document xmlns="{NS}"><BkToCstmrDbtCdtNtfctn>'
        f"<GrpHdr><MsgId>{escape(msg_id)}</MsgId><CreDtTm>2026-12-03T18:00:00</CreDtTm></GrpHdr>"
        f"<Ntfctn><Id>{escape(msg_id)}-1</Id><CreDtTm>2026-12-03T18:00:00</CreDtTm>"
        f"<Acct><Id><IBAN>{iban}</IBAN></Id></Acct>{entries}</Ntfctn>"
        "</BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()
