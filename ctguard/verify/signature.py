"""Checking a digest's SHA256withRSA signature with CloudTrail's public key for its fingerprint."""

from __future__ import annotations

import binascii
import enum
from functools import lru_cache
from typing import Any

from ctguard.verify.digest import Digest


class SignatureCheck(enum.Enum):
    VALID = "valid"
    INVALID = "invalid"  # the signature does not match the digest: digest (or signature) modified
    BAD_KEY = "bad key"  # the public key is not a DER RSA public key
    BAD_SIGNATURE = "bad signature"  # the signature is not hex
    UNSUPPORTED = "unsupported algorithm"


@lru_cache(maxsize=64)
def _load_key(der: bytes) -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    key = load_der_public_key(der)  # reads PKCS#1 RSAPublicKey as well as SubjectPublicKeyInfo
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA key")
    return key


def check_signature(digest: Digest, signature_hex: str, public_key_der: bytes) -> SignatureCheck:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    if digest.algorithm != "SHA256withRSA":
        return SignatureCheck.UNSUPPORTED
    try:
        signature = binascii.unhexlify(signature_hex)
    except (binascii.Error, ValueError):
        return SignatureCheck.BAD_SIGNATURE
    try:
        key = _load_key(public_key_der)
    except ValueError:
        return SignatureCheck.BAD_KEY
    try:
        key.verify(signature, digest.string_to_sign(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return SignatureCheck.INVALID
    return SignatureCheck.VALID
