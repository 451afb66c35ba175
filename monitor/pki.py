"""A small PKI (root CA -> intermediate -> leaf) built with ``cryptography``, for the demo and tests.

Usage::

    from monitor.pki import make_pki

    pki = make_pki(tmp_path, now=now, leaf_days=30)   # now: aware datetime, whole seconds
    pki.ca_file        # root CA PEM: give it to clients as their trust anchor
    pki.chain_file     # leaf + intermediate (+ root) PEM, what the server presents
    pki.key_file       # leaf private key PEM
    pki.not_after      # (leaf, intermediate, root) expiry datetimes, in chain order
    pki.server_context()   # ssl.SSLContext for an aiohttp / asyncio test server

Expiry is ``now + N days`` exactly, so tests can assert the days left of every certificate.
A negative ``leaf_days`` gives an expired leaf (verification then fails).
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True, slots=True)
class Pki:
    ca_file: Path
    chain_file: Path
    key_file: Path
    not_after: tuple[datetime, ...]     # leaf, intermediate, root
    subjects: tuple[str, ...]           # RFC 4514 subjects, same order

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.chain_file, self.key_file)
        return ctx


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Vigie tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _cert(*, subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey,
          signer: ec.EllipticCurvePrivateKey, not_before: datetime, not_after: datetime,
          ca: bool, path_length: int | None = None,
          hosts: tuple[str, ...] = ()) -> x509.Certificate:
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                              critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   signer.public_key()), critical=False))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    else:
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        builder = (builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                                  critical=False))
    return builder.sign(signer, hashes.SHA256())


def make_pki(directory: Path, *, now: datetime, leaf_days: int = 30,
             intermediate_days: int = 400, root_days: int = 3650,
             hosts: tuple[str, ...] = DEFAULT_HOSTS, include_root: bool = True,
             prefix: str = "test") -> Pki:
    """Write ``<prefix>-ca.pem``, ``-chain.pem`` and ``-key.pem`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    start = now - timedelta(days=max(10, 2 - leaf_days))
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]  # root, inter, leaf
    names = [_name(f"{prefix} root CA"), _name(f"{prefix} intermediate CA"), _name(hosts[0])]
    root = _cert(subject=names[0], issuer=names[0], key=keys[0], signer=keys[0],
                 not_before=start, not_after=now + timedelta(days=root_days), ca=True)
    inter = _cert(subject=names[1], issuer=names[0], key=keys[1], signer=keys[0],
                  not_before=start, not_after=now + timedelta(days=intermediate_days), ca=True,
                  path_length=0)
    leaf = _cert(subject=names[2], issuer=names[1], key=keys[2], signer=keys[1],
                 not_before=start, not_after=now + timedelta(days=leaf_days), ca=False,
                 hosts=hosts)
    pem = serialization.Encoding.PEM
    ca_file = directory / f"{prefix}-ca.pem"
    chain_file = directory / f"{prefix}-chain.pem"
    key_file = directory / f"{prefix}-key.pem"
    ca_file.write_bytes(root.public_bytes(pem))
    served = [leaf, inter] + ([root] if include_root else [])
    chain_file.write_bytes(b"".join(c.public_bytes(pem) for c in served))
    key_file.write_bytes(keys[2].private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    certs = (leaf, inter, root)
    return Pki(ca_file=ca_file, chain_file=chain_file, key_file=key_file,
               not_after=tuple(c.not_valid_after_utc for c in certs),
               subjects=tuple(c.subject.rfc4514_string() for c in certs))
