"""Uploaded materials: at most 10 MB each, of an allowed type recognised by content.

The declared content type of an upload is not trusted: the bytes are sniffed (magic
numbers) and must be one of the allow-list (PDF, OFD, JPEG, PNG); then the file is
parsed as that type and refused if it holds active content (`mgov_common.file_content`); the
sniffed type is what is stored. The SHA-256 of the bytes is kept, and a hash the client
sent must match it.

The file name is shown to staff and used when the file is saved, so it is normalised
(`clean_filename`): NFC; bidirectional controls (U+202E would show `gpj.exe` as
`exe.jpg`), other control and format characters removed; folders stripped; leading dots
removed; at most 120 characters; and, when its extension does not match the content,
the content's extension appended.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from mgov_common.errors import InvalidArgument, ResourceExhausted
from mgov_common.file_content import Refused, inspect

MAX_BYTES = 10 * 1024 * 1024
ALLOWED = ("application/pdf", "application/ofd", "image/jpeg", "image/png")
EXTENSIONS = {"application/pdf": (".pdf",), "application/ofd": (".ofd",), "image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",)}
MAX_FILENAME = 120
_SPACES = re.compile(r"\s+")


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


def clean_filename(filename: str, kind: str) -> str:
    """The name to store: readable as shown, no hidden characters, no folders, the content's extension."""
    name = unicodedata.normalize("NFC", filename or "")
    # Cc (controls), Cf (format: bidi overrides and isolates, zero-width joiners, BOM), Cs, Co, Cn.
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _SPACES.sub(" ", name).strip().lstrip(".").strip()
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    wanted = EXTENSIONS[kind]
    suffix = f".{ext.lower()}" if ext else ""
    if suffix not in wanted:
        stem, suffix = (name, wanted[0])
    stem = stem[:MAX_FILENAME - len(suffix)].rstrip(" .") or "upload"
    return stem + suffix


def check_upload(content: bytes, filename: str, declared_sha256: str = "") -> tuple[str, str, str]:
    """(sniffed content type, sha256 hex, clean filename) or a 413/415/422 domain error.

    CPU-bound (images are decoded in full): call it off the event loop."""
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
    try:
        inspect(kind, content)
    except Refused as exc:
        raise InvalidArgument(str(exc), code=exc.code, field="file") from None
    return kind, digest, clean_filename(filename, kind)
