"""The check of an uploaded plan file before it is read: by its name (a supported suffix),
by its content (magic bytes: a renamed binary is refused) and not empty. Size limits are the
caller's (the web reads at most MAX_UPLOAD_BYTES). Errors are IngestError, in Dutch."""
from __future__ import annotations

from pathlib import Path

from ingest.errors import IngestError
from ingest.plans import DATA_SUFFIXES
from ingest.readers import SUPPORTED_SUFFIXES, detect_format

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
PLAN_SUFFIXES = SUPPORTED_SUFFIXES | DATA_SUFFIXES
_BINARY_STARTS = (b"%PDF-", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def upload_name(filename: str) -> str:
    """The file's own name, without any directory a browser may send along (at most 200 characters)."""
    return filename.replace("\\", "/").rsplit("/", 1)[-1][:200]


def check_plan_upload(data: bytes, filename: str) -> None:
    """Raise IngestError (Dutch) unless `data` can be a plan file called `filename`."""
    suffix = Path(filename).suffix.lower()
    if suffix not in PLAN_SUFFIXES:
        raise IngestError(f"Het bestand '{filename}' heeft een soort die niet wordt ondersteund. Upload een PDF, "
                          "Word-document (.docx), tekst (.txt of .md), HTML-pagina of een YAML/JSON-lijst.")
    if not data.strip():
        raise IngestError(f"Het bestand '{filename}' is leeg.")
    if suffix in DATA_SUFFIXES:
        if b"\x00" in data[:4096] or data.startswith(_BINARY_STARTS):
            raise IngestError(f"Het bestand '{filename}' is geen tekstbestand, dus geen geldige YAML of JSON.")
        return
    detect_format(data, filename)
