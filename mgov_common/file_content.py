"""What an uploaded material may contain, checked by content, one rule set per type.

Magic numbers say what a file claims to be; they do not say what else it is. A PNG can
carry an HTML page in a text chunk or after its end (a polyglot a browser may render),
a PDF can run JavaScript when opened, launch programs or carry other files. So each
allowed type is parsed by a library made for it and refused when it holds active
content:

- JPEG and PNG are decoded in full by Pillow (a file that does not decode is refused, as
  is one over `MAX_PIXELS`); their metadata (PNG chunks other than pixel data, text
  chunks after decompression, JPEG headers, anything after the image's end) may hold no
  markup; PNG may hold nothing after IEND; the whole file may hold no script markup.
- PDF is parsed by qpdf (pikepdf); every object is inspected: JavaScript (`/JS`,
  `/JavaScript` actions and name trees), an `/OpenAction` other than "open at this page"
  (a destination or a plain GoTo, which word processors write), additional actions
  (`/AA`), `/Launch`, embedded files and file attachments, rich media, XFA forms, remote
  go-to, import and submit actions are refused. Names written with `#xx` escapes are seen decoded. A PDF
  that needs a password to open cannot be inspected and is refused.
- OFD (GB/T 33190) is a zip: bounded in entries and expanded size, no absolute or `..`
  paths, `OFD.xml` at its root, no attachments, no entry of an executable or web type,
  and no markup in its XML parts.

SVG, HTML and every other type are not on the allow-list (SVG is a script container).
The caller runs `inspect` off the event loop: decoding a large image takes a while.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Iterable

MAX_PIXELS = 50_000_000
MAX_OFD_ENTRIES = 2000
MAX_OFD_EXPANDED = 100 * 1024 * 1024

# Script markup anywhere in a file (long enough never to occur by chance in compressed data).
_SCRIPT = re.compile(rb"<\s*script|javascript:|vbscript:|<\s*iframe|<\?php|<!doctype\s+html|<\s*object[\s>]|<\s*embed[\s>]", re.I)
# Any markup where only text or metadata belongs (image metadata, OFD XML text).
# (Tags of three letters or more: shorter ones occur by chance in binary metadata.)
_MARKUP = re.compile(rb"<\s*(?:script|html|body|head|svg|iframe|object|embed|meta|link|style|form|img)[\s>/]|javascript:|vbscript:"
                     rb"|<\?php|<!doctype\s+html|\bon(?:load|error|click|mouseover|focus)\s*=", re.I)
_PDF_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/AA", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/EF",
                              "/RichMedia", "/RichMediaContent", "/XFA"})
_PDF_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/GoToE", "/GoToR", "/RichMediaExecute",
                                 "/Rendition", "/Movie", "/Sound"})
_PDF_ACTIVE_TYPES = frozenset({"/EmbeddedFile", "/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/Screen", "/3D"})
_PDF_RAW = re.compile(rb"/JavaScript|/Launch|/EmbeddedFile|/RichMedia")
_OFD_REFUSED_SUFFIXES = (".js", ".mjs", ".html", ".htm", ".xhtml", ".svg", ".exe", ".dll", ".bat", ".cmd", ".sh", ".ps1",
                         ".vbs", ".jar", ".swf", ".php", ".hta", ".scr", ".com", ".msi", ".apk")


class Refused(ValueError):
    """The content is not acceptable; `code` is the problem code, the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _no_markup(parts: Iterable[bytes], where: str) -> None:
    for part in parts:
        if _MARKUP.search(part):
            raise Refused("active_content", f"the {where} holds markup or script; upload the plain file")


def _no_script(content: bytes, kind: str) -> None:
    if _SCRIPT.search(content):
        raise Refused("active_content", f"the {kind} file holds script or HTML; upload the plain file")


def _png_chunks(content: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk; nothing may follow IEND."""
    chunks, pos = [], 8
    while pos + 12 <= len(content):
        (length,) = struct.unpack(">I", content[pos:pos + 4])
        kind = content[pos + 4:pos + 8]
        end = pos + 12 + length
        if end > len(content):
            raise Refused("undecodable_file", "the PNG file is truncated")
        chunks.append((kind, content[pos + 8:pos + 8 + length]))
        pos = end
        if kind == b"IEND":
            break
    if not chunks or chunks[-1][0] != b"IEND":
        raise Refused("undecodable_file", "the PNG file has no end")
    if pos != len(content):
        raise Refused("active_content", "the PNG file has data after its end")
    return chunks


def _jpeg_metadata(content: bytes) -> list[bytes]:
    """The header segments before the first scan, and whatever follows the last end marker."""
    scan = content.find(b"\xff\xda")
    end = content.rfind(b"\xff\xd9")
    return [content[:scan if scan > 0 else len(content)], content[end + 2:] if end > 0 else b""]


def _decode_image(content: bytes, fmt: str) -> list[bytes]:
    """Decode the whole image; the text its metadata holds (decompressed), for the markup check."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content), formats=[fmt]) as im:
            if im.width * im.height > MAX_PIXELS:
                raise Refused("image_too_large", f"an image has at most {MAX_PIXELS // 1_000_000} million pixels")
            im.verify()
        with Image.open(io.BytesIO(content), formats=[fmt]) as im:
            im.load()
            texts = [str(v).encode("utf-8", "replace") for v in getattr(im, "text", {}).values()]
            texts += [v for v in im.info.values() if isinstance(v, bytes)]
            texts += [str(v).encode("utf-8", "replace") for v in im.info.values() if isinstance(v, str)]
            return texts
    except Refused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error, Image.DecompressionBombError):
        raise Refused("undecodable_file", f"the {fmt} image does not decode") from None


def inspect_png(content: bytes) -> None:
    chunks = _png_chunks(content)
    _no_markup((data for kind, data in chunks if kind != b"IDAT"), "PNG metadata")
    _no_markup(_decode_image(content, "PNG"), "PNG metadata")
    _no_script(content, "PNG")


def inspect_jpeg(content: bytes) -> None:
    _no_markup(_jpeg_metadata(content), "JPEG metadata")
    _no_markup(_decode_image(content, "JPEG"), "JPEG metadata")
    _no_script(content, "JPEG")


def _pdf_object_refusal(obj: object) -> str | None:
    import pikepdf

    if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        return None
    keys = set(obj.keys())
    if found := keys & _PDF_ACTIVE_KEYS:
        return f"the PDF holds {sorted(found)[0][1:]}"
    if "/OpenAction" in keys:
        # Word and Acrobat write "open at page 1, fit" as a destination (an array) or a
        # GoTo action; any other opening action runs something: refused.
        action = obj.get("/OpenAction")
        if not (isinstance(action, pikepdf.Array) or (isinstance(action, pikepdf.Dictionary) and action.get("/S") == pikepdf.Name.GoTo
                                                       and "/Next" not in action)):
            return "the PDF holds an OpenAction"
    for key, refused in (("/S", _PDF_ACTIVE_ACTIONS), ("/Type", _PDF_ACTIVE_TYPES), ("/Subtype", _PDF_ACTIVE_TYPES)):
        value = obj.get(key)
        if isinstance(value, pikepdf.Name) and str(value) in refused:
            return f"the PDF holds {str(value)[1:]}"
    return None


def _pdf_walk(roots: list[object]) -> Iterable[object]:
    """Every indirect object and every dictionary or array nested directly in one (an
    action is often a direct dictionary inside an annotation); references are not
    followed, their targets being indirect objects visited in turn. No recursion."""
    import pikepdf

    stack = list(roots)
    while stack:
        obj = stack.pop()
        yield obj
        if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            children: Iterable[object] = obj.values()
        elif isinstance(obj, pikepdf.Array):
            children = list(obj)
        else:
            continue
        stack.extend(c for c in children if isinstance(c, (pikepdf.Dictionary, pikepdf.Array)) and not c.is_indirect)


def inspect_pdf(content: bytes) -> None:
    import pikepdf

    if found := _PDF_RAW.search(content):
        raise Refused("active_content", f"the PDF holds {found.group().decode()[1:]}; upload a PDF without scripts, actions or attachments")
    try:
        with pikepdf.open(io.BytesIO(content)) as pdf:
            for obj in _pdf_walk([pdf.trailer, *pdf.objects]):
                if why := _pdf_object_refusal(obj):
                    raise Refused("active_content", f"{why}; upload a PDF without scripts, actions or attachments")
    except pikepdf.PasswordError:
        raise Refused("encrypted_file", "the PDF needs a password to open; upload it without one") from None
    except pikepdf.PdfError:
        raise Refused("undecodable_file", "the PDF cannot be parsed") from None


def inspect_ofd(content: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            entries = zf.infolist()
            if len(entries) > MAX_OFD_ENTRIES or sum(e.file_size for e in entries) > MAX_OFD_EXPANDED:
                raise Refused("undecodable_file", "the OFD package is too large when expanded")
            names = [e.filename for e in entries]
            if "OFD.xml" not in names:
                raise Refused("undecodable_file", "an OFD package has OFD.xml at its root")
            for e in entries:
                name = e.filename.lower()
                if name.startswith("/") or "\\" in name or ".." in name.split("/") or ":" in name:
                    raise Refused("active_content", "the OFD package has an entry outside it")
                if name.endswith(_OFD_REFUSED_SUFFIXES) or "attachments" in name.rsplit("/", 1)[-1]:
                    raise Refused("active_content", "the OFD package holds attachments or executable or web content")
                if name.endswith(".xml"):
                    xml = zf.read(e)
                    if re.search(rb"<\s*(?:ofd:)?Attachments[\s>]", xml):
                        raise Refused("active_content", "the OFD package holds attachments")
                    _no_markup([xml.replace(b"<?xml", b"")], "OFD package")
    except zipfile.BadZipFile:
        raise Refused("undecodable_file", "the OFD package is not a valid zip") from None


INSPECTORS = {"application/pdf": inspect_pdf, "application/ofd": inspect_ofd, "image/jpeg": inspect_jpeg, "image/png": inspect_png}


def inspect(kind: str, content: bytes) -> None:
    """Refused unless the content of this (sniffed) type is well formed and holds no active content."""
    INSPECTORS[kind](content)
