"""PAdES signatures on delivered PDFs (pyHanko): with the settings PDF_SIGNING_P12 (a PKCS#12
file with the key and its certificate) and PDF_SIGNING_PASSWORD, every delivered PDF is signed,
so that any PDF reader shows whether the file changed after signing; with PDF_TIMESTAMP_URL the
signature also carries an RFC 3161 time-stamp from that authority (PAdES B-T)."""
from __future__ import annotations

import io
from pathlib import Path

from flask import current_app

# pyHanko is imported where a PDF is signed: tens of megabytes that a process which never signs
# (every web process, a worker without PDF_SIGNING_P12) does not carry.

FIELD_NAME = "Delivery"
TIMESTAMP_TIMEOUT_SECONDS = 20


class SigningError(Exception):
    """The PDF could not be signed as configured; the message says which setting to look at."""


def signing_configured() -> bool:
    return bool(current_app.config.get("PDF_SIGNING_P12"))


def _signer():
    from pyhanko.sign import signers

    config = current_app.config
    path = Path(config["PDF_SIGNING_P12"])
    password = config.get("PDF_SIGNING_PASSWORD")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SigningError(f"PDF_SIGNING_P12: cannot read {path}: {error.strerror}") from None
    try:
        return signers.SimpleSigner.load_pkcs12_data(
            data, other_certs=(), passphrase=password.encode() if password else None)
    except ValueError:
        raise SigningError(f"PDF_SIGNING_P12: {path} is no PKCS#12 file that "
                           "PDF_SIGNING_PASSWORD opens") from None


def sign_pdf(pdf: bytes, *, reason: str, location: str | None = None) -> bytes:
    """`pdf` with a PAdES signature over the whole file, appended as an incremental update."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.sign.general import SigningError as PyHankoSigningError
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    signer = _signer()
    url = current_app.config.get("PDF_TIMESTAMP_URL")
    timestamper = HTTPTimeStamper(url, timeout=TIMESTAMP_TIMEOUT_SECONDS) if url else None
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES,
        reason=reason, location=location)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    try:
        signed = signers.sign_pdf(writer, metadata, signer=signer, timestamper=timestamper)
    except TimestampRequestError as error:
        raise SigningError(f"PDF_TIMESTAMP_URL: no time-stamp from {url}: {error}") from None
    except PyHankoSigningError as error:
        raise SigningError(f"the PDF could not be signed: {error}") from None
    return signed.getvalue()
