"""How deeply JSON text nests, measured on the text itself, before any parser recurses.

Python's `json` (and pydantic, and protobuf's JSON reader after it) recurse once per
level: a body of 50 000 `[` costs a RecursionError deep inside whoever parses it. This
counts the nesting with a flat scan instead, so a reader can refuse such text up front.
"""

from __future__ import annotations

import json
import re

# A JSON string (escapes included) or one bracket; whatever lies between is skipped.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


class JsonTooDeep(ValueError):
    """The text nests arrays/objects deeper than allowed."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(f"JSON nested deeper than {max_depth} levels")
        self.max_depth = max_depth


def _text(raw: bytes | str) -> str | None:
    if isinstance(raw, str):
        return raw
    try:  # the encodings json.loads accepts (UTF-8, -16, -32), detected the same way
        return raw.decode(json.detect_encoding(raw), errors="surrogatepass")
    except (UnicodeDecodeError, LookupError):
        return None  # not text a JSON parser would read either


def json_depth_exceeds(raw: bytes | str, max_depth: int) -> bool:
    """True if `raw` opens more than `max_depth` arrays/objects inside one another.

    Brackets inside strings do not count. Text that is not valid JSON is measured as
    far as it goes (the parser will refuse it anyway). Linear in the text's length;
    text with no more than `max_depth` brackets in all is not scanned at all.
    """
    text = _text(raw)
    if text is None or text.count("[") + text.count("{") <= max_depth:
        return False
    depth = 0
    for match in _TOKEN.finditer(text):
        ch = text[match.start()]
        if ch == "[" or ch == "{":
            depth += 1
            if depth > max_depth:
                return True
        elif ch == "]" or ch == "}":
            depth -= 1
    return False


def check_json_depth(raw: bytes | str, max_depth: int) -> None:
    """Raise `JsonTooDeep` if `raw` nests deeper than `max_depth`."""
    if json_depth_exceeds(raw, max_depth):
        raise JsonTooDeep(max_depth)
