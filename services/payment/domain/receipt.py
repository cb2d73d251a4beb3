"""Electronic receipts (电子票据): the document a payment leaves, signed by the platform.

The document is canonical JSON (sorted keys, no spaces, UTF-8) of the receipt's fields;
the signature is Ed25519 over exactly those bytes, so anyone holding the published key
can check a receipt without asking the platform. Pure: signing and verifying take the
key objects from the caller.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def canonical(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: Ed25519PrivateKey, document_json: str) -> str:
    return b64url(key.sign(document_json.encode()))


def verify(key: Ed25519PublicKey, document_json: str, signature: str) -> bool:
    try:
        key.verify(unb64url(signature), document_json.encode())
    except (InvalidSignature, ValueError):
        return False
    return True


def key_id(public: Ed25519PublicKey) -> str:
    """A stable id for the key: the first 16 characters of its base64url raw bytes' hash."""
    import hashlib

    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "receipt-" + b64url(hashlib.sha256(raw).digest())[:16]


def jwk(public: Ed25519PublicKey) -> dict[str, str]:
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw), "kid": key_id(public), "use": "sig", "alg": "EdDSA"}


def public_from_jwk(entry: dict[str, Any]) -> Ed25519PublicKey:
    if entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
        raise ValueError("not an Ed25519 key")
    return Ed25519PublicKey.from_public_bytes(unb64url(str(entry.get("x", ""))))


def verify_file(content: bytes, keys: dict[str, Ed25519PublicKey]) -> tuple[bool, str, dict[str, Any] | None]:
    """Checks a receipt file ({"document_json", "signature", "key_id"}): (valid, reason, document)."""
    try:
        held = json.loads(content)
        document_json, signature, kid = held["document_json"], held["signature"], held["key_id"]
        document = json.loads(document_json)
        if not all(isinstance(v, str) for v in (document_json, signature, kid)) or not isinstance(document, dict):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        return False, "malformed", None
    key = keys.get(kid)
    if key is None:
        return False, "unknown_key", document
    if not verify(key, document_json, signature):
        return False, "signature_mismatch", document
    return True, "", document
