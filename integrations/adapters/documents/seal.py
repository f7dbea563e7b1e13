"""Electronic seals on the portal's documents: PAdES signatures with the commune's sealing key
(``documents.seal``), and their check for anyone (``documents.seal_check``), with pyHanko.

A seal is a PAdES baseline signature (ETSI.CAdES.detached, SHA-256) in an incremental update of
the PDF: the certificate's subject names the commune, the signature's "reason" holds the
document's title and case reference. Configuration (``INTEGRATIONS["sealing"]``, per commune
once the commune's configuration provides it):

* ``key_pem`` / ``cert_pem`` (and optionally ``chain_pem``): the commune's sealing key and
  certificate, issued by the canton's sealing authority;
* ``SEAL_TRUST_ROOTS``: PEM files of the sealing authorities the check trusts.

Development and tests (``SEAL_DEV_CA``, on unless production): without a configured key, each
commune gets a key and a certificate issued by a local test authority ("Kanton Luzern
Test-Siegelstelle", created once in ``SEAL_DEV_DIR``); the check trusts that authority too, and
says that it is a test authority. No network access: no timestamp server, no revocation
fetching (a qualified seal with a timestamp is one configuration away: pyHanko's
``HTTPTimeStamper`` in ``_signer``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import functools
import hashlib
import io
import threading
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from integrations.base import Adapter, PermanentError
from integrations.registry import register

from .data import SealCheck, SealCheckRequest, SealedPdf, SealRequest

DEV_CA_NAME = "Kanton Luzern Test-Siegelstelle"
FIELD_NAME = "Siegel"
_lock = threading.Lock()


def _dev_dir() -> Path:
    return Path(getattr(settings, "SEAL_DEV_DIR", "var/seal"))


def _dev_enabled() -> bool:
    return bool(getattr(settings, "SEAL_DEV_CA", False))


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CH"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Luzern"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _issue(subject: str, *, issuer_key=None, issuer_name=None, ca: bool) -> tuple[bytes, bytes]:
    """A new RSA key and its certificate (self-signed without an issuer) as PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name or _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650 if ca else 1825))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    cert = builder.sign(issuer_key or key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def _dev_ca() -> tuple[bytes, bytes]:
    """The local test authority's key and certificate (created once, kept in SEAL_DEV_DIR)."""
    folder = _dev_dir()
    key_file, cert_file = folder / "test-ca.key.pem", folder / "test-ca.cert.pem"
    with _lock:
        if not (key_file.exists() and cert_file.exists()):
            folder.mkdir(parents=True, exist_ok=True)
            key_pem, cert_pem = _issue(DEV_CA_NAME, ca=True)
            key_file.write_bytes(key_pem)
            key_file.chmod(0o600)
            cert_file.write_bytes(cert_pem)
    return key_file.read_bytes(), cert_file.read_bytes()


def dev_sealing_identity(*, commune_name: str, bfs_number: int) -> dict[str, str]:
    """A test sealing key and certificate for a commune, issued by the test authority (created
    once per commune in SEAL_DEV_DIR): what the run command puts into a commune's
    configuration."""
    folder = _dev_dir()
    key_file = folder / f"{bfs_number}.key.pem"
    cert_file = folder / f"{bfs_number}.cert.pem"
    ca_key_pem, ca_cert_pem = _dev_ca()
    with _lock:
        if not (key_file.exists() and cert_file.exists()):
            ca_key = serialization.load_pem_private_key(ca_key_pem, password=None)
            ca_cert = x509.load_pem_x509_certificate(ca_cert_pem)
            key_pem, cert_pem = _issue(
                f"Gemeinde {commune_name} (BFS {bfs_number})",
                issuer_key=ca_key,
                issuer_name=ca_cert.subject,
                ca=False,
            )
            key_file.write_bytes(key_pem)
            key_file.chmod(0o600)
            cert_file.write_bytes(cert_pem)
    return {
        "key_pem": key_file.read_text(),
        "cert_pem": cert_file.read_text(),
        "chain_pem": ca_cert_pem.decode(),
    }


class _Signer(signers.SimpleSigner):
    """pyHanko's SimpleSigner, keeping the loaded RSA key: pyHanko loads (and checks) the key
    for every signature, about 45 ms for RSA-2048, ten times the signing itself."""

    def __init__(self, *, loaded_key: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self._loaded_key = loaded_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo == "rsassa_pkcs1v15" and isinstance(
            self._loaded_key, rsa.RSAPrivateKey
        ):
            return self._loaded_key.sign(
                data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm)
            )
        return super().sign_raw(data, digest_algorithm)


@functools.lru_cache(maxsize=64)
def _signer(key_pem: str, cert_pem: str, chain_pem: str) -> signers.SimpleSigner:
    key = load_private_key_from_pemder_data(key_pem.encode(), passphrase=None)
    # The certificate may be followed by its issuing chain in the same PEM text.
    cert, *chain = list(load_certs_from_pemder_data(cert_pem.encode()))
    if chain_pem:
        chain += list(load_certs_from_pemder_data(chain_pem.encode()))
    return _Signer(
        loaded_key=serialization.load_pem_private_key(key_pem.encode(), password=None),
        signing_cert=cert,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([cert, *chain]),
    )


@register("documents.seal")
class SealAdapter(Adapter):
    """PDF → the same PDF with the commune's seal (``SealedPdf``). Local; a PDF that cannot be
    read or a missing sealing key is permanent."""

    config_name = "sealing"

    def _identity(self, request: SealRequest) -> dict[str, str]:
        if self.config.get("key_pem") and self.config.get("cert_pem"):
            return {k: str(self.config.get(k) or "") for k in ("key_pem", "cert_pem", "chain_pem")}
        if _dev_enabled():
            return dev_sealing_identity(
                commune_name=request.commune_name, bfs_number=request.bfs_number
            )
        raise PermanentError(
            "Für die Gemeinde ist kein Siegelschlüssel hinterlegt: das Dokument kann nicht "
            "gesiegelt werden.",
            code="no_sealing_key",
        )

    def call(self, request: SealRequest, *, idempotency_key: str) -> SealedPdf:
        identity = self._identity(request)
        signer = _signer(identity["key_pem"], identity["cert_pem"], identity.get("chain_pem", ""))
        metadata = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=f"{request.title} {request.reference}".strip(),
            location=f"{request.commune_name}, Kanton Luzern",
            name=signer.subject_name,
        )
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(request.pdf))
            # A fixed reserve (a seal with its chain needs about 5 kB) spares pyHanko a dry
            # run to estimate the size.
            output = _outside_event_loop(
                signers.sign_pdf, writer, metadata, signer=signer, bytes_reserved=16384
            )
        except Exception as exc:
            raise PermanentError(
                f"Das PDF konnte nicht gesiegelt werden: {exc}", code="seal"
            ) from exc
        content = output.getvalue()
        return SealedPdf(
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            signer=signer.subject_name or "",
        )


def _outside_event_loop(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``func`` (pyHanko's synchronous API, which calls ``asyncio.run``) in this thread, or
    in a helper thread when this thread already runs an event loop (an async caller, or the
    browser tests' Playwright)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return func(*args, **kwargs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(func, *args, **kwargs).result()


def _trust_roots() -> list[asn1_x509.Certificate]:
    roots = []
    for path in getattr(settings, "SEAL_TRUST_ROOTS", []) or []:
        roots.extend(load_certs_from_pemder_data(Path(path).read_bytes()))
    if _dev_enabled():
        roots.extend(load_certs_from_pemder_data(_dev_ca()[1]))
    return roots


def _dev_issued(issuer: str) -> bool:
    return DEV_CA_NAME in issuer


@register("documents.seal_check")
class SealCheckAdapter(Adapter):
    """Uploaded PDF → ``SealCheck``: is there a seal, are the sealed bytes unchanged and do
    they cover the whole file, does the certificate chain to a trusted sealing authority."""

    def call(self, request: SealCheckRequest, *, idempotency_key: str = "") -> SealCheck:
        try:
            reader = PdfFileReader(io.BytesIO(request.pdf), strict=False)
            seals = reader.embedded_signatures
        except Exception:
            return SealCheck(sealed=False, problem="Die Datei ist kein lesbares PDF.")
        if not seals:
            return SealCheck(sealed=False, problem="Das PDF trägt kein elektronisches Siegel.")
        seal = seals[-1]
        context = ValidationContext(trust_roots=_trust_roots(), allow_fetching=False)
        try:
            status = _outside_event_loop(validate_pdf_signature, seal, context)
        except Exception:
            return SealCheck(sealed=True, problem="Das Siegel ist beschädigt und nicht lesbar.")
        whole = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
        intact = bool(status.intact and status.valid and whole)
        cert = status.signing_cert
        issuer = cert.issuer.native.get("common_name", "") if cert is not None else ""
        problem = ""
        if not intact:
            problem = "Das Dokument wurde nach dem Siegeln verändert."
        elif not status.trusted:
            problem = "Das Siegel stammt nicht von einer anerkannten Siegelstelle."
        return SealCheck(
            sealed=True,
            intact=intact,
            trusted=bool(status.trusted),
            signer=cert.subject.native.get("common_name", "") if cert is not None else "",
            issuer=issuer + (" (Testumgebung)" if _dev_issued(issuer) else ""),
            sealed_at=status.signer_reported_dt.isoformat() if status.signer_reported_dt else "",
            reason=str(seal.sig_object.get("/Reason", "") or ""),
            problem=problem,
        )
