"""Read ISO 20022 camt.054 (Bank-to-Customer Debit/Credit Notification) files as Swiss banks
deliver them for QR-bill payments (Swiss Payment Standards, versions .001.04 to .001.08).

Path of a credit: ``Document/BkToCstmrDbtCdtNtfctn/Ntfctn/Ntry/NtryDtls/TxDtls``; per
transaction the amount (``Amt`` with ``Ccy``), ``CdtDbtInd`` = ``CRDT``, the reference
(``RmtInf/Strd/CdtrRefInf/Ref``, type ``QRR`` or ``SCOR``), the bank's reference
(``Refs/AcctSvcrRef``) and the booking date of the entry (``BookgDt/Dt``). Only booked
(``Sts`` ``BOOK``) credit entries are returned. A file that is not such a document is refused
with ``CamtError`` naming the element; parsing is all-or-nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.054\.001\.0[4-8]$")
MAX_BYTES = 50 * 1024 * 1024
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class CamtError(ValueError):
    """The file is not a readable camt.054 notification; ``element`` names where."""

    def __init__(self, message: str, *, element: str = ""):
        super().__init__(message)
        self.message = message
        self.element = element


@dataclass(frozen=True)
class Credit:
    key: str  # the bank's reference (account + AcctSvcrRef), or a digest of the credit
    reference: str  # QR or creditor reference, without spaces
    amount: Decimal
    currency: str
    booking_date: dt.date
    debtor: str
    account: str


def camt054_parse(content: bytes) -> list[Credit]:
    """Every booked credit of a camt.054 file; ``CamtError`` for anything else."""
    if len(content) > MAX_BYTES:
        raise CamtError("Die Datei ist grösser als 50 MB.")
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise CamtError(f"Die Datei ist kein gültiges XML ({exc}).") from exc
    ns = etree.QName(root).namespace or ""
    if etree.QName(root).localname != "Document" or not NAMESPACE.match(ns):
        raise CamtError(
            "Element «Document» im Namensraum camt.054.001.04–08 fehlt: keine camt.054-Datei.",
            element="Document",
        )
    reader = _Reader(ns)
    body = reader.one(root, "BkToCstmrDbtCdtNtfctn", "Document")
    reader.one(body, "GrpHdr/MsgId", "BkToCstmrDbtCdtNtfctn")
    notifications = reader.all(body, "Ntfctn")
    if not notifications:
        raise CamtError(
            "Element «BkToCstmrDbtCdtNtfctn/Ntfctn» fehlt.", element="BkToCstmrDbtCdtNtfctn/Ntfctn"
        )
    credits: list[Credit] = []
    for n_index, notification in enumerate(notifications, 1):
        account = reader.text(notification, "Acct/Id/IBAN", f"Ntfctn[{n_index}]", required=False)
        for e_index, entry in enumerate(reader.all(notification, "Ntry"), 1):
            where = f"Ntfctn[{n_index}]/Ntry[{e_index}]"
            credits += reader.entry(entry, where=where, account=account or "")
    return credits


class _Reader:
    def __init__(self, ns: str):
        self.ns = ns
        self._paths: dict[str, str] = {}

    def _path(self, path: str) -> str:
        # Clark notation, built once per path: the same few paths are looked up per credit.
        clark = self._paths.get(path)
        if clark is None:
            clark = self._paths[path] = "/".join(f"{{{self.ns}}}{p}" for p in path.split("/"))
        return clark

    def all(self, node, path: str) -> list:
        return node.findall(self._path(path))

    def one(self, node, path: str, where: str):
        found = node.find(self._path(path))
        if found is None:
            raise CamtError(f"Element «{where}/{path}» fehlt.", element=f"{where}/{path}")
        return found

    def text(self, node, path: str, where: str, *, required: bool = True) -> str:
        found = node.find(self._path(path))
        value = (found.text or "").strip() if found is not None else ""
        if required and not value:
            raise CamtError(f"Element «{where}/{path}» fehlt.", element=f"{where}/{path}")
        return value

    def amount(self, node, where: str) -> tuple[Decimal, str]:
        element = self.one(node, "Amt", where)
        try:
            value = Decimal((element.text or "").strip())
        except InvalidOperation:
            value = Decimal(-1)
        currency = element.get("Ccy") or ""
        if value <= 0 or value.as_tuple().exponent < -2 or not re.fullmatch(r"[A-Z]{3}", currency):
            raise CamtError(
                f"Element «{where}/Amt» ist kein gültiger Betrag mit Währung.",
                element=f"{where}/Amt",
            )
        return value, currency

    def date(self, node, where: str) -> dt.date:
        value = self.text(node, "BookgDt/Dt", where, required=False)
        if not value:
            value = self.text(node, "BookgDt/DtTm", where)[:10]
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise CamtError(
                f"Element «{where}/BookgDt» ist kein gültiges Datum.", element=f"{where}/BookgDt"
            ) from None

    def entry(self, entry, *, where: str, account: str) -> list[Credit]:
        indicator = self.text(entry, "CdtDbtInd", where)
        if indicator not in ("CRDT", "DBIT"):
            raise CamtError(
                f"Element «{where}/CdtDbtInd» muss CRDT oder DBIT sein.",
                element=f"{where}/CdtDbtInd",
            )
        status = self.text(entry, "Sts/Cd", where, required=False) or self.text(entry, "Sts", where)
        self.amount(entry, where)
        booked = self.date(entry, where)
        if indicator != "CRDT" or status != "BOOK":
            return []
        entry_ref = self.text(entry, "AcctSvcrRef", where, required=False)
        details = self.all(entry, "NtryDtls/TxDtls")
        if not details:
            raise CamtError(
                f"Element «{where}/NtryDtls/TxDtls» fehlt.", element=f"{where}/NtryDtls/TxDtls"
            )
        return [
            self.transaction(tx, where=f"{where}/NtryDtls/TxDtls[{i}]", booked=booked,
                             account=account, fallback=f"{entry_ref}#{i}" if entry_ref else "")
            for i, tx in enumerate(details, 1)
        ]  # fmt: skip

    def transaction(self, tx, *, where: str, booked, account: str, fallback: str) -> Credit:
        amount, currency = self.amount(tx, where)
        reference = re.sub(r"\s", "", self.text(tx, "RmtInf/Strd/CdtrRefInf/Ref", where))
        debtor = self.text(tx, "RltdPties/Dbtr/Pty/Nm", where, required=False) or self.text(
            tx, "RltdPties/Dbtr/Nm", where, required=False
        )
        bank_ref = self.text(tx, "Refs/AcctSvcrRef", where, required=False) or fallback
        if not bank_ref:
            digest = hashlib.sha256(f"{reference}|{amount}|{booked}|{where}".encode())
            bank_ref = f"sha256:{digest.hexdigest()[:40]}"
        return Credit(
            key=f"{account}:{bank_ref}"[:200],
            reference=reference,
            amount=amount,
            currency=currency,
            booking_date=booked,
            debtor=debtor[:140],
            account=account,
        )
