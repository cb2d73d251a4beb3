"""Files to upload in tests: real, well-formed materials made with the same libraries
the platform checks them with, and crafted ones carrying active content."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable

import pikepdf
from PIL import Image, PngImagePlugin

HTML = b"<html><body><script>fetch('/v1/me').then(r=>r.text()).then(alert)</script></body></html>"


def pdf(change: Callable[[pikepdf.Pdf], None] | None = None, *, packed: bool = False) -> bytes:
    """A one-page PDF; `packed` puts its objects into compressed object streams (no name readable in the bytes)."""
    doc = pikepdf.new()
    doc.add_blank_page(page_size=(595, 842))
    if change is not None:
        change(doc)
    out = io.BytesIO()
    if packed:
        doc.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    else:
        doc.save(out)
    return out.getvalue()


def _open_js(doc: pikepdf.Pdf) -> None:
    doc.Root.OpenAction = doc.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))


def _named_js(doc: pikepdf.Pdf) -> None:
    action = doc.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))
    doc.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("a"), action])))


def _launch_link(doc: pikepdf.Pdf) -> None:
    link = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 595, 842],
                              A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe")))
    doc.pages[0].Annots = doc.make_indirect(pikepdf.Array([doc.make_indirect(link)]))


def _attachment(doc: pikepdf.Pdf) -> None:
    doc.attachments["invoice.exe"] = pikepdf.AttachedFileSpec(doc, b"MZ\x90\x00 not really a program")


def _open_at_first_page(doc: pikepdf.Pdf) -> None:
    doc.Root.OpenAction = pikepdf.Array([doc.pages[0].obj, pikepdf.Name.Fit])


PDF = pdf()
PDF_OPEN_AT_PAGE = pdf(_open_at_first_page)  # what word processors write: harmless
PDF_OPEN_JS = pdf(_open_js)
PDF_OPEN_JS_PACKED = pdf(_open_js, packed=True)
PDF_NAMED_JS_PACKED = pdf(_named_js, packed=True)
PDF_LAUNCH_PACKED = pdf(_launch_link, packed=True)
PDF_ATTACHMENT = pdf(_attachment)
PDF_ATTACHMENT_PACKED = pdf(_attachment, packed=True)
# The name JavaScript written with #xx escapes, which PDF readers decode.
PDF_ESCAPED_JS = (b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>endobj\n"
                  b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
                  b"4 0 obj<</S/J#61va#53cript/J#53(app.alert\\(1\\))>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def pdf_encrypted() -> bytes:
    doc = pikepdf.new()
    doc.add_blank_page()
    out = io.BytesIO()
    doc.save(out, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    return out.getvalue()


def png(text: dict[str, str] | None = None, compressed_text: dict[str, str] | None = None) -> bytes:
    info = PngImagePlugin.PngInfo()
    for k, v in (text or {}).items():
        info.add_text(k, v)
    for k, v in (compressed_text or {}).items():
        info.add_text(k, v, zip=True)
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def jpeg(comment: bytes = b"") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 30, 200)).save(out, "JPEG", quality=80, **({"comment": comment} if comment else {}))
    return out.getvalue()


PNG = png()
JPEG = jpeg()
PNG_HTML_AFTER_END = PNG + HTML  # the polyglot: a valid PNG a browser may also render as HTML
PNG_HTML_IN_TEXT = png({"Comment": HTML.decode()})
PNG_HTML_IN_COMPRESSED_TEXT = png(compressed_text={"Description": HTML.decode() * 4})
PNG_HTML_CHUNK = PNG[:33] + png_chunk(b"htMl", HTML) + PNG[33:]  # a private ancillary chunk right after IHDR
JPEG_HTML_IN_COMMENT = jpeg(HTML)
JPEG_HTML_AFTER_END = JPEG + HTML
PNG_TRUNCATED = PNG[:-30]
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
HTML_AS_PNG = b"\x89PNG\r\n\x1a\n" + HTML


def ofd(extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("OFD.xml", '<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0">'
                               "<ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        zf.writestr("Doc_0/Document.xml", '<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="http://www.ofdspec.org/2016">'
                                          "<ofd:Pages><ofd:Page ID=\"1\" BaseLoc=\"Pages/Page_0/Content.xml\"/></ofd:Pages></ofd:Document>")
        zf.writestr("Doc_0/Pages/Page_0/Content.xml", '<?xml version="1.0"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"/>')
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return out.getvalue()


OFD = ofd()
OFD_WITH_SCRIPT = ofd({"Doc_0/Res/run.js": b"alert(1)"})
OFD_WITH_HTML_IN_XML = ofd({"Doc_0/Annots.xml": b'<?xml version="1.0"?><ofd:Annots xmlns:ofd="x">' + HTML + b"</ofd:Annots>"})
OFD_WITH_ATTACHMENTS = ofd({"Doc_0/Attachs/Attachments.xml": b'<?xml version="1.0"?><ofd:Attachments xmlns:ofd="x"/>'})
OFD_ESCAPING = ofd({"../../etc/cron.d/x.xml": b"<x/>"})
