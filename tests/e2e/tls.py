"""Throwaway TLS material for tests: a self-signed certificate written where a compiled nginx.conf
expects its ssl_certificate and ssl_certificate_key (paths relative to the prefix)."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed(common_name: str = "localhost") -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM) valid for a day, for 127.0.0.1 and localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def write_throwaway_certificates(conf_dir: Path) -> None:
    """Create the certificate and key files a compiled nginx.conf names, if it names any."""
    text = (conf_dir / "nginx.conf").read_text()
    cert = re.search(r"^\s*ssl_certificate (\S+);", text, re.M)
    key = re.search(r"^\s*ssl_certificate_key (\S+);", text, re.M)
    if not cert or not key:
        return
    cert_pem, key_pem = self_signed()
    for rel, data in ((cert.group(1), cert_pem), (key.group(1), key_pem)):
        path = Path(rel) if rel.startswith("/") else conf_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
