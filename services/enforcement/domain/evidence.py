"""Evidence captured on the phone, appended to its inspection's chain.

Each entry records what the device said (capture time, position) apart from what the
server saw (receipt time, SHA-256 and size of the bytes it stored), and links to the
entry before it (`domain.chain`). `verify_evidence` checks the links and hashes and that
each stored file still has the SHA-256 its entry records, naming the first entry that
does not hold.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mgov_common.errors import InvalidArgument, ResourceExhausted
from services.enforcement.domain.chain import Break, link, verify_chain

# A "signature" is the subject's representative's on-screen signature, a PNG drawn on the phone.
KINDS = ("photo", "video", "audio", "document", "signature")
MAX_MEDIA_BYTES = 10 * 1024 * 1024  # like photos and documents (the material limit): one gRPC message
MAX_NOTE = 500
MEDIA_TYPES = {"video": ("video/mp4", "video/webm"), "audio": ("audio/mp4", "audio/ogg", "audio/wav", "audio/mpeg", "video/webm")}


def sniff_media(content: bytes) -> str | None:
    """The content type of a video or audio recording, recognised by content."""
    if content[4:8] == b"ftyp":
        return "audio/mp4" if content[8:11] == b"M4A" else "video/mp4"
    if content.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if content.startswith(b"OggS"):
        return "audio/ogg"
    if content.startswith(b"RIFF") and content[8:12] == b"WAVE":
        return "audio/wav"
    if content.startswith(b"ID3") or content[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    return None


def check_media(content: bytes, kind: str, declared_sha256: str = "") -> tuple[str, str]:
    """(content type, sha256) of a video or audio recording, or a 413/422 domain error."""
    if len(content) > MAX_MEDIA_BYTES:
        raise ResourceExhausted(f"a recording is at most {MAX_MEDIA_BYTES // (1024 * 1024)} MB", code="payload_too_large", field="file")
    if not content:
        raise InvalidArgument("the file is empty", code="empty_file", field="file")
    found = sniff_media(content)
    if found is None or found not in MEDIA_TYPES[kind]:
        raise InvalidArgument(f"this is not a {kind} recording this service accepts (checked by content)",
                              code="unsupported_media_type", field="file")
    digest = hashlib.sha256(content).hexdigest()
    if declared_sha256 and declared_sha256.lower() != digest:
        raise InvalidArgument("the sha256 sent does not match the file's content", code="sha256_mismatch", field="sha256")
    return found, digest


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float
    accuracy_m: float = 0.0

    def __post_init__(self) -> None:
        ok = all(math.isfinite(v) for v in (self.latitude, self.longitude, self.accuracy_m))
        if not ok or not -90 <= self.latitude <= 90 or not -180 <= self.longitude <= 180 or not 0 <= self.accuracy_m <= 100_000:
            raise InvalidArgument("a position is a latitude (-90..90), a longitude (-180..180) and an accuracy in metres",
                                  field="position", code="invalid_position")


def _ms(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_entry(*, seq: int, prev_hash: str, inspection_id: str, kind: str, content_type: str, sha256: str, size: int,
              inspector_id: str, device_time: datetime, receive_time: datetime, position: Position | None, note: str,
              request_id: str) -> dict[str, Any]:
    """The next entry of an inspection's evidence chain (canonical, hashed)."""
    if kind not in KINDS:
        raise InvalidArgument(f"evidence is one of {', '.join(KINDS)}", field="kind", code="invalid_kind")
    if len(note) > MAX_NOTE:
        raise InvalidArgument(f"a note is at most {MAX_NOTE} characters", field="note", code="too_long")
    body = {
        "seq": seq, "inspection_id": inspection_id, "kind": kind, "content_type": content_type, "sha256": sha256,
        "size": size, "inspector_id": inspector_id, "device_time": _ms(device_time), "receive_time": _ms(receive_time),
        "position": None if position is None else
        {"latitude": position.latitude, "longitude": position.longitude, "accuracy_m": position.accuracy_m},
        "note": note, "request_id": request_id,
    }
    return link(body, prev_hash)


def verify_evidence(entries: list[dict[str, Any]], stored_sha256: dict[int, str | None], head_count: int,
                    head_hash: str) -> list[Break]:
    """The chain's breaks, then any entry whose stored file no longer has its recorded hash."""
    breaks = verify_chain(entries, head_count, head_hash)
    if breaks:
        return breaks
    for entry in entries:
        actual = stored_sha256.get(entry["seq"])
        if actual is None:
            return [Break(entry["seq"], "its file is missing")]
        if actual != entry["sha256"]:
            return [Break(entry["seq"], "its file was changed (its SHA-256 does not match the recorded one)")]
    return []
