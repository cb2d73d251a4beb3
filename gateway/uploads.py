"""One multipart upload with a single `file` part: case materials, 随手拍 photos and
inspection evidence all arrive this way, so the limits and errors are written once.

A declared `Content-Length` over the limit is refused before the form is parsed; the file
part is read to at most one byte past the limit; a missing part is a 422 naming `file`.
The form is closed (its spooled files removed) when the block ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import FormData

from gateway.problems import Problem

MAX_FILE_BYTES = 10 * 1024 * 1024
# The file plus the multipart framing and the small fields beside it.
MAX_BODY_BYTES = MAX_FILE_BYTES + 64 * 1024


@dataclass(frozen=True)
class Upload:
    form: FormData
    content: bytes
    filename: str

    def text(self, name: str, limit: int = 200) -> str:
        """A small text field beside the file ('' when absent); a second file or a longer
        text there is a 422 naming the field."""
        value = self.form.get(name, "")
        if not isinstance(value, str) or len(value) > limit:
            raise Problem(422, "validation_failed", f"{name} is text of at most {limit} characters",
                          errors=[{"field": name, "code": "invalid", "message": "invalid"}])
        return value


@asynccontextmanager
async def one_file(request: Request, what: str, *, max_fields: int) -> AsyncIterator[Upload]:
    """`what` names the upload in messages ("a material", "evidence")."""
    too_large = f"{what} is at most {MAX_FILE_BYTES // (1024 * 1024)} MB"
    length = request.headers.get("content-length")
    if length and length.isascii() and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise Problem(413, "payload_too_large", too_large)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Problem(415, "unsupported_media_type", f"upload {what} as multipart/form-data with a 'file' part")
    form = await request.form(max_files=1, max_fields=max_fields)
    try:
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise Problem(422, "validation_failed", "the 'file' part is missing", errors=[{"field": "file", "code": "required", "message": "required"}])
        content = await upload.read(MAX_FILE_BYTES + 1)
        if len(content) > MAX_FILE_BYTES:
            raise Problem(413, "payload_too_large", too_large)
        yield Upload(form, content, upload.filename or "")
    finally:
        await form.close()
