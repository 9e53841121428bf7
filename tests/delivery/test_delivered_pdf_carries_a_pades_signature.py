"""With a signing certificate configured, the delivered PDF carries a PAdES signature (with an
RFC 3161 time-stamp when a time-stamp authority is configured): pyHanko's validator, trusting
the campaign's certificate, passes the delivered file and fails a copy with one byte changed.
A certificate that cannot be opened is a clear error, and nothing is delivered."""
from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko_certvalidator import ValidationContext

from helpers.delivery import (
    deliver,
    deliveries,
    letter_row,
    page_texts,
    pdf_attachments,
    published_letter_with_signatures,
)
from helpers.pages import BASE_URL
from helpers.servers import free_port
from helpers.staff import Staff

PASSWORD = "geheim wachtwoord"


def delivery_url(delivery) -> str:
    return f"{BASE_URL}/verify/{delivery.id}"


def _certificate(common_name: str, key, *, time_stamping: bool = False) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Campagne (test)")])
    now = datetime.now(UTC)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(
                   digital_signature=True, content_commitment=True, key_encipherment=False,
                   data_encipherment=False, key_agreement=False, key_cert_sign=False,
                   crl_sign=False, encipher_only=False, decipher_only=False), critical=True))
    if time_stamping:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(key, hashes.SHA256())


@pytest.fixture(scope="module")
def campaign_key():
    """A throw-away key and self-signed certificate, as the campaign's signing identity."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key, _certificate("Campagne Gelijke Kansen", key)


@pytest.fixture
def p12_path(tmp_path, campaign_key):
    key, certificate = campaign_key
    path = tmp_path / "ondertekening.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"campagne", key, certificate, None,
        serialization.BestAvailableEncryption(PASSWORD.encode())))
    return path


def _trusting(*certificates: x509.Certificate) -> ValidationContext:
    return ValidationContext(trust_roots=[
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
        for c in certificates])


def _validate(pdf: bytes, context: ValidationContext):
    [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    return validate_pdf_signature(signature, context)


def _one_byte_changed(pdf: bytes) -> bytes:
    """A copy with one byte of the first page's content stream changed: still a readable PDF."""
    start = pdf.index(b"stream\n") + len(b"stream\n")
    changed = bytearray(pdf)
    changed[start + 40] ^= 0x01
    return bytes(changed)


def test_the_delivered_pdf_is_signed_and_any_change_shows(make_app, tmp_path, factories,
                                                          mailbox, p12_path, campaign_key):
    app = make_app(PDF_SIGNING_P12=str(p12_path), PDF_SIGNING_PASSWORD=PASSWORD)
    staff = Staff(app, tmp_path)
    slug = published_letter_with_signatures(staff, type(factories)(app))
    result = deliver(staff, slug)
    assert result.exit_code == 0, result.output
    assert "signed: PAdES" in result.output
    [delivery] = deliveries(app, slug)
    assert delivery.signed

    trust = _trusting(campaign_key[1])
    status = _validate(delivery.pdf, trust)
    assert status.intact and status.valid and status.trusted
    assert status.bottom_line
    assert status.coverage.name == "ENTIRE_FILE"  # nothing added after signing
    assert status.signing_cert.subject.native["common_name"] == "Campagne Gelijke Kansen"
    [signature] = PdfFileReader(io.BytesIO(delivery.pdf)).embedded_signatures
    assert signature.sig_object["/Reason"] == (
        f"Verzonden aan postbus@minocw.example.nl; controleer op {delivery_url(delivery)}")
    # The signature was added as an incremental update: the letter reads as before.
    assert f"/verify/{delivery.id}" in page_texts(delivery.pdf)[-1]

    tampered = _one_byte_changed(delivery.pdf)
    try:
        changed = _validate(tampered, trust)
    except SignatureValidationError:
        pass  # refused outright: just as good
    else:
        assert not changed.intact and not changed.bottom_line

    # Not trusting the certificate: intact, but not trusted.
    stranger = _validate(delivery.pdf, ValidationContext(trust_roots=[]))
    assert stranger.intact and not stranger.trusted

    # The mail room gets exactly the signed file.
    staff.send_mail()
    [(_, attached)] = pdf_attachments(mailbox.messages[-1])
    assert attached == delivery.pdf


class _TimeStampAuthority(BaseHTTPRequestHandler):
    """An RFC 3161 time-stamp authority on loopback, signing with pyHanko's test TSA."""
    stamper: DummyTimeStamper
    requests = 0

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        answer = self.stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
        type(self).requests += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def time_stamp_authority():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = _certificate("Tijdstempeldienst (test)", key, time_stamping=True)
    _TimeStampAuthority.stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())))
    _TimeStampAuthority.requests = 0
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _TimeStampAuthority)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa", certificate
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_with_a_time_stamp_authority_the_signature_carries_its_time(
        make_app, tmp_path, factories, p12_path, campaign_key, time_stamp_authority):
    url, tsa_certificate = time_stamp_authority
    app = make_app(PDF_SIGNING_P12=str(p12_path), PDF_SIGNING_PASSWORD=PASSWORD,
                   PDF_TIMESTAMP_URL=url)
    staff = Staff(app, tmp_path)
    slug = published_letter_with_signatures(staff, type(factories)(app))
    result = deliver(staff, slug)
    assert result.exit_code == 0, result.output
    assert _TimeStampAuthority.requests >= 1  # pyHanko also asks once to size the signature
    [delivery] = deliveries(app, slug)
    status = _validate(delivery.pdf, _trusting(campaign_key[1], tsa_certificate))
    assert status.bottom_line
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.intact and status.timestamp_validity.trusted
    stamped = status.timestamp_validity.timestamp
    assert abs(stamped - datetime.now(UTC)) < timedelta(minutes=5)


@pytest.mark.parametrize("settings, said", [
    ({"PDF_SIGNING_PASSWORD": "fout"}, "is no PKCS#12 file that PDF_SIGNING_PASSWORD opens"),
    ({"PDF_SIGNING_P12": "/nergens/ondertekening.p12"}, "PDF_SIGNING_P12: cannot read"),
    ({"PDF_TIMESTAMP_URL": "http://127.0.0.1:9/tsa"}, "PDF_TIMESTAMP_URL: no time-stamp"),
])
def test_signing_that_fails_delivers_nothing(make_app, tmp_path, factories, p12_path, settings,
                                             said):
    config = {"PDF_SIGNING_P12": str(p12_path), "PDF_SIGNING_PASSWORD": PASSWORD, **settings}
    app = make_app(**config)
    staff = Staff(app, tmp_path)
    slug = published_letter_with_signatures(staff, type(factories)(app))
    result = deliver(staff, slug)
    assert result.exit_code == 1
    assert said in result.output and "nothing was delivered" in result.output
    assert deliveries(app, slug) == []
    assert letter_row(app, slug).status == "open"
