"""Make .xlsx and .docx files byte-identical for the same input (builds must be reproducible)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Characters XML 1.0 (so .xlsx and .docx) cannot hold: C0 controls other than tab, newline, carriage return.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_safe(text: str) -> str:
    """Return `text` without the control characters an Office file cannot store (a copy for reading, not the record)."""
    return NOT_XML.sub("", text)
_STAMPS = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def fixed_zip(data: bytes, stamp: datetime = datetime(2000, 1, 1)) -> bytes:
    """Return the same OOXML package dated `stamp` inside and 1980-01-01 in the zip (the writers stamp the clock)."""
    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            body = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                body = _STAMPS.sub(lambda m: m.group(1) + when + m.group(2), body)
            info = zipfile.ZipInfo(entry.filename, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, body)
    return out.getvalue()
