"""Uploaded materials are accepted by content, type by type: well-formed files of the
allow-list pass; polyglots, active PDFs, SVG and broken files are refused; file names
are normalised. The crafted files are in tests/material_samples.py."""

from __future__ import annotations

import pytest

from mgov_common.errors import InvalidArgument
from mgov_common.materials import MAX_FILENAME, check_upload, clean_filename
from tests import material_samples as samples


@pytest.mark.parametrize("content, kind", [
    (samples.PDF, "application/pdf"), (samples.PDF_OPEN_AT_PAGE, "application/pdf"), (samples.PNG, "image/png"),
    (samples.png({"Software": "Scanner 2.1", "Comment": "身份证正面 < 2 MB"}), "image/png"), (samples.JPEG, "image/jpeg"),
    (samples.jpeg(b"Scanned at the Xihu service hall"), "image/jpeg"), (samples.OFD, "application/ofd"),
])
def test_well_formed_materials_of_every_allowed_type_are_accepted(content: bytes, kind: str) -> None:
    assert check_upload(content, "material")[0] == kind


REFUSED = {
    "a PNG with an HTML page after its end (polyglot)": (samples.PNG_HTML_AFTER_END, "active_content"),
    "a PNG with HTML in a text chunk": (samples.PNG_HTML_IN_TEXT, "active_content"),
    "a PNG with HTML in a compressed text chunk": (samples.PNG_HTML_IN_COMPRESSED_TEXT, "active_content"),
    "a PNG with HTML in a private chunk": (samples.PNG_HTML_CHUNK, "active_content"),
    "a JPEG with HTML in its comment": (samples.JPEG_HTML_IN_COMMENT, "active_content"),
    "a JPEG with HTML after its end": (samples.JPEG_HTML_AFTER_END, "active_content"),
    "a PDF running JavaScript when opened": (samples.PDF_OPEN_JS, "active_content"),
    "the same inside compressed object streams": (samples.PDF_OPEN_JS_PACKED, "active_content"),
    "a PDF with document-level JavaScript, packed": (samples.PDF_NAMED_JS_PACKED, "active_content"),
    "a PDF whose link launches a program, packed": (samples.PDF_LAUNCH_PACKED, "active_content"),
    "a PDF carrying an attached file": (samples.PDF_ATTACHMENT, "active_content"),
    "the same, packed": (samples.PDF_ATTACHMENT_PACKED, "active_content"),
    "a PDF naming JavaScript with #xx escapes": (samples.PDF_ESCAPED_JS, "active_content"),
    "a PDF that needs a password": (samples.pdf_encrypted(), "encrypted_file"),
    "an SVG image": (samples.SVG, "unsupported_media_type"),
    "HTML behind a PNG signature": (samples.HTML_AS_PNG, "undecodable_file"),
    "a truncated PNG": (samples.PNG_TRUNCATED, "undecodable_file"),
    "a PDF header and nothing else": (b"%PDF-1.4\n" + b"x" * 100, "undecodable_file"),
    "an OFD with a script": (samples.OFD_WITH_SCRIPT, "active_content"),
    "an OFD with HTML in its XML": (samples.OFD_WITH_HTML_IN_XML, "active_content"),
    "an OFD with attachments": (samples.OFD_WITH_ATTACHMENTS, "active_content"),
    "an OFD with an entry outside the package": (samples.OFD_ESCAPING, "active_content"),
}


@pytest.mark.parametrize("what", sorted(REFUSED))
def test_active_or_broken_content_is_refused(what: str) -> None:
    content, code = REFUSED[what]
    with pytest.raises(InvalidArgument) as err:
        check_upload(content, "scan.png")
    assert (err.value.code, err.value.field) == (code, "file")


@pytest.mark.parametrize("given, stored", [
    ("invoice\u202egpj.exe", "invoicegpj.exe.pdf"),  # U+202E would show it as "invoiceexe.jpg"
    ("\u2066report\u2069\u200b.pdf", "report.pdf"),
    ("../../etc/passwd", "passwd.pdf"),
    ("C:\\Users\\张三\\身份证.pdf", "身份证.pdf"),
    ("  .hidden.pdf ", "hidden.pdf"),
    ("line\nbreak\t.pdf", "linebreak.pdf"),
    ("e\u0301cole.PDF", "\u00e9cole.pdf"),  # NFC, the extension in lower case
    ("", "upload.pdf"),
    ("\u202e", "upload.pdf"),
    ("page.html", "page.html.pdf"),
])
def test_file_names_are_normalised(given: str, stored: str) -> None:
    assert clean_filename(given, "application/pdf") == stored


def test_a_long_file_name_is_cut_and_keeps_its_extension() -> None:
    name = clean_filename("长" * 500 + ".jpeg", "image/jpeg")
    assert len(name) == MAX_FILENAME and name.endswith(".jpeg")
