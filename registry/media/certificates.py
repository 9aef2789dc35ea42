"""The registry's C2PA signing certificate and key, the trust anchors a manifest must chain to,
and a development chain for a registry that has none from a certificate authority yet."""

from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

from registry.media.errors import MediaSigningUnavailable


@lru_cache(maxsize=4)
def _read_pem(path: str, mtime: float) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _pem(path: str) -> bytes | None:
    try:
        # Keyed by the file's time: a certificate renewed in place is read again.
        return _read_pem(path, os.stat(path).st_mtime)
    except OSError:
        return None


def signing_material() -> tuple[str, object]:
    """The registry's certificate chain (PEM, leaf first) and private key, from the files the
    settings name; MediaSigningUnavailable when either is missing or unreadable."""
    chain, key = _pem(settings.C2PA_CERT_CHAIN_FILE), _pem(settings.C2PA_PRIVATE_KEY_FILE)
    if not chain or not key:
        raise MediaSigningUnavailable(
            "This registry has no C2PA signing certificate configured (C2PA_CERT_CHAIN_FILE, C2PA_PRIVATE_KEY_FILE)."
        )
    try:
        return chain.decode("ascii"), load_pem_private_key(key, password=None)
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise MediaSigningUnavailable("The configured C2PA private key cannot be read.") from exc


def trust_anchors_pem() -> str | None:
    """The certificates a manifest's chain must end at: the configured anchors, or else the root
    (last certificate) of the registry's own chain. None when neither is configured."""
    if settings.C2PA_TRUST_ANCHORS_FILE:
        anchors = _pem(settings.C2PA_TRUST_ANCHORS_FILE)
        return anchors.decode("ascii") if anchors else None
    chain = _pem(settings.C2PA_CERT_CHAIN_FILE)
    if not chain:
        return None
    marker = b"-----BEGIN CERTIFICATE-----"
    return (marker + chain.split(marker)[-1]).decode("ascii")


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )


def certificate_chain(
    *, organisation: str, now: dt.datetime, days: int = 365
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey, x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A root certificate authority and a C2PA signing certificate it issued (P-256): (root, root
    key, leaf, leaf key). For development and tests; a registry in production signs with a
    certificate from an authority on the C2PA trust list."""
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(f"{organisation} root", organisation)
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days * 10))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{organisation} content credentials", organisation))
        .issuer_name(root_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        # C2PA accepts a signing certificate with one of a few extended key usages; this is one.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    return root, root_key, leaf, leaf_key


def pem(*certificates: x509.Certificate) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certificates)


def private_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
