"""Uploaded materials: at most 10 MB each, of an allowed type recognised by content.

The declared content type of an upload is not trusted: the bytes are sniffed (magic
numbers) and must be one of the allow-list (PDF, OFD, JPEG, PNG); the sniffed type is
what is stored. The SHA-256 of the bytes is kept, and a hash the client sent must
match it.
"""

from __future__ import annotations

import hashlib
import re

from mgov_common.errors import InvalidArgument, ResourceExhausted

MAX_BYTES = 10 * 1024 * 1024
ALLOWED = ("application/pdf", "application/ofd", "image/jpeg", "image/png")
_FILENAME_BAD = re.compile(r"[\x00-\x1f/\\]")


def sniff(content: bytes) -> str | None:
    """The content type the bytes really are, if allowed; None otherwise."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    # OFD (GB/T 33190, China's electronic document format) is a zip whose root holds OFD.xml.
    if content.startswith(b"PK\x03\x04") and b"OFD.xml" in content[:4096]:
        return "application/ofd"
    return None


def check_upload(content: bytes, filename: str, declared_sha256: str = "") -> tuple[str, str, str]:
    """(sniffed content type, sha256 hex, clean filename) or a 413/415/422 domain error."""
    if len(content) > MAX_BYTES:
        raise ResourceExhausted(f"a material is at most {MAX_BYTES // (1024 * 1024)} MB", code="payload_too_large", field="file")
    if not content:
        raise InvalidArgument("the file is empty", code="empty_file", field="file")
    kind = sniff(content)
    if kind is None:
        raise InvalidArgument(f"only {', '.join(ALLOWED)} files are accepted (checked by content)", code="unsupported_media_type", field="file")
    digest = hashlib.sha256(content).hexdigest()
    if declared_sha256 and declared_sha256.lower() != digest:
        raise InvalidArgument("the sha256 sent does not match the file's content", code="sha256_mismatch", field="sha256")
    name = _FILENAME_BAD.sub("_", (filename or "").strip())[:200] or "upload"
    return kind, digest, name
